"""Assignments (管户): assign, reassign, bulk handover with preview and audit, workload — the
expected books are computed with pandas from the extract's CSV files."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest
from sqlalchemy import func, select

from bankcrm.crm import assignments
from bankcrm.crm.errors import BadRequest, NotFound
from bankcrm.domain.actor import Actor, Role
from bankcrm.store.models import Assignment, AssignmentEvent, CustomerSummary, Handover
from tests.crm.branch import CrmStore

MANAGER = Actor("mgr01", Role.BRANCH_MANAGER, employee_id="E00001", branch_id="B0001")
ON = date(2021, 1, 15)


def _rms(crm: CrmStore) -> pd.DataFrame:
    employees = pd.read_csv(crm.extract / "employees.csv", dtype=str)
    return employees[(employees["role"] == "relationship_manager") & employees["left_on"].isna()]


def _books(crm: CrmStore) -> pd.Series:
    rows = pd.read_csv(crm.extract / "assignments.csv", dtype=str)
    return rows[rows["end_on"].isna()].groupby("employee_id")["customer_id"].apply(sorted)


def test_reassign_keeps_history_and_records_who(crm: CrmStore) -> None:
    books = _books(crm)
    rm_from = books.index[0]
    customer = books.iloc[0][0]
    rm_to = next(e for e in _rms(crm)["employee_id"] if e != rm_from)
    with crm.sessions() as session:
        before = assignments.history(session, MANAGER, customer)
        assignments.assign(session, MANAGER, customer, rm_to, ON, note="客户搬家")
        after = assignments.history(session, MANAGER, customer)
        event = session.scalars(
            select(AssignmentEvent).where(AssignmentEvent.customer_id == customer)
        ).one()
    assert after[:-1] == [
        *before[:-1],
        before[-1].__class__(rm_from, before[-1].employee_name, before[-1].start_on, ON),
    ]
    assert after[-1].employee_id == rm_to
    assert after[-1].start_on == ON
    assert after[-1].end_on is None
    assert (event.from_employee_id, event.to_employee_id, event.kind) == (
        rm_from,
        rm_to,
        "reassign",
    )
    assert event.actor == "mgr01"
    assert event.note == "客户搬家"


def test_same_day_reassign_repoints_the_period(crm: CrmStore) -> None:
    books = _books(crm)
    customer = books.iloc[0][0]
    others = [e for e in _rms(crm)["employee_id"] if e != books.index[0]][:2]
    with crm.sessions() as session:
        assignments.assign(session, MANAGER, customer, others[0], ON)
        assignments.assign(session, MANAGER, customer, others[1], ON)
        periods = assignments.history(session, MANAGER, customer)
        events = session.scalar(select(func.count()).where(AssignmentEvent.customer_id == customer))
    assert periods[-1].employee_id == others[1]
    assert periods[-1].start_on == ON
    assert [p.start_on for p in periods].count(ON) == 1
    assert events == 2  # both changes audited


def test_bad_assignments_name_the_field(crm: CrmStore) -> None:
    books = _books(crm)
    customer = books.iloc[0][0]
    teller = pd.read_csv(crm.extract / "employees.csv", dtype=str).query("role == 'teller'")
    with crm.sessions() as session:
        cases = [
            (("C-NOPE", books.index[1]), NotFound, "customer_id"),
            ((customer, "E99999"), NotFound, "employee_id"),
            ((customer, teller["employee_id"].iloc[0]), BadRequest, "employee_id"),
            ((customer, books.index[0]), BadRequest, "employee_id"),  # already the RM
        ]
        for (cid, rm), error, field in cases:
            with pytest.raises(error) as caught:
                assignments.assign(session, MANAGER, cid, rm, ON)
            assert caught.value.field == field, (cid, rm)
        with pytest.raises(BadRequest) as caught:
            assignments.assign(session, MANAGER, customer, books.index[1], date(1990, 1, 1))
        assert caught.value.field == "on"


def test_handover_moves_the_whole_book_with_preview_and_audit(crm: CrmStore) -> None:
    books = _books(crm)
    rm_from = books.map(len).idxmax()
    rm_to = next(e for e in _rms(crm)["employee_id"] if e != rm_from)
    expected = books[rm_from]
    with crm.sessions() as session:
        aum = session.scalar(
            select(func.coalesce(func.sum(CustomerSummary.aum_fen), 0)).where(
                CustomerSummary.customer_id.in_(expected)
            )
        )
        preview = assignments.preview_handover(session, MANAGER, rm_from, rm_to, ON)
        assert preview.customer_ids == expected
        assert preview.aum_fen == aum
        unchanged = session.scalar(select(func.count()).select_from(Assignment))
        assert unchanged == len(pd.read_csv(crm.extract / "assignments.csv"))  # preview: no write

        handover_id, done = assignments.handover(session, MANAGER, rm_from, rm_to, ON, "离职")
        record = session.get(Handover, handover_id)
        book_after = sorted(
            session.scalars(
                select(Assignment.customer_id).where(
                    Assignment.employee_id == rm_to, Assignment.end_on.is_(None)
                )
            )
        )
        left = session.scalar(
            select(func.count()).where(
                Assignment.employee_id == rm_from, Assignment.end_on.is_(None)
            )
        )
        events = session.scalar(
            select(func.count()).where(AssignmentEvent.handover_id == handover_id)
        )
    assert record is not None
    assert (record.customers, record.aum_fen, record.actor) == (len(expected), aum, "mgr01")
    assert set(expected) <= set(book_after)
    assert len(book_after) == len(expected) + len(books.get(rm_to, []))
    assert left == 0
    assert events == len(expected) == len(done.customer_ids)


def test_handover_refusals(crm: CrmStore) -> None:
    books = _books(crm)
    rm = books.index[0]
    idle = sorted(set(_rms(crm)["employee_id"]) - set(books.index))
    with crm.sessions() as session:
        with pytest.raises(BadRequest) as caught:
            assignments.handover(session, MANAGER, rm, rm, ON)
        assert caught.value.field == "to_employee_id"
        if idle:
            with pytest.raises(BadRequest) as caught:
                assignments.handover(session, MANAGER, idle[0], rm, ON)
            assert caught.value.field == "from_employee_id"


def test_workload_counts_customers_and_aum_per_tier(crm: CrmStore) -> None:
    current = pd.read_csv(crm.extract / "assignments.csv", dtype=str).query("end_on != end_on")
    last_month = crm.warehouse.paths("customer_month")[-1:]
    latest = duckdb.sql(f"SELECT customer_id, tier, aum FROM read_parquet({last_month!r})").df()
    joined = current.merge(latest, on="customer_id", how="left")
    joined["tier"] = joined["tier"].astype(object).where(joined["tier"].notna(), None)
    expected = {
        (e, t if isinstance(t, str) else None): (
            len(g),
            round(g["aum"].fillna(0).astype(float).sum() * 100),
        )
        for (e, t), g in joined.groupby(["employee_id", "tier"], dropna=False)
    }
    with crm.sessions() as session:
        rows = assignments.workload(session, MANAGER)
    got = {(r.employee_id, r.tier): (r.customers, r.aum_fen) for r in rows}
    assert got == expected
