"""审计日志 (auditor): search the trail with filters, page through it, export what matches
(XLSX or CSV) and verify the hash chain — every use of which is itself audited by the service."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from nicegui import run, ui

from bankcrm.domain.actor import ROLE_LABELS_ZH, Actor, Role
from bankcrm.domain.errors import BankcrmError
from bankcrm.security import audit_query
from bankcrm.security.audit import Outcome, Verification
from bankcrm.web.auth import Visit
from bankcrm.web.fmt import moment
from bankcrm.web.pages.admin.common import guarded, pager
from bankcrm.web.runtime import runtime

PAGE_SIZE = 50


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text and text.strip() else None
    except ValueError:
        return None


def _detail(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "…"


def _export(
    actor: Actor, filters: audit_query.AuditFilter, fmt: audit_query.ExportFormat
) -> tuple[bytes, int]:
    with tempfile.TemporaryDirectory() as tmp, runtime().sessions() as session:
        out = Path(tmp) / f"audit.{fmt.value}"
        count = audit_query.export(session, actor, filters, out, fmt)
        return out.read_bytes(), count


def build(visit: Visit) -> None:  # noqa: PLR0915  (one screen's widgets, in order)
    t, lang = visit.t, visit.lang
    rt = runtime()
    with ui.row().classes("items-end gap-2 w-full"):
        actor_in = ui.input(t("操作人用户名", "Username")).props('dense data-testid="audit-actor"')
        action_in = ui.input(t("操作（前缀，如 user. 或 import.）", "Action prefix")).props(
            'dense data-testid="audit-action"'
        )
        customer_in = ui.input(t("客户号", "Customer number")).props("dense")
        outcome_in = (
            ui.select(
                {
                    "": t("全部结果", "any"),
                    "ok": t("成功", "ok"),
                    "denied": t("拒绝", "denied"),
                    "failed": t("失败", "failed"),
                },
                value="",
                label=t("结果", "Outcome"),
            )
            .props("dense")
            .classes("w-28")
        )
        since_in = (
            ui.input(t("起始日期（UTC）", "From (UTC)"), placeholder="2026-11-01")
            .props('dense data-testid="audit-since"')
            .classes("w-36")
        )
        until_in = (
            ui.input(t("截止日期（UTC）", "To (UTC)"), placeholder="2026-11-30")
            .props("dense")
            .classes("w-36")
        )
        text_in = ui.input(t("详情包含", "Detail contains")).props("dense")
        ui.button(t("查询", "Search"), on_click=lambda: load(1)).props('data-testid="audit-search"')
    columns = [
        {"name": k, "label": label, "field": k, "align": "left"}
        for k, label in (
            ("seq", t("序号", "#")),
            ("at", t("时间（UTC）", "Time (UTC)")),
            ("actor", t("操作人", "Actor")),
            ("role", t("角色", "Role")),
            ("action", t("操作", "Action")),
            ("target", t("对象", "Target")),
            ("outcome", t("结果", "Outcome")),
            ("detail", t("详情", "Detail")),
        )
    ]
    message = (
        ui.label(
            t(
                "按条件查询审计日志；不填条件即列出全部，最新的在前。",
                "Search the trail; with no filter, everything, newest first.",
            )
        )
        .classes("text-grey-7")
        .props('data-testid="audit-message"')
    )
    table = (
        ui.table(columns=columns, rows=[], row_key="seq")
        .props('flat bordered dense wrap-cells data-testid="audit-table"')
        .classes("w-full")
    )
    update_pager = pager(visit, lambda page: load(page))  # noqa: PLW0108  (defined below)
    with ui.row().classes("gap-2 items-center"):
        ui.button(
            t("导出 Excel", "Export XLSX"),
            icon="download",
            on_click=lambda: export(audit_query.ExportFormat.XLSX),
        ).props('outline data-testid="audit-export"')
        ui.button(
            t("导出 CSV", "Export CSV"),
            icon="download",
            on_click=lambda: export(audit_query.ExportFormat.CSV),
        ).props("outline")
        ui.separator().props("vertical")
        tip_in = (
            ui.input(t("上次记下的链尾哈希（可选）", "Expected tip hash (optional)"))
            .props("dense")
            .classes("w-96")
        )
        ui.button(
            t("校验哈希链", "Verify the chain"),
            icon="verified",
            on_click=lambda: verify(),  # noqa: PLW0108  (defined below)
        ).props('data-testid="audit-verify"')
    verdict = ui.label("").props('data-testid="audit-verdict"').classes("text-body1")

    def filters() -> audit_query.AuditFilter:
        return audit_query.AuditFilter(
            actor=actor_in.value or None,
            action=action_in.value or None,
            customer_id=customer_in.value or None,
            outcome=outcome_in.value or None,
            since=_date(since_in.value),
            until=_date(until_in.value),
            text=text_in.value or None,
        )

    def role(value: str) -> str:
        try:
            return ROLE_LABELS_ZH[Role(value)] if lang == "zh" else value
        except ValueError:
            return value

    def dates_ok() -> bool:
        bad = [v for v in (since_in.value, until_in.value) if v and _date(v) is None]
        if bad:
            ui.notify(
                t(
                    f"日期 {bad[0]} 无法识别：请按 2026-11-01 的格式填写。",
                    f"Cannot read the date {bad[0]}: write it as 2026-11-01.",
                ),
                type="warning",
            )
        return not bad

    def load(page: int) -> None:
        if not dates_ok():
            return

        def fetch(actor: Actor) -> audit_query.Found:
            with rt.sessions() as session:
                return audit_query.search(session, actor, filters(), page, PAGE_SIZE)

        found = guarded(visit, fetch)
        if found is None:
            return
        table.rows = [
            {
                "seq": e.seq,
                "at": moment(e.at, lang),
                "actor": e.actor,
                "role": role(e.role),
                "action": e.action,
                "target": ":".join(p for p in (e.entity, e.entity_id) if p)
                + (f" / {e.customer_id}" if e.customer_id else ""),
                "outcome": audit_query.OUTCOME_LABELS_ZH.get(Outcome(e.outcome), e.outcome)
                if lang == "zh"
                else e.outcome,
                "detail": _detail(e.detail),
            }
            for e in found.entries
        ]
        table.update()
        message.set_text(
            t(f"找到 {found.total:,} 条记录。", f"{found.total:,} records found.")
            if found.total
            else t("没有符合条件的记录：请放宽条件再查。", "Nothing matches: widen the filters.")
        )
        update_pager(page, PAGE_SIZE, found.total)

    async def export(fmt: audit_query.ExportFormat) -> None:
        if not dates_ok():
            return
        actor = guarded(visit, lambda a: a)
        if actor is None:
            return
        try:  # a large trail takes a while: off the event loop
            made = await run.io_bound(_export, actor, filters(), fmt)
        except BankcrmError as error:
            reason = getattr(error, "reason", str(error))
            ui.notify(t(f"导出未完成：{reason}", f"Not exported: {reason}"), type="warning")
            return
        if made is None:  # the server is shutting down
            return
        data, count = made
        ui.download.content(data, f"audit-log.{fmt.value}")
        ui.notify(t(f"已导出 {count:,} 条记录。", f"{count:,} records exported."))

    def verify() -> None:
        def check(actor: Actor) -> Verification:
            with rt.sessions() as session:
                return audit_query.check(session, actor, tip_in.value or None)

        result = guarded(visit, check)
        if result is None:
            return
        if result.ok:
            verdict.set_text(
                t(
                    f"哈希链完整：共 {result.records:,} 条记录，链尾哈希 {result.tip_hash}",
                    f"Intact: {result.records:,} records, tip {result.tip_hash}",
                )
            )
            verdict.classes(replace="text-positive text-body1")
        else:
            where = result.first_break
            verdict.set_text(
                t(
                    f"哈希链断裂：第 {where.seq if where else '?'} 条起不一致"
                    f"（{where.reason if where else ''}），请立即上报。",
                    f"Broken at {where.seq if where else '?'}: {where.reason if where else ''}",
                )
            )
            verdict.classes(replace="text-negative text-body1")

    load(1)
