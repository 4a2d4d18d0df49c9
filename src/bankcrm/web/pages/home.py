"""首页 Dashboard, by role: a branch manager (and an analyst) sees the headline of their scope,
the diagnosis findings and (a manager) the team's tasks; an RM their book and tasks; the other
roles what they can do here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import Request
from nicegui import run, ui

from bankcrm.diagnosis.findings import SEVERITY_ZH
from bankcrm.domain.actor import Role
from bankcrm.domain.errors import ServiceError, Unauthenticated
from bankcrm.web import fmt
from bankcrm.web.auth import Visit, to_login, visit_of
from bankcrm.web.charts import TIERS, name
from bankcrm.web.layout import empty, frame
from bankcrm.web.pages import home_figures as figures

SEVERITY_COLOR = {"high": "negative", "medium": "warning", "low": "info"}
WELCOME = {
    Role.TELLER: ("在“柜面连续业务”为到柜客户办理业务：核验身份、使用缓存、确认签名。",
                  "Serve the customer at the counter under “Counter”."),
    Role.AUDITOR: ("在“管理”中检索、导出和校验审计日志。",
                   "Search, export and verify the audit log under “Admin”."),
    Role.ADMIN: ("在“管理”中维护用户与角色、导入批次、层级与任务规则。",
                 "Manage users, imports and settings under “Admin”."),
}  # fmt: skip


@ui.page("/")
def home_page(request: Request) -> Any:
    visit = visit_of(request)
    if visit is None:
        return to_login(request)
    with frame(visit, "首页", "Dashboard"):
        role = visit.actor.role
        if role in (Role.BRANCH_MANAGER, Role.ANALYST):
            box = ui.column().classes("w-full gap-4")
            ui.timer(0.05, lambda: _manager(visit, box), once=True)
        elif role is Role.RELATIONSHIP_MANAGER:
            box = ui.column().classes("w-full gap-4")
            ui.timer(0.05, lambda: _rm(visit, box), once=True)
        else:
            zh, en = WELCOME.get(role, ("欢迎使用。", "Welcome."))
            ui.label(visit.t("欢迎使用银行网点客户关系管理系统。", "Welcome to bankcrm.")).classes(
                "text-h6")  # fmt: skip
            ui.label(visit.t(zh, en)).classes("text-body1").props('data-testid="welcome"')
    return None


def _fresh(visit: Visit) -> Any:
    try:
        return visit.fresh()
    except Unauthenticated:
        ui.navigate.to("/login")
        return None


def _figure(caption: str, value: str, test_id: str, note: str = "") -> None:
    with ui.card().classes("q-pa-sm min-w-44"):
        ui.label(caption).classes("text-caption text-grey-7")
        ui.label(value).classes("text-h6").props(f'data-testid="{test_id}"')
        if note:
            ui.label(note).classes("text-caption")


def _change(now: Decimal | int, before: Decimal | int | None, lang: str) -> str:
    if before is None or not before:
        return ""
    rate = (Decimal(now) - Decimal(before)) / Decimal(before)
    return ("同比 " if lang == "zh" else "YoY ") + f"{rate * 100:+.1f}%"


async def _manager(visit: Visit, box: ui.column) -> None:
    t, lang = visit.t, visit.lang
    actor = _fresh(visit)
    if actor is None:
        return
    client = box.client  # the visitor may leave while the figures are computed
    with box:
        waiting = ui.spinner(size="lg")
    try:
        head = await run.io_bound(figures.headline, actor)
        if client.is_deleted:  # left already: spare the diagnosis (the warehouse takes turns)
            return
        findings = await run.io_bound(figures.diagnosis, actor)
        team = (await run.io_bound(figures.team_tasks, actor, figures.today())
                if actor.role is Role.BRANCH_MANAGER else None)  # fmt: skip
    except (ServiceError, LookupError, ValueError) as error:
        if not client.is_deleted:
            waiting.delete()
            with box:
                empty(
                    t("暂时无法计算首页数据：", "The dashboard could not be computed: ")
                    + str(error)
                )
        return
    if client.is_deleted:
        return
    waiting.delete()
    with box:
        if head is None:
            empty(
                t("仓库中还没有数据：请先导入数据。", "The warehouse is empty: import an extract.")
            )
            return
        scope = actor.branch_id or t("全行", "whole bank")
        shown = fmt.day(head.as_of, lang)
        ui.label(t(f"管辖范围 {scope}，数据截至 {shown}", f"Scope {scope}, as of {shown}")).classes(
            "text-grey-8"
        )
        with ui.row().classes("gap-4"):
            _figure(t("客户数", "Customers"), f"{head.customers:,}", "dash-customers",
                    _change(head.customers, head.previous_customers, lang))  # fmt: skip
            _figure(t("资产规模 AUM", "AUM"), fmt.wan(head.aum, lang), "dash-aum",
                    _change(head.aum, head.previous_aum, lang))  # fmt: skip
            with ui.card().classes("q-pa-sm"):
                ui.label(t("客户层级结构", "Tier mix")).classes("text-caption text-grey-7")
                with ui.row().classes("gap-3"):
                    for tier in TIERS:
                        n = head.tiers.get(tier, 0)
                        share = fmt.share(n / head.customers) if head.customers else "—"
                        ui.label(f"{name(tier, lang)} {n:,}（{share}）")
            if team is not None:
                done, total = team["done"], sum(team[s] for s in ("open", "done", "cancelled"))
                _figure(t("团队任务完成率", "Team task completion"),
                        fmt.share(done / total) if total else "—", "dash-task-completion",
                        t(f"待办 {team['open']}，已完成 {done}，逾期 {team['overdue']}",
                          f"open {team['open']}, done {done}, overdue {team['overdue']}"),
                        )  # fmt: skip
        _findings(visit, findings or [])


def _findings(visit: Visit, findings: list[dict[str, Any]]) -> None:
    t, lang = visit.t, visit.lang
    with ui.card().classes("w-full"):
        ui.label(t("结构诊断发现", "Diagnosis findings")).classes(
            "text-subtitle1 text-weight-medium"
        )
        if not findings:
            empty(t("未发现需要关注的结构问题。", "No problem found in the customer structure."))
            return
        for f in findings:  # a handful of findings
            with (
                ui.row().classes("items-start gap-3 w-full no-wrap").props('data-testid="finding"')
            ):
                sev = f["severity"]
                ui.badge(t(f"{SEVERITY_ZH[sev]}", sev), color=SEVERITY_COLOR.get(sev, "grey"))
                with ui.column().classes("gap-0"):
                    ui.label(f["title_zh"] if lang == "zh" else f["title_en"]).classes(
                        "text-weight-medium")  # fmt: skip
                    ui.label(f["explanation_zh"] if lang == "zh" else f["explanation_en"]).classes(
                        "text-body2 text-grey-8")  # fmt: skip
    ui.link(t("查看完整结构分析 →", "Open the structure analysis →"), "/structure")


async def _rm(visit: Visit, box: ui.column) -> None:
    t, lang = visit.t, visit.lang
    actor = _fresh(visit)
    if actor is None:
        return
    client = box.client
    with box:
        waiting = ui.spinner(size="lg")
    try:
        b = await run.io_bound(figures.book, actor, figures.today())
    except (ServiceError, LookupError, ValueError) as error:
        if not client.is_deleted:
            waiting.delete()
            with box:
                empty(
                    t("暂时无法计算首页数据：", "The dashboard could not be computed: ")
                    + str(error)
                )
        return
    if client.is_deleted or b is None:
        return
    waiting.delete()
    if b is None:
        return
    with box:
        ui.label(t(f"我的管户客户，数据截至 {fmt.day(b.as_of, lang)}",
                   f"My book, as of {fmt.day(b.as_of, lang)}")).classes("text-grey-8")  # fmt: skip
        with ui.row().classes("gap-4"):
            _figure(t("管户客户数", "Customers"), f"{b.customers:,}", "dash-customers")
            _figure(t("管户资产 AUM", "AUM"), fmt.wan(b.aum, lang), "dash-aum")
            _figure(t("今日到期任务", "Due today"), f"{b.due_today:,}", "dash-due-today")
            _figure(t("逾期任务", "Overdue"), f"{b.overdue:,}", "dash-overdue")
            _figure(t("待办任务", "Open tasks"), f"{b.open:,}", "dash-open")
            coverage = fmt.share(b.contacted / b.customers) if b.customers else "—"
            days = figures.COVERAGE_DAYS
            caption = t(f"近{days}天联系覆盖率", f"Contacted, last {days} days")
            note = t(f"已联系 {b.contacted} / {b.customers} 户", f"{b.contacted} of {b.customers}")
            _figure(caption, coverage, "dash-coverage", note)
        with ui.row().classes("gap-3"):
            for tier in TIERS:
                ui.label(f"{name(tier, lang)} {b.tiers.get(tier, 0):,}")
        if not b.customers:
            empty(t("您名下暂无管户客户。", "No customers are assigned to you yet."))
        ui.link(t("打开我的工作台 →", "Open my workbench →"), "/workbench")
