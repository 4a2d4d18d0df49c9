"""Analytics, diagnosis and the report for an acting user: scoped to what they may see (a
branch manager, their subtree) and recorded in the audit trail. The API and the web UI call
these; the CLI, run by the operator, calls the engines directly."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bankcrm.analytics.analyze import analyze
from bankcrm.analytics.base import Tables, scope_of
from bankcrm.diagnosis.catalogue import diagnose
from bankcrm.diagnosis.inputs import gather
from bankcrm.domain.actor import Actor
from bankcrm.domain.diagnosis_thresholds import DiagnosisSettings
from bankcrm.reports.build import ReportFiles, write_report
from bankcrm.security import audit
from bankcrm.security.scope import analytics_branch

Json = dict[str, Any]


def analysis(
    session: Session,
    actor: Actor,
    tables: Tables,
    as_of: date | None = None,
    years: tuple[int, int] | None = None,
    branch_id: str | None = None,
) -> Json:
    """``analyze`` over the actor's branch subtree (or the branch they chose within it)."""
    branch = analytics_branch(session, actor, branch_id)
    result = analyze(tables, as_of, years, scope_of(tables, branch))
    audit.record_now(session, actor, "analytics.read", entity="branch", entity_id=branch)
    return result


def diagnosis(
    session: Session,
    actor: Actor,
    tables: Tables,
    thresholds: DiagnosisSettings,
    as_of: date | None = None,
    branch_id: str | None = None,
) -> Json:
    """The diagnosis findings over the actor's scope, as ``bankcrm diagnose --format json``."""
    branch = analytics_branch(session, actor, branch_id)
    data = gather(tables, as_of, scope_of(tables, branch))
    findings = diagnose(data, thresholds)
    audit.record_now(session, actor, "diagnosis.read", entity="branch", entity_id=branch)
    return {
        "as_of": data["as_of"],
        "branch": data.get("branch"),
        "findings": [f.to_json() for f in findings],
    }


def report(
    session: Session,
    actor: Actor,
    tables: Tables,
    thresholds: DiagnosisSettings,
    out: Path,
    lang: str = "zh",
    as_of: date | None = None,
    branch_id: str | None = None,
) -> ReportFiles:
    """The report files over the actor's scope, written to ``out``; audited as an export."""
    branch = analytics_branch(session, actor, branch_id)
    data = gather(tables, as_of, scope_of(tables, branch))
    files = write_report(data, out, lang, pdf=False, thresholds=thresholds)
    audit.record_now(
        session, actor, "report.export", entity="branch", entity_id=branch, detail={"lang": lang}
    )
    return files
