"""客户360 Customer view: the profile (masked, with a "显示" action that asks for a reason), the
AUM trend, and tabs for holdings, transactions, scores, contacts, needs, tasks and campaigns.
A customer outside the visitor's scope looks exactly like one that does not exist."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.crm.customer360 import Customer360, customer_360
from bankcrm.domain.errors import Forbidden, NotFound
from bankcrm.security.masking import Profile, unmask
from bankcrm.security.policy import Permission, allowed
from bankcrm.web import fmt
from bankcrm.web.auth import Visit, to_login, visit_of
from bankcrm.web.layout import empty, frame
from bankcrm.web.pages.customers import sections, work
from bankcrm.web.pages.customers.common import (
    FLAG_LABELS,
    NOT_FOUND_EN,
    NOT_FOUND_ZH,
    attempt,
    label,
    yuan,
)
from bankcrm.web.runtime import runtime

ID_TYPES = {
    "resident_id": "居民身份证",
    "passport": "护照",
    "hk_macau_permit": "港澳居民来往内地通行证",
    "taiwan_permit": "台湾居民来往大陆通行证",
    "foreign_permanent_id": "外国人永久居留身份证",
    "unified_social_credit_code": "统一社会信用代码",
    "other": "其他证件",
}
FIELD_ZH = {"name": "姓名", "id_number": "证件号", "phone": "手机号"}


@ui.page("/customers/{customer_id}")
def customer_page(request: Request, customer_id: str) -> Any:
    visit = visit_of(request)
    if visit is None:
        return to_login(request)
    t = visit.t
    with frame(visit, "客户360视图", "Customer view"):
        rt = runtime()
        try:
            with rt.sessions() as session:
                view = customer_360(session, visit.actor, rt.warehouse, customer_id)
        except NotFound:
            # the same words whether the customer is absent or someone else's: no leak
            ui.label(t(NOT_FOUND_ZH, NOT_FOUND_EN)).classes("text-h6 text-negative").props(
                'data-testid="not-found"'
            )
            empty(t("请从“客户查询”中查找您管辖的客户。", "Find your customers in the search."))
            ui.link(t("返回客户查询", "Back to search"), "/customers")
            return None
        except Forbidden:
            empty(t("您的角色不查看客户详情。", "Your role does not view customer details."))
            return None
        _header(visit, view)
        with ui.row().classes("w-full gap-4 items-stretch no-wrap"):
            with ui.card().classes("w-[420px] shrink-0"):
                _profile(visit, view.profile)
            with ui.card().classes("grow min-w-0"):
                sections.aum_trend(visit, view)
        _tabs(visit, view)
    return None


def _header(visit: Visit, view: Customer360) -> None:
    t, p, s = visit.t, view.profile, view.summary
    with ui.row().classes("items-center gap-4"):
        ui.label(p.name).classes("text-h5").props('data-testid="customer-name"')
        ui.label(p.customer_id).classes("text-subtitle1 text-grey-8")
        if s is not None:
            ui.badge(label(visit, s.tier)).props("color=amber-8 text-color=white")
            ui.label(t("资产", "AUM") + " " + fmt.wan(yuan(s.aum_fen), visit.lang)).classes(
                "text-subtitle1"
            ).props('data-testid="customer-aum"')
            ui.label(t(f"（截至{fmt.day(s.as_of, 'zh')}）", f"(at {s.as_of})")).classes(
                "text-caption text-grey-7"
            )
        for flag in view.flags:
            ui.badge(FLAG_LABELS[flag][0 if visit.lang == "zh" else 1]).props("color=red-7")
        current = next((r for r in view.rm_history if r.end_on is None), None)
        if current is not None:
            ui.label(t(f"客户经理：{current.employee_name}", f"RM: {current.employee_name}"))


def _profile(visit: Visit, profile: Profile) -> None:
    t = visit.t
    ui.label(t("基本信息", "Profile")).classes("text-h6")
    shown: dict[str, ui.label] = {}

    def row(zh: str, en: str, value: str, key: str | None = None) -> None:
        with ui.row().classes("w-full no-wrap gap-2"):
            ui.label(t(zh, en)).classes("w-24 text-grey-7 shrink-0")
            text = ui.label(value).classes("break-all")
            if key is not None:
                text.props(f'data-testid="profile-{key}"')
                shown[key] = text

    row("姓名", "Name", profile.name, "name")
    id_type = ID_TYPES.get(profile.id_type, profile.id_type) if visit.lang == "zh" else None
    row("证件类型", "ID type", id_type or profile.id_type)
    row("证件号", "ID number", profile.id_number, "id_number")
    row("手机号", "Phone", profile.phone or "—", "phone")
    gender = {"M": t("男", "male"), "F": t("女", "female")}.get(profile.gender or "", "—")
    row("性别", "Gender", gender)
    row("出生日期", "Born", fmt.day(profile.birth_date, visit.lang))
    row("客户类型", "Type", label(visit, profile.customer_type))
    row("风险等级", "Risk level", profile.risk_level or "—")
    row("开户网点", "Branch", profile.branch_id)
    row("开户日期", "Opened", fmt.day(profile.opened_on, visit.lang))
    consent = t("同意", "yes") if profile.marketing_consent else t("未同意", "no")
    row("营销授权", "Marketing consent", consent)
    if profile.masked and allowed(visit.actor, Permission.UNMASK):
        ask = lambda: _ask_reason(visit, profile, shown)  # noqa: E731
        ui.button(t("显示", "Show"), icon="visibility", on_click=ask).props(
            'flat dense data-testid="unmask"'
        )
        ui.label(
            t("已脱敏；查看明文需说明理由，并记入审计日志。",
              "Masked; seeing it in clear needs a reason and is audited.")
        ).classes("text-caption text-grey-7")  # fmt: skip


def _ask_reason(visit: Visit, profile: Profile, shown: dict[str, ui.label]) -> None:
    t = visit.t
    wanted = [f for f in profile.masked if f in FIELD_ZH]
    with ui.dialog() as dialog, ui.card().classes("w-[28rem]"):
        names = "、".join(FIELD_ZH[f] for f in wanted) if visit.lang == "zh" else ", ".join(wanted)
        ui.label(t(f"查看明文：{names}", f"Show in clear: {names}")).classes("text-h6")
        reason = (
            ui.input(t("查看理由（必填，至少4个字）", "Reason (at least 4 characters)"))
            .props('autofocus data-testid="unmask-reason"')
            .classes("w-full")
        )
        ui.label(t("此次查看将记入审计日志。", "This look is recorded in the audit log.")).classes(
            "text-caption text-grey-7"
        )

        def confirm() -> None:
            values = attempt(
                visit,
                lambda actor, s: unmask(s, actor, profile.customer_id, wanted, reason.value),
            )
            if values is None:
                return
            for key, value in values.items():
                if key in shown:
                    shown[key].set_text(value or "—")
            dialog.close()

        with ui.row().classes("justify-end w-full"):
            ui.button(t("取消", "Cancel"), on_click=dialog.close).props("flat")
            ui.button(t("显示", "Show"), on_click=confirm).props('data-testid="unmask-confirm"')
    dialog.open()


def _tabs(visit: Visit, view: Customer360) -> None:
    t = visit.t
    names = {
        "contacts": t(f"联系记录（{view.contact_count}）", f"Contacts ({view.contact_count})"),
        "tasks": t("待办任务", "Open tasks"),
        "needs": t("客户需求", "Needs"),
        "holdings": t("持有产品", "Holdings"),
        "transactions": t("交易明细", "Transactions"),
        "scores": t("模型评分", "Scores"),
        "campaigns": t("营销活动", "Campaigns"),
    }
    with ui.tabs().classes("w-full") as tabs:
        for key, text in names.items():
            ui.tab(key, label=text).props(f'data-testid="tab-{key}"')
    cid = view.profile.customer_id
    with ui.tab_panels(tabs, value="contacts", animated=False).classes("w-full"):
        with ui.tab_panel("contacts"):
            work.contacts_panel(visit, cid)
        with ui.tab_panel("tasks"):
            work.tasks_panel(visit, cid)
        with ui.tab_panel("needs"):
            work.needs_panel(visit, cid)
        with ui.tab_panel("holdings"):
            sections.holdings(visit, view)
        with ui.tab_panel("transactions"):
            sections.transactions(visit, cid)
        with ui.tab_panel("scores"):
            sections.scores(visit, view)
        with ui.tab_panel("campaigns"):
            sections.campaigns(visit, view)
