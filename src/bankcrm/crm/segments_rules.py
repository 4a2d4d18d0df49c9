"""The segment rule language (客群规则): a JSON tree of conditions (field, operator, value)
combined with ``and`` / ``or`` / ``not``, over a whitelist of customer fields.

Example: gold-and-above customers with AUM of at least 50万 who are not dormant::

    {"and": [
        {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond", "private"]},
        {"field": "aum", "op": "ge", "value": 500000},
        {"not": {"field": "dormant", "op": "eq", "value": true}}
    ]}

A rule is validated here (an unknown field or operator, or a value of the wrong type, is an
error that names the field) and compiled to an Ibis boolean expression, never to SQL text: the
values reach the database as typed literals, so no input can change the query's shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

from bankcrm.domain.enums import CustomerRiskLevel, CustomerType, Gender, Tier

Kind = Literal["number", "text", "bool", "date"]
Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "between", "in", "not_in", "is_null"]
AGE_BANDS = ("<25", "25-34", "35-44", "45-54", "55-64", "65+", "unknown")


@dataclass(frozen=True)
class FieldSpec:
    """A field a rule may test: its kind, its Chinese label, and its allowed values (codes)."""

    kind: Kind
    label_zh: str
    choices: tuple[str, ...] | None = None


FIELDS: dict[str, FieldSpec] = {
    # customer attributes
    "customer_id": FieldSpec("text", "客户号"),
    "branch_id": FieldSpec("text", "网点"),
    "customer_type": FieldSpec("text", "客户类型", tuple(CustomerType)),
    "gender": FieldSpec("text", "性别", tuple(Gender)),
    "age": FieldSpec("number", "年龄"),
    "age_band": FieldSpec("text", "年龄段", AGE_BANDS),
    "risk_level": FieldSpec("text", "风险等级", tuple(CustomerRiskLevel)),
    "marketing_consent": FieldSpec("bool", "同意营销"),
    "opened_on": FieldSpec("date", "开户日期"),
    # month-end metrics (yuan) and flags at the evaluated month-end
    "aum": FieldSpec("number", "AUM（元）"),
    "loan_balance": FieldSpec("number", "贷款余额（元）"),
    "tier": FieldSpec("text", "客户层级", tuple(Tier)),
    "product_count": FieldSpec("number", "持有产品种类数"),
    "dormant": FieldSpec("bool", "睡眠客户"),
    "rm_assigned": FieldSpec("bool", "已分配客户经理"),
    "employee_id": FieldSpec("text", "客户经理"),
    "third_party_outflow": FieldSpec("bool", "近12个月有第三方支付流出"),
    "days_to_maturity": FieldSpec("number", "距最近到期天数（定期/大额存单/理财）"),
    # model scores (bankcrm score), null when never scored
    "churn_score": FieldSpec("number", "流失概率"),
    "clv": FieldSpec("number", "客户终身价值"),
    "rfm_segment": FieldSpec("text", "RFM 分群"),
    "next_best_product": FieldSpec("text", "下一最佳产品"),
}

OPS_BY_KIND: dict[Kind, frozenset[str]] = {
    "number": frozenset({"eq", "ne", "gt", "ge", "lt", "le", "between", "in", "not_in", "is_null"}),
    "text": frozenset({"eq", "ne", "in", "not_in", "is_null"}),
    "bool": frozenset({"eq", "is_null"}),
    "date": frozenset({"eq", "ne", "gt", "ge", "lt", "le", "between", "is_null"}),
}


class Condition(BaseModel):
    """One test of one field: ``{"field": "aum", "op": "ge", "value": 500000}``."""

    model_config = ConfigDict(extra="forbid")

    # The enum documents the whitelist in the OpenAPI schema; the check below gives the error.
    field: str = Field(json_schema_extra={"enum": list(FIELDS)})
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _check(self) -> Condition:
        spec = FIELDS.get(self.field)
        if spec is None:
            raise ValueError(f"unknown field {self.field!r}; allowed: {', '.join(sorted(FIELDS))}")
        if self.op not in OPS_BY_KIND[spec.kind]:
            allowed = ", ".join(sorted(OPS_BY_KIND[spec.kind]))
            raise ValueError(f"field {self.field!r}: operator {self.op!r} not allowed ({allowed})")
        self.value = _checked_value(self.field, spec, self.op, self.value)
        return self


def _checked_value(name: str, spec: FieldSpec, op: str, value: Any) -> Any:
    """The value in its Python type, or a ValueError naming the field and the reason."""
    if op == "is_null":
        if not isinstance(value, bool):
            raise ValueError(f"field {name!r}: is_null takes true or false")
        return value
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError(f"field {name!r}: between takes [low, high]")
        low, high = (_scalar(name, spec, v) for v in value)
        if low > high:
            raise ValueError(f"field {name!r}: between needs low <= high")
        return [low, high]
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ValueError(f"field {name!r}: {op} takes a non-empty list")
        return [_scalar(name, spec, v) for v in value]
    return _scalar(name, spec, value)


def _scalar(name: str, spec: FieldSpec, value: Any) -> Any:
    if spec.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"field {name!r}: expected a number, got {value!r}")
        return value
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"field {name!r}: expected true or false, got {value!r}")
        return value
    if spec.kind == "date":
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValueError(f"field {name!r}: expected a date YYYY-MM-DD, got {value!r}") from None
    if not isinstance(value, str):
        raise ValueError(f"field {name!r}: expected text, got {value!r}")
    if spec.choices is not None and value not in spec.choices:
        raise ValueError(f"field {name!r}: {value!r} is not one of {', '.join(spec.choices)}")
    return value


class AllOf(BaseModel):
    """Every sub-rule holds: ``{"and": [...]}``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    all_of: list[Rule] = Field(alias="and", min_length=1)


class AnyOf(BaseModel):
    """At least one sub-rule holds: ``{"or": [...]}``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    any_of: list[Rule] = Field(alias="or", min_length=1)


class Negation(BaseModel):
    """The sub-rule does not hold: ``{"not": {...}}``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    negated: Rule = Field(alias="not")


def _kind_of(node: Any) -> str:
    """Which node a JSON object is, from its keys (so errors come from that node alone)."""
    if isinstance(node, BaseModel):
        kinds: dict[type[BaseModel], str] = {AllOf: "and", AnyOf: "or", Negation: "not"}
        return kinds.get(type(node), "condition")
    if isinstance(node, dict):
        for key in ("and", "or", "not"):
            if key in node:
                return key
    return "condition"


Rule = Annotated[
    Annotated[Condition, Tag("condition")]
    | Annotated[AllOf, Tag("and")]
    | Annotated[AnyOf, Tag("or")]
    | Annotated[Negation, Tag("not")],
    Discriminator(_kind_of),
]
for _model in (AllOf, AnyOf, Negation):
    _model.model_rebuild()


class RuleDocument(BaseModel):
    """A rule as a top-level document (parses the JSON tree)."""

    rule: Rule


def parse_rule(data: Any) -> Rule:
    """A rule tree from parsed JSON; ``pydantic.ValidationError`` names what is wrong."""
    return RuleDocument.model_validate({"rule": data}).rule


def rule_json(rule: Rule) -> dict[str, Any]:
    """The rule as JSON-ready data (the same shape ``parse_rule`` reads)."""
    data: dict[str, Any] = RuleDocument(rule=rule).model_dump(mode="json", by_alias=True)["rule"]
    return data


_COMPARE: dict[str, Callable[[ir.Column, Any], ir.BooleanValue]] = {
    "eq": lambda c, v: c == v,
    "ne": lambda c, v: c != v,
    "gt": lambda c, v: c > v,
    "ge": lambda c, v: c >= v,
    "lt": lambda c, v: c < v,
    "le": lambda c, v: c <= v,
    "between": lambda c, v: c.between(v[0], v[1]),
    "in": lambda c, v: c.isin(v),
    "not_in": lambda c, v: c.notin(v),
    "is_null": lambda c, v: c.isnull() if v else c.notnull(),
}


def compile_rule(rule: Rule, table: ibis.Table) -> ir.BooleanValue:
    """The rule as a boolean expression over ``table`` (which has every field as a column).

    A condition on a missing value is false (not unknown), so ``not`` is the complement of the
    set it negates: ``not (aum >= 100)`` keeps the customers without an AUM figure."""
    if isinstance(rule, AllOf):
        parts = [compile_rule(r, table) for r in rule.all_of]
        return _fold(parts, lambda a, b: a & b)
    if isinstance(rule, AnyOf):
        parts = [compile_rule(r, table) for r in rule.any_of]
        return _fold(parts, lambda a, b: a | b)
    if isinstance(rule, Negation):
        return ~compile_rule(rule.negated, table)
    test: ir.BooleanValue = _COMPARE[rule.op](table[rule.field], rule.value)
    return test.fill_null(False)


def _fold(
    parts: list[ir.BooleanValue], join: Callable[[ir.BooleanValue, ir.BooleanValue], Any]
) -> ir.BooleanValue:
    result = parts[0]
    for part in parts[1:]:  # the rule's own nodes: a handful, not customers
        result = join(result, part)
    return result


def fields_used(rule: Rule) -> set[str]:
    """The fields a rule tests (to skip building columns no rule needs)."""
    if isinstance(rule, AllOf):
        return set().union(*(fields_used(r) for r in rule.all_of))
    if isinstance(rule, AnyOf):
        return set().union(*(fields_used(r) for r in rule.any_of))
    if isinstance(rule, Negation):
        return fields_used(rule.negated)
    return {rule.field}


def from_finding(segment: dict[str, Any]) -> Rule:
    """A diagnosis finding's segment (``diagnosis.findings`` vocabulary, keys AND-ed) as a rule
    tree: the bridge from a finding to a campaign. An unsupported key is a ValueError."""
    parts: list[dict[str, Any]] = []
    for key, value in sorted(segment.items()):  # a handful of keys
        if key in ("tier_in", "age_band_in", "customer_type_in"):
            parts.append({"field": key.removesuffix("_in"), "op": "in", "value": list(value)})
        elif key in ("dormant", "rm_assigned", "third_party_outflow"):
            parts.append({"field": key, "op": "eq", "value": bool(value)})
        elif key == "product_holding_max":
            parts.append({"field": "product_count", "op": "le", "value": value})
        elif key == "maturing_within_days":
            parts.append({"field": "days_to_maturity", "op": "le", "value": value})
        else:
            raise ValueError(f"finding segment key {key!r} has no segment field")
    if not parts:
        raise ValueError("the finding's segment is empty")
    return parse_rule(parts[0] if len(parts) == 1 else {"and": parts})
