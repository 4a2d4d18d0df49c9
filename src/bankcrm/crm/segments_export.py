"""A segment's members as an Excel workbook for staff: Chinese headers, AUM in 万元.

``export_members`` is the service every export goes through (API, CLI): a segment exported for
marketing leaves out the customers without marketing consent and those on the do-not-contact
list, and says how many and why on a note sheet; names are masked for a role that does not see
them in clear (an analyst); the export is audited. ``write_members_xlsx`` only writes a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.crm.campaigns import EXCLUSION_LABELS_ZH
from bankcrm.domain.actor import Actor
from bankcrm.domain.enums import LABELS_ZH
from bankcrm.security import audit
from bankcrm.security.masking import Context, Shown
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import DoNotContact

HEADERS = {
    "customer_id": ("客户号", "Customer ID"),
    "name": ("客户名称", "Name"),
    "branch_id": ("网点", "Branch"),
    "tier": ("客户层级", "Tier"),
    "aum_wan": ("AUM（万元）", "AUM (10k yuan)"),
    "employee_id": ("客户经理", "RM"),
}
NOTE_SHEET = {"zh": "说明", "en": "Notes"}
EXCLUSION_LABELS_EN = {
    "no_consent": "no marketing consent",
    "do_not_contact": "on the do-not-contact list",
}
_IN_BATCHES = 10_000  # customer ids per IN list (PostgreSQL takes at most 65 535 parameters)


@dataclass(frozen=True)
class MembersExport:
    """What an export wrote: the file, its rows, who was left out and why, what was masked."""

    path: Path
    written: int
    left_out: dict[str, int] = field(default_factory=dict)  # reason → customers
    masked: tuple[str, ...] = ()


def consent_exclusions(session: Session, rows: pd.DataFrame) -> pd.Series:
    """Per member, why a marketing export leaves it out, or None: ``no_consent`` (no
    marketing consent, the more decisive) or ``do_not_contact`` (勿扰). The same reasons, in
    the same order, as campaign exclusions (``campaigns.exclusions``)."""
    ids = rows["customer_id"].astype(str).tolist()
    dnc: set[str] = set()
    for start in range(0, len(ids), _IN_BATCHES):
        batch = ids[start : start + _IN_BATCHES]
        dnc.update(
            session.scalars(
                select(DoNotContact.customer_id).where(DoNotContact.customer_id.in_(batch))
            )
        )
    reason = pd.Series(None, index=rows.index, dtype=object)
    reason = reason.mask(rows["customer_id"].isin(dnc), "do_not_contact")
    consent = rows["marketing_consent"].fillna(False).astype(bool)  # unknown: no consent
    return reason.mask(~consent, "no_consent")


def export_members(
    session: Session,
    actor: Actor,
    rows: pd.DataFrame,
    path: Path,
    title: str,
    *,
    marketing: bool = True,
    segment_id: int | None = None,
    lang: str = "zh",
) -> MembersExport:
    """Write a segment's members (``segments.members``, already within the actor's scope) for
    ``actor``: for marketing (the default) without the customers who must not be contacted,
    names masked where the actor's role does not see them, audited as ``segment.export``."""
    authorize(actor, Permission.SEGMENT_EXPORT)
    kept, left_out = rows, {}
    if marketing:
        reason = consent_exclusions(session, rows)
        kept = rows.loc[reason.isna()]
        left_out = {str(k): int(v) for k, v in reason.value_counts().items()}
    shown = Shown.to(actor, Context.EXPORT)
    masked = tuple(f for f in shown.masked if f == "name")  # the only personal column
    if masked:
        kept = kept.assign(name=kept["name"].map(shown.name))
    write_members_xlsx(kept, path, title, lang, left_out if marketing else None, masked)
    audit.record_now(
        session,
        actor,
        "segment.export",
        entity="segment",
        entity_id=segment_id,
        detail={
            "rows": len(kept),
            "left_out": left_out,
            "marketing": marketing,
            "masked": list(masked),
        },
    )
    return MembersExport(path, len(kept), left_out, masked)


def write_members_xlsx(
    rows: pd.DataFrame,
    path: Path,
    title: str,
    lang: str = "zh",
    left_out: dict[str, int] | None = None,
    masked: tuple[str, ...] = (),
) -> Path:
    """Write the members (``segments.members`` columns) to ``path``; returns the path. With
    ``left_out`` (a marketing export), a note sheet says who was left out and why."""
    table = pd.DataFrame(
        {
            "customer_id": rows["customer_id"],
            "name": rows["name"],
            "branch_id": rows["branch_id"],
            "tier": rows["tier"].map(lambda t: LABELS_ZH.get(t, t))
            if lang == "zh"
            else rows["tier"],
            "aum_wan": rows["aum"].astype("float64") / 10_000,
            "employee_id": rows["employee_id"].fillna(""),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    try:
        sheet = book.add_worksheet("客群" if lang == "zh" else "Segment")
        bold = book.add_format({"bold": True})
        wan = book.add_format({"num_format": "#,##0.00"})
        sheet.write(0, 0, title + _title_note(left_out, lang), bold)
        for col, key in enumerate(table.columns):  # six columns, each written whole
            sheet.write(1, col, HEADERS[key][0 if lang == "zh" else 1], bold)
            values = table[key].astype(object).where(table[key].notna(), "").tolist()
            sheet.write_column(2, col, values, wan if key == "aum_wan" else None)
            sheet.set_column(col, col, 16)
        sheet.freeze_panes(2, 0)
        if len(table):
            sheet.autofilter(1, 0, 1 + len(table), len(table.columns) - 1)
        if left_out is not None or masked:
            _note_sheet(book, bold, left_out, masked, lang)
    finally:
        book.close()
    return path


def _title_note(left_out: dict[str, int] | None, lang: str) -> str:
    n = sum((left_out or {}).values())
    if not n:
        return ""
    return f"（已排除 {n} 位客户，见“说明”页）" if lang == "zh" else f" ({n} left out: see Notes)"


def _note_sheet(
    book: xlsxwriter.Workbook,
    bold: object,
    left_out: dict[str, int] | None,
    masked: tuple[str, ...],
    lang: str,
) -> None:
    zh = lang == "zh"
    sheet = book.add_worksheet(NOTE_SHEET["zh" if zh else "en"])
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 12)
    lines: list[tuple[str, object]] = []
    if left_out is not None:
        lines.append(("营销用途：已排除的客户" if zh else "For marketing: left out", ""))
        labels = EXCLUSION_LABELS_ZH if zh else EXCLUSION_LABELS_EN
        for reason in ("no_consent", "do_not_contact"):
            lines.append((labels[reason], left_out.get(reason, 0)))
    if masked:
        lines.append(("客户名称已脱敏" if zh else "Names are masked", ""))
    sheet.write_row(0, 0, ["项目" if zh else "Item", "客户数" if zh else "Customers"], bold)
    for row, (label, value) in enumerate(lines, start=1):
        sheet.write_row(row, 0, [label, value])
