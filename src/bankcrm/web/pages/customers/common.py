"""What the customer screens and the workbench share: running a service call from a screen
(the session re-checked, refusals explained in words), labels, and the customer grid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from nicegui import ui
from sqlalchemy.orm import Session

from bankcrm.crm.search import CustomerHit, Flag
from bankcrm.domain.actor import Actor
from bankcrm.domain.enums import LABELS_ZH
from bankcrm.domain.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    Unauthenticated,
)
from bankcrm.web import fmt
from bankcrm.web.auth import Visit
from bankcrm.web.runtime import runtime

T = TypeVar("T")
NOT_FOUND_ZH = "客户不存在或不在您的管辖范围内"
NOT_FOUND_EN = "No such customer, or not within your scope"

FLAG_LABELS: dict[str, tuple[str, str]] = {
    Flag.DORMANT: ("睡眠客户", "Dormant"),
    Flag.MATURITY_SOON: ("产品即将到期", "Maturing soon"),
    Flag.LARGE_OUTFLOW: ("大额资金流出", "Large outflow"),
}
# What a refused input means, in words staff can act on (the services' reasons are English).
_FIELD_HINTS: dict[str, tuple[str, str]] = {
    "reason": ("请填写查看理由（至少4个字）。", "State a reason of at least 4 characters."),
    "occurred_at": ("联系时间不能晚于现在。", "A contact cannot be in the future."),
    "next_step_on": ("下一步日期不能早于联系日期。", "The next step cannot be before the contact."),
    "need_code": (
        "该需求已在跟进中，或不在需求目录中。",
        "This need is already open, or not in the catalogue.",
    ),
    "q": ("查询内容为空或超过100个字。", "The search text is empty or over 100 characters."),
    "mine": (
        "当前登录未关联员工，无法列出“我的”任务和客户。",
        "This login is not linked to an employee.",
    ),
    "status": ("任务已关闭，不能再修改。", "The task is closed and cannot be changed."),
    "due_on": ("到期日不能早于任务创建日。", "The due date is before the task was created."),
}


def label(visit: Visit, code: str | None) -> str:
    """A code of the extract (tier, product type, ...) in the visitor's language."""
    if code is None:
        return "—"
    return LABELS_ZH.get(code, code) if visit.lang == "zh" else code.replace("_", " ")


def explain(visit: Visit, refused: ServiceError) -> str:
    """A service's refusal in words."""
    t = visit.t
    if isinstance(refused, NotFound):
        return t(f"{NOT_FOUND_ZH}（或记录已不存在）。", f"{NOT_FOUND_EN} (or the record is gone).")
    if isinstance(refused, Forbidden):
        return t("您的角色无权进行此操作。", "Your role may not do this.")
    if isinstance(refused, Conflict):
        return t("记录已被他人修改，请刷新页面后重试。", "Changed meanwhile: reload and retry.")
    if isinstance(refused, BadRequest) and refused.field in _FIELD_HINTS:
        zh, en = _FIELD_HINTS[refused.field]
        return t(zh, en)
    return t(f"操作未完成：{refused.reason}", f"Not done: {refused.reason}")


def attempt(visit: Visit, work: Callable[[Actor, Session], T]) -> T | None:
    """Run ``work`` with the re-checked actor and a store session of its own, from an event
    handler: an ended session goes to the login page, a refusal is shown in words. None when
    it did not happen."""
    try:
        actor = visit.fresh()
    except Unauthenticated:
        ui.navigate.to("/login")
        return None
    try:
        with runtime().sessions() as session:
            return work(actor, session)
    except Unauthenticated:
        ui.navigate.to("/login")
    except ServiceError as refused:
        ui.notify(explain(visit, refused), type="negative", multi_line=True)
    return None


def local(stored: datetime) -> datetime:
    """A moment the store keeps in UTC (without a zone), in the server's local time: the branch's
    machine runs in the branch's zone (Asia/Shanghai)."""
    return stored.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def grid_locale(visit: Visit) -> dict[str, str]:
    """AG Grid's own strings (Quasar's zh-CN pack does not reach it)."""
    if visit.lang != "zh":
        return {}
    return {"noRowsToShow": "没有符合条件的客户", "loadingOoo": "加载中…", "page": "页"}


# Whether the search service gives each hit its churn score and last contact (and sorts by
# them); without, the workbench leaves those columns out rather than show them empty.
_SEARCH_RANKS_WORK = {"churn_score", "last_contact_at"} <= {f.name for f in fields(CustomerHit)}


def customer_grid(visit: Visit, on_open: Callable[[str], Any], work: bool = False) -> ui.aggrid:
    """A grid of customer hits (one server-side page at a time); a click opens the 360 view.
    ``work``: with the churn risk and the last contact (the RM's workbench)."""
    t = visit.t
    columns = [
        ("customer_id", t("客户号", "Customer no."), 130),
        ("name", t("姓名", "Name"), 110),
        ("tier", t("层级", "Tier"), 90),
        ("aum", t("资产（万元）", "AUM"), 140),
        ("rm", t("客户经理", "RM"), 110),
        ("flags", t("提示", "Flags"), 200),
        ("opened_on", t("开户日期", "Opened"), 140),
    ]
    if work and _SEARCH_RANKS_WORK:
        columns[4:4] = [
            ("churn", t("流失风险", "Churn risk"), 100),
            ("last_contact", t("最近联系", "Last contact"), 140),
        ]
    grid = ui.aggrid(
        {
            "columnDefs": [
                {"field": f, "headerName": h, "minWidth": w, "sortable": False}
                | ({"type": "rightAligned"} if f == "aum" else {})
                for f, h, w in columns
            ],
            "rowData": [],
            "localeText": grid_locale(visit),
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            ":getRowId": "params => params.data.customer_id",
        }
    ).classes("w-full h-[460px]")
    grid.props('data-testid="customer-grid"')
    # only the row's data travels: the event's AG Grid context is circular (no JSON)
    grid.on("rowClicked", lambda e: on_open(str(e.args["data"]["customer_id"])), ["data"])
    return grid


def hit_rows(visit: Visit, hits: list[CustomerHit]) -> list[dict[str, str]]:
    """One page of hits as grid rows, figures formatted (20–200 rows: a loop is fine)."""
    rows = []
    for h in hits:
        flags = [FLAG_LABELS[f][0 if visit.lang == "zh" else 1] for f in Flag if getattr(h, f)]
        rows.append(
            {
                "customer_id": h.customer_id,
                "name": h.name,
                "tier": label(visit, h.tier),
                "aum": fmt.wan(yuan(h.aum_fen), visit.lang),
                "rm": h.rm_name or "—",
                "flags": "、".join(flags),
                "opened_on": fmt.day(h.opened_on, visit.lang),
                # read where the search gives them (its page-level churn and contact lookups)
                "churn": fmt.share(getattr(h, "churn_score", None)),
                "last_contact": fmt.day(getattr(h, "last_contact_at", None), visit.lang),
            }
        )
    return rows


def set_rows(grid: ui.aggrid, rows: list[dict[str, str]]) -> None:
    grid.options["rowData"] = rows
    grid.update()


def pages(total: int, size: int) -> int:
    return max(1, -(-total // size))
