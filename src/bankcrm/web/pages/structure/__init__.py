"""客户结构分析 Structure analysis: the analysis of a branch subtree (a manager: their own; an
analyst: any branch or the whole bank) as charts, each with its table and workbook, and the
report generated from here."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from nicegui import run, ui

from bankcrm.domain.errors import Forbidden, NotFound, ServiceError, Unauthenticated
from bankcrm.security.policy import Permission, allowed
from bankcrm.web import fmt
from bankcrm.web.auth import Visit, to_login, visit_of
from bankcrm.web.layout import empty, frame
from bankcrm.web.pages.structure import present, work
from bankcrm.web.pages.structure.views import ChartView, headline, views

WHOLE_BANK = "*"  # the analyst's choice of every branch (a select value cannot be None)
OUT_OF_SCOPE = (
    "网点不存在或不在您的管辖范围内。",
    "The branch does not exist or is outside your scope.",
)


@ui.page("/structure")
def structure_page(request: Request) -> Any:
    visit = visit_of(request)
    if visit is None:
        return to_login(request)
    with frame(visit, "客户结构分析", "Structure analysis"):
        if not allowed(visit.actor, Permission.ANALYTICS):
            empty(visit.t("您的角色不能查看结构分析。", "Your role may not read the analysis."))
            return None
        Screen(visit).build()
    return None


class Screen:
    """One visitor's structure screen: the selectors, and the result they asked for."""

    def __init__(self, visit: Visit) -> None:
        self.visit = visit
        self.result: dict[str, Any] | None = None
        self.branches: dict[str, str] = {}
        self.years: list[int] = []

    def build(self) -> None:
        t = self.visit.t
        with ui.row().classes("items-end gap-4 w-full"):
            self.branch = (
                ui.select({}, label=t("机构", "Branch"))
                .classes("w-64")
                .props('data-testid="branch"')
            )
            self.as_of = (
                ui.date_input(t("数据日期", "As of"))
                .classes("w-44")
                .props('data-testid="as-of" clearable')
            )
            self.year_from = ui.select([], label=t("起始年份", "From")).classes("w-28")
            self.year_to = ui.select([], label=t("截止年份", "To")).classes("w-28")
            ui.button(t("分析", "Analyse"), icon="insights", on_click=self.analyse).props(
                'data-testid="analyse"'
            )
            ui.space()
            self.actions = ui.row().classes("gap-2")
            with self.actions:
                ui.button(
                    t("全部数据（Excel）", "All data (Excel)"),
                    icon="download",
                    on_click=self.download_all,
                ).props('outline data-testid="analysis-xlsx"')
                ui.button(
                    t("生成报告（HTML）", "Report (HTML)"),
                    icon="description",
                    on_click=lambda: self.report("html"),
                ).props('outline data-testid="report-html"')
                ui.button(t("报告表格（Excel）", "Report tables (Excel)"), icon="table_view",
                          on_click=lambda: self.report("xlsx")).props('outline')  # fmt: skip
            self.actions.visible = False
        self.body = ui.column().classes("w-full gap-4")
        ui.timer(0.05, self.start, once=True)  # after the page is shown: the lists need a query

    async def start(self) -> None:
        actor = self._actor()
        if actor is None:
            return
        client = self.body.client
        choices = await run.io_bound(work.choices, actor)
        if choices is None or client.is_deleted:
            return
        t = self.visit.t
        self.branches = {WHOLE_BANK: t("全行", "Whole bank")} if actor.branch_id is None else {}
        self.branches.update(choices.branches)
        self.branch.set_options(self.branches, value=next(iter(self.branches), None))
        self.years = choices.years
        self.year_from.set_options(choices.years, value=choices.years[0] if choices.years else None)
        self.year_to.set_options(choices.years, value=choices.years[-1] if choices.years else None)
        await self.analyse()

    def _actor(self) -> Any:
        try:
            return self.visit.fresh()
        except Unauthenticated:
            ui.navigate.to("/login")
            return None

    def _branch(self) -> str | None:
        value = self.branch.value
        return None if value in (None, WHOLE_BANK) else str(value)

    def _years(self) -> tuple[int, int] | None:
        low, high = self.year_from.value, self.year_to.value
        if low is None or high is None:
            return None
        return (min(low, high), max(low, high))

    def _as_of(self) -> date | None:
        text = (self.as_of.value or "").strip()
        return date.fromisoformat(text.replace("/", "-")) if text else None

    async def analyse(self) -> None:
        t = self.visit.t
        actor = self._actor()
        if actor is None:
            return
        client = self.body.client
        self.body.clear()
        with self.body, ui.row().classes("items-center gap-2"):
            ui.spinner(size="lg")
            ui.label(t("正在计算分析，请稍候……", "Computing the analysis…"))
        try:
            as_of = self._as_of()
        except ValueError:
            self._message(t("数据日期格式应为 YYYY-MM-DD。", "The date must be YYYY-MM-DD."))
            return
        try:
            result = await run.io_bound(work.analysis, actor, as_of, self._years(),
                                        self._branch())  # fmt: skip
        except Forbidden:
            self._message(t("您的角色不能查看结构分析。", "Your role may not read the analysis."))
            return
        except NotFound:
            self._message(t(*OUT_OF_SCOPE))
            return
        except (LookupError, ValueError, ServiceError) as error:
            self._message(t("无法计算分析：", "The analysis failed: ") + str(error).strip("'\""))
            return
        if result is None or client.is_deleted:  # shutting down, or the visitor left
            return
        self.result = result
        self.body.clear()
        with self.body:
            self._show(result)
        self.actions.visible = True

    def _message(self, text: str) -> None:
        self.body.clear()
        self.actions.visible = False
        with self.body:
            ui.label(text).classes("text-negative q-pa-md").props('data-testid="structure-error"')

    def _show(self, result: dict[str, Any]) -> None:
        t, lang = self.visit.t, self.visit.lang
        head = headline(result)
        with ui.row().classes("gap-4 w-full"):
            _figure(
                t("数据截至", "As of"),
                fmt.day(date.fromisoformat(head["as_of"]), lang),
                "as-of-shown",
            )
            _figure(t("客户数", "Customers"), f"{head['customers']:,}", "structure-customers")
            _figure(t("资产规模 AUM", "AUM"), fmt.wan(head["aum"], lang), "structure-aum")
            gini = head["gini"]
            _figure(t("基尼系数", "Gini"), "—" if gini is None else f"{gini:.3f}", "structure-gini")
        charts = views(result, lang)
        if not charts:
            empty(t("所选范围内没有客户数据。", "No customer data in the chosen scope."))
            return
        with ui.element("div").classes("grid grid-cols-1 xl:grid-cols-2 gap-4 w-full"):
            for view in charts:  # eight charts
                self._card(view)

    def _card(self, view: ChartView) -> None:
        t, lang = self.visit.t, self.visit.lang
        with ui.card().classes("w-full").props(f'data-testid="chart-{view.key}"'):
            with ui.row().classes("items-center w-full"):
                ui.label(view.title(lang)).classes("text-subtitle1 text-weight-medium")
                ui.space()
                toggle = ui.switch(t("表格", "Table")).props(f'data-testid="table-{view.key}"')
                ui.button(icon="download", on_click=lambda v=view: self._download(v)).props(
                    f'flat round data-testid="xlsx-{view.key}"'
                ).tooltip(t("下载此表（Excel）", "Download this table (Excel)"))
            chart = ui.echart(view.option).classes("w-full h-80")
            table = present.show_table(view, lang)
            table.bind_visibility_from(toggle, "value")
            chart.bind_visibility_from(toggle, "value", backward=lambda v: not v)

    def _download(self, view: ChartView) -> None:
        if self._actor() is None:
            return
        ui.download.content(present.table_xlsx(view, self.visit.lang), f"{view.key}.xlsx")

    async def download_all(self) -> None:
        if self._actor() is None or self.result is None:
            return
        data = await run.io_bound(work.analysis_xlsx, self.result, self.visit.lang)
        if data is not None:
            ui.download.content(data, "analysis.xlsx")

    async def report(self, kind: str) -> None:
        t = self.visit.t
        actor = self._actor()
        if actor is None:
            return
        note = ui.notification(t("正在生成报告……", "Writing the report…"), spinner=True)
        try:
            files = await run.io_bound(work.report, actor, self._as_of_or_none(),
                                       self._branch(), self.visit.lang)  # fmt: skip
        except NotFound:
            note.dismiss()
            ui.notify(t(*OUT_OF_SCOPE), type="negative")
            return
        except (LookupError, ValueError, ServiceError) as error:
            note.dismiss()
            ui.notify(t("报告生成失败：", "The report failed: ") + str(error), type="negative")
            return
        note.dismiss()
        if files is None:
            return
        html, xlsx = files
        if kind == "html":
            ui.download.content(html, "report.html", "text/html")
        else:
            ui.download.content(xlsx, "report.xlsx")

    def _as_of_or_none(self) -> date | None:
        try:
            return self._as_of()
        except ValueError:
            return None


def _figure(caption: str, value: str, test_id: str) -> None:
    with ui.card().classes("q-pa-sm min-w-40"):
        ui.label(caption).classes("text-caption text-grey-7")
        ui.label(value).classes("text-h6").props(f'data-testid="{test_id}"')
