"""Campaigns on the segment screen: the creation form (a branch manager), the list with each
campaign's groups and lift, and one campaign's results with the lift chart and its 95% CI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from nicegui import run, ui
from pydantic import ValidationError

from bankcrm.crm.campaigns import CampaignSpec
from bankcrm.crm.campaigns_stats import Interval
from bankcrm.domain.enums import ProductType
from bankcrm.domain.errors import Forbidden, ServiceError
from bankcrm.web import charts, fmt
from bankcrm.web.auth import Visit
from bankcrm.web.layout import empty
from bankcrm.web.pages.home_figures import today
from bankcrm.web.pages.segments import work
from bankcrm.web.pages.segments.work import Row

PAGE_SIZE = 10


def _pp(value: float | None, lang: str) -> str:
    """A difference of rates in percentage points."""
    if value is None:
        return "—"
    return f"{value * 100:+.1f} " + ("个百分点" if lang == "zh" else "pp")


def _ci(interval: Interval | None, lang: str) -> str:
    if interval is None:
        return "—"
    unit = "个百分点" if lang == "zh" else "pp"
    return f"[{interval.low * 100:+.1f}, {interval.high * 100:+.1f}] {unit}"


class Campaigns:
    """The campaign part of one visitor's screen."""

    def __init__(self, visit: Visit, rule_json: Any) -> None:
        self.visit = visit
        self.rule_json = rule_json  # () -> the builder's rule, or raises with a message
        self.page_no = 1
        self.total = 0

    def t(self, zh: str, en: str) -> str:
        return self.visit.t(zh, en)

    def _actor(self) -> Any:
        from bankcrm.domain.errors import Unauthenticated  # noqa: PLC0415

        try:
            return self.visit.fresh()
        except Unauthenticated:
            ui.navigate.to("/login")
            return None

    # creation ---------------------------------------------------------------------------

    def form(self) -> None:
        t = self.t
        products = {p.value: charts.name(p.value, self.visit.lang) for p in ProductType}
        with ui.card().classes("w-full"):
            title = t("创建营销活动（使用上方客群规则）", "New campaign (from the rule above)")
            ui.label(title).classes("text-subtitle1 text-weight-medium")
            with ui.row().classes("items-end gap-4 w-full"):
                self.name = ui.input(t("活动名称", "Name")).classes("w-64").props(
                    'data-testid="campaign-name"')  # fmt: skip
                self.start = ui.date_input(t("开始日期", "Start"), value=today().isoformat())
                self.start.classes("w-44").props('data-testid="campaign-start"')
                self.end = ui.date_input(t("结束日期（可选）", "End (optional)")).classes("w-44")
                self.product = ui.select(products, value=ProductType.WEALTH_MANAGEMENT.value,
                                         label=t("转化产品", "Product converted to"),
                                         clearable=True).classes("w-40")  # fmt: skip
                self.goal = ui.input(t("AUM增长目标（元，可选）", "AUM goal (CNY, optional)")
                                     ).classes("w-52")  # fmt: skip
            with ui.row().classes("items-end gap-4 w-full"):
                self.control = ui.number(
                    t("对照组比例", "Control share"), value=0.2, min=0, max=0.9, step=0.05,
                    format="%.2f",
                ).classes("w-36")  # fmt: skip
                self.exclusion = ui.number(t("排除近期营销天数", "Exclusion days"), value=30,
                                           min=0, max=365, step=1).classes("w-44")  # fmt: skip
                self.cost = ui.input(t("活动成本（元，可选）", "Cost (CNY, optional)")).classes(
                    "w-48"
                )
                ui.button(t("创建活动", "Create"), icon="campaign", on_click=self.create).props(
                    'data-testid="campaign-create"')  # fmt: skip
            self.created = ui.label("").props('data-testid="campaign-created"').classes(
                "text-positive")  # fmt: skip

    def _money(self, text: str | None, label: str) -> Decimal | None:
        raw = (text or "").replace(",", "").strip()
        if not raw:
            return None
        try:
            return Decimal(raw)
        except InvalidOperation:
            raise ValueError(f"{label}：请填写数字（元）") from None

    def _spec(self) -> CampaignSpec:
        t = self.t
        return CampaignSpec(
            name=(self.name.value or "").strip(),
            rule=self.rule_json(),
            start_on=date.fromisoformat(self.start.value or today().isoformat()),
            end_on=date.fromisoformat(self.end.value) if self.end.value else None,
            product_type=self.product.value or None,
            goal_aum_yuan=self._money(self.goal.value, t("AUM增长目标", "AUM goal")),
            control_share=float(self.control.value or 0),
            exclusion_days=int(self.exclusion.value or 0),
            cost_yuan=self._money(self.cost.value, t("活动成本", "Cost")),
        )

    def _checked(self) -> CampaignSpec | None:
        """The form as a campaign, or None after telling the visitor what is wrong."""
        t = self.t
        if not (self.name.value or "").strip():
            ui.notify(t("请填写活动名称。", "Give the campaign a name."), type="warning")
            return None
        try:
            return self._spec()
        except ValidationError as error:
            reasons = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
            ui.notify(t("活动设置有误：", "The campaign is not valid: ") + reasons, type="negative")
        except ValueError as error:
            ui.notify(str(error), type="negative")
        return None

    async def create(self) -> None:
        t = self.t
        actor = self._actor()
        spec = None if actor is None else self._checked()
        if spec is None:
            return
        try:
            made = await run.io_bound(work.create, actor, spec)
        except Forbidden:
            only = t(
                "只有网点负责人可以创建营销活动。", "Only a branch manager may create campaigns."
            )
            ui.notify(only, type="negative")
            return
        except ServiceError as error:
            failed = t("无法创建活动：", "The campaign was not created: ")
            ui.notify(failed + error.reason, type="negative")
            return
        if made is None:
            return
        g = made.groups
        self.created.set_text(
            t(f"已创建“{spec.name}”：目标组 {g.get('target', 0)} 人，"
              f"对照组 {g.get('control', 0)} 人，已排除 {g.get('excluded', 0)} 人，"
              f"生成任务 {made.tasks} 个。",
              f"Created “{spec.name}”: {g.get('target', 0)} targets, {g.get('control', 0)} "
              f"controls, {g.get('excluded', 0)} excluded, {made.tasks} tasks.")
        )  # fmt: skip
        ui.notify(t("营销活动已创建。", "Campaign created."), type="positive")
        self.page_no = 1
        await self.load()

    # list and results ---------------------------------------------------------------------

    def listing(self) -> None:
        t = self.t
        with ui.card().classes("w-full"):
            ui.label(t("营销活动与效果", "Campaigns and results")).classes(
                "text-subtitle1 text-weight-medium")  # fmt: skip
            self.list_box = ui.column().classes("w-full")
            with ui.row().classes("items-center"):
                self.pager = ui.pagination(1, 1, direction_links=True, on_change=self._turn)
            self.results_box = ui.column().classes("w-full")

    async def _turn(self, e: Any) -> None:
        self.page_no = int(e.value or 1)
        await self.load()

    async def load(self) -> None:
        actor = self._actor()
        if actor is None:
            return
        client = self.list_box.client
        try:
            found = await run.io_bound(work.page, actor, (self.page_no - 1) * PAGE_SIZE, PAGE_SIZE)
        except Forbidden:
            self.list_box.clear()
            with self.list_box:
                empty(self.t("您的角色不能查看营销活动。", "Your role may not view campaigns."))
            return
        if found is None or client.is_deleted:
            return
        rows, self.total = found
        self.pager.max = max(1, -(-self.total // PAGE_SIZE))
        self.list_box.clear()
        with self.list_box:
            if not rows:
                empty(self.t("还没有营销活动。用上方的客群规则创建一个。",
                             "No campaigns yet. Create one from the rule above."))  # fmt: skip
                return
            self._table(rows)

    def _table(self, rows: list[Row]) -> None:
        t, lang = self.t, self.visit.lang
        columns = [
            {"name": "name", "label": t("活动名称", "Name"), "field": "name", "align": "left"},
            {"name": "start", "label": t("开始日期", "Start"), "field": "start", "align": "left"},
            {"name": "target", "label": t("目标组", "Targets"), "field": "target"},
            {"name": "control", "label": t("对照组", "Controls"), "field": "control"},
            {"name": "excluded", "label": t("已排除", "Excluded"), "field": "excluded"},
            {"name": "t_rate", "label": t("目标组转化率", "Target rate"), "field": "t_rate"},
            {"name": "c_rate", "label": t("对照组转化率", "Control rate"), "field": "c_rate"},
            {"name": "lift", "label": t("提升", "Lift"), "field": "lift"},
            {"name": "ci", "label": t("95%置信区间", "95% CI"), "field": "ci"},
        ]
        data = []
        for r in rows:  # one page of campaigns
            s = r.results.stats
            data.append({
                "id": r.id, "name": r.name, "start": fmt.day(r.start_on, lang),
                "target": s.targets, "control": s.controls, "excluded": r.results.excluded,
                "t_rate": fmt.share(s.target_rate), "c_rate": fmt.share(s.control_rate),
                "lift": _pp(s.lift, lang), "ci": _ci(s.lift_ci, lang),
            })  # fmt: skip
        by_id = {r.id: r for r in rows}
        table = ui.table(columns=columns, rows=data, row_key="id").classes("w-full").props(
            'flat bordered dense data-testid="campaign-list"')  # fmt: skip
        table.on("rowClick", lambda e: self._show(by_id[int(e.args[1]["id"])]))
        ui.label(t("点击一行查看活动效果。", "Click a row to see its results.")).classes(
            "text-caption text-grey-7")  # fmt: skip

    def _show(self, row: Row) -> None:
        t, lang = self.t, self.visit.lang
        s = row.results.stats
        self.results_box.clear()
        with self.results_box, ui.card().classes("w-full").props('data-testid="campaign-results"'):
            ui.label(f"{row.name} · {t('活动效果', 'results')}").classes("text-subtitle1")
            with ui.row().classes("gap-6"):
                converted = t("转化", "converted")
                for caption, value in (
                    (t("目标组", "Targets"),
                     f"{s.targets}（{converted} {s.target_conversions}）"),
                    (t("对照组", "Controls"),
                     f"{s.controls}（{converted} {s.control_conversions}）"),
                    (t("提升", "Lift"), _pp(s.lift, lang)),
                    (t("95%置信区间（Newcombe）", "95% CI (Newcombe)"), _ci(s.lift_ci, lang)),
                    (t("Wald 区间（对比）", "Wald (for comparison)"), _ci(s.lift_ci_wald, lang)),
                    (t("增量AUM", "Incremental AUM"),
                     fmt.wan(s.incremental_aum, lang) if s.incremental_aum is not None else "—"),
                    (t("投资回报率", "ROI"), fmt.share(s.roi)),
                ):  # fmt: skip
                    with ui.column().classes("gap-0"):
                        ui.label(caption).classes("text-caption text-grey-7")
                        ui.label(value).classes("text-body1")
            if not s.targets or not s.controls:
                empty(t("目标组或对照组为空，无法计算提升。", "No lift without both groups."))
                return
            ci = s.lift_ci
            ui.echart(charts.lift(s.target_rate, s.control_rate, s.lift,
                                  ci.low if ci else None, ci.high if ci else None, lang)
                      ).classes("w-full h-72")  # fmt: skip
