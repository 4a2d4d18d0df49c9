"""The segment builder: a list of conditions (field, operator, value) over
``segments_rules.FIELDS``, all or any of which must hold, turned into a rule the services
validate (an error names the field)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nicegui import ui

from bankcrm.crm.segments_rules import FIELDS, OPS_BY_KIND, Rule, parse_rule
from bankcrm.web.charts import name

OPS_ZH = {"eq": "等于", "ne": "不等于", "gt": "大于", "ge": "大于等于", "lt": "小于",
          "le": "小于等于", "between": "介于", "in": "属于", "not_in": "不属于",
          "is_null": "为空"}  # fmt: skip
OP_ORDER = ("eq", "ne", "gt", "ge", "lt", "le", "between", "in", "not_in", "is_null")
FIELD_EN = {"aum": "AUM (CNY)", "loan_balance": "loan balance (CNY)"}


@dataclass
class Condition:
    field: str
    op: str
    value: Any  # text typed, a list of codes chosen, or a bool

    @classmethod
    def default(cls, name: str) -> Condition:
        spec = FIELDS[name]
        if spec.kind == "bool":
            return cls(name, "eq", True)
        if spec.choices:
            return cls(name, "in", [])
        return cls(name, "ge" if spec.kind in ("number", "date") else "eq", "")


@dataclass
class Draft:
    """What the visitor is building."""

    conditions: list[Condition] = field(
        default_factory=lambda: [
            Condition("tier", "in", ["gold", "platinum", "diamond", "private"]),
        ]
    )
    combine: str = "and"


def _number(text: str) -> float | int:
    value = float(text.replace(",", "").strip())
    return int(value) if value.is_integer() else value


def _scalar(kind: str, text: str) -> Any:
    if kind == "number":
        return _number(text)
    return text.strip()


def condition_json(c: Condition) -> dict[str, Any]:
    """The condition as rule JSON; a ValueError says what is wrong with the typed value."""
    spec = FIELDS[c.field]
    label = spec.label_zh
    if c.op == "is_null":
        return {"field": c.field, "op": c.op, "value": bool(c.value)}
    if spec.kind == "bool":
        return {"field": c.field, "op": c.op, "value": bool(c.value)}
    if isinstance(c.value, list):
        if not c.value:
            raise ValueError(f"{label}：请至少选择一项")
        values: Any = list(c.value) if c.op in ("in", "not_in") else c.value[0]
        return {"field": c.field, "op": c.op, "value": values}
    text = str(c.value or "").strip()
    if not text:
        raise ValueError(f"{label}：请填写条件值")
    try:
        if c.op == "between":
            parts = [p for p in text.replace("，", ",").split(",") if p.strip()]
            if len(parts) != 2:
                raise ValueError
            return {"field": c.field, "op": c.op, "value": [_scalar(spec.kind, p) for p in parts]}
        if c.op in ("in", "not_in"):
            parts = [p for p in text.replace("，", ",").split(",") if p.strip()]
            return {"field": c.field, "op": c.op, "value": [_scalar(spec.kind, p) for p in parts]}
        return {"field": c.field, "op": c.op, "value": _scalar(spec.kind, text)}
    except ValueError:
        raise ValueError(f"{label}：条件值格式不对（数字如 500000，介于填“低,高”）") from None


def _editable(node: dict[str, Any]) -> Condition:
    """A rule condition as the editor holds it (lists of codes, or typed text)."""
    spec = FIELDS[node["field"]]
    value = node.get("value")
    if node["op"] == "is_null" or spec.kind == "bool":
        return Condition(node["field"], node["op"], bool(value))
    if spec.choices:
        return Condition(node["field"], node["op"], value if isinstance(value, list) else [value])
    text = ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return Condition(node["field"], node["op"], text)


def draft_of(rule: dict[str, Any]) -> Draft | None:
    """A saved rule as a draft, or None when it nests ``not`` or groups in groups (the editor
    shows one level of conditions)."""
    if "field" in rule:
        return Draft([_editable(rule)], "and")
    for combine in ("and", "or"):
        parts = rule.get(combine)
        if isinstance(parts, list) and all("field" in p for p in parts):
            return Draft([_editable(p) for p in parts], combine)
    return None


def rule_of(draft: Draft) -> Rule:
    """The draft as a validated rule (ValueError or pydantic's ValidationError when wrong)."""
    parts = [condition_json(c) for c in draft.conditions]
    if not parts:
        raise ValueError("请至少添加一个条件")
    return parse_rule(parts[0] if len(parts) == 1 else {draft.combine: parts})


class Editor:
    """The conditions on screen; ``changed`` is called after every edit."""

    def __init__(self, draft: Draft, lang: str, changed: Callable[[], Any]) -> None:
        self.draft = draft
        self.lang = lang
        self.changed = changed

    def t(self, zh: str, en: str) -> str:
        return zh if self.lang == "zh" else en

    def fields(self) -> dict[str, str]:
        if self.lang == "zh":
            return {k: v.label_zh for k, v in FIELDS.items()}
        return {k: FIELD_EN.get(k, k.replace("_", " ")) for k in FIELDS}

    def build(self) -> None:
        with ui.row().classes("items-center gap-2"):
            modes = {
                "and": self.t("满足全部条件", "All of"),
                "or": self.t("满足任一条件", "Any of"),
            }
            self.mode = ui.toggle(modes, value=self.draft.combine, on_change=self._combine)
            ui.button(self.t("添加条件", "Add condition"), icon="add", on_click=self._add).props(
                'flat data-testid="add-condition"'
            )
        self.rows()

    def load(self, draft: Draft) -> None:
        """Show another draft (a saved segment's rule) in place of the current one."""
        self.draft.conditions[:] = draft.conditions
        self.draft.combine = draft.combine
        self.mode.set_value(draft.combine)
        self.rows.refresh()
        self.changed()

    def _combine(self, e: Any) -> None:
        self.draft.combine = e.value
        self.changed()

    def _add(self) -> None:
        self.draft.conditions.append(Condition.default("aum"))
        self.rows.refresh()
        self.changed()

    @ui.refreshable_method
    def rows(self) -> None:
        for i, c in enumerate(self.draft.conditions):  # a handful of conditions
            with ui.row().classes("items-center gap-2 w-full").props(f'data-testid="cond-{i}"'):
                self._row(i, c)

    def _row(self, i: int, c: Condition) -> None:
        spec = FIELDS[c.field]
        ui.select(
            self.fields(), value=c.field, with_input=True,
            on_change=lambda e, c=c: self._field(c, e.value),
        ).classes("w-64").props(f'data-testid="cond-field-{i}"')  # fmt: skip
        ops = {o: (OPS_ZH[o] if self.lang == "zh" else o) for o in OP_ORDER
               if o in OPS_BY_KIND[spec.kind]}  # fmt: skip
        ui.select(ops, value=c.op, on_change=lambda e, c=c: self._op(c, e.value)).classes(
            "w-32"
        ).props(f'data-testid="cond-op-{i}"')
        test_id = f'data-testid="cond-value-{i}"'
        if c.op == "is_null" or spec.kind == "bool":
            yes_no = {True: self.t("是", "yes"), False: self.t("否", "no")}
            ui.select(yes_no, value=bool(c.value), on_change=lambda e, c=c: self._value(c, e.value)
                      ).classes("w-24").props(test_id)  # fmt: skip
        elif spec.choices:
            options = {v: name(v, self.lang) for v in spec.choices}
            chosen = c.value if isinstance(c.value, list) else []
            ui.select(options, value=chosen, multiple=c.op in ("in", "not_in"),
                      on_change=lambda e, c=c: self._value(c, e.value)
                      ).classes("w-72").props(f"use-chips {test_id}")  # fmt: skip
        else:
            hint = self.t("介于：低,高；属于：a,b,c", "between: low,high; in: a,b,c")
            ui.input(self.t("值", "Value"), value=str(c.value or ""),
                     on_change=lambda e, c=c: self._value(c, e.value)).classes("w-56").props(
                f'{test_id} debounce=400 hint="{hint}"')  # fmt: skip
        ui.button(icon="delete", on_click=lambda i=i: self._remove(i)).props(
            f'flat round dense data-testid="cond-remove-{i}"'
        ).tooltip(self.t("删除条件", "Remove"))

    def _field(self, c: Condition, value: str) -> None:
        fresh = Condition.default(value)
        c.field, c.op, c.value = fresh.field, fresh.op, fresh.value
        self.rows.refresh()
        self.changed()

    def _op(self, c: Condition, op: str) -> None:
        c.op = op
        spec = FIELDS[c.field]
        if op == "is_null":
            c.value = True
        elif spec.choices:
            c.value = c.value if isinstance(c.value, list) else [c.value] if c.value else []
            if op not in ("in", "not_in"):
                c.value = c.value[:1]
        self.rows.refresh()
        self.changed()

    def _value(self, c: Condition, value: Any) -> None:
        c.value = [value] if FIELDS[c.field].choices and isinstance(value, str) else value
        self.changed()

    def _remove(self, i: int) -> None:
        del self.draft.conditions[i]
        self.rows.refresh()
        self.changed()
