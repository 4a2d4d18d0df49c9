"""Every change the CRM services make leaves an audit record in the same transaction, with the
fields before and after (free text only as "changed"), and the chain still verifies."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from sqlalchemy import select

from bankcrm.crm import assignments, contacts, needs, segments
from bankcrm.crm.contacts import ContactChannel, ContactInput, ContactOutcome
from bankcrm.crm.needs import NeedStatus
from bankcrm.crm.segments_rules import parse_rule
from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.crm_settings import CrmSettings
from bankcrm.security.audit import verify
from bankcrm.security.changes import REDACTED
from bankcrm.store.models import AuditRecord
from tests.crm.branch import CrmStore

MANAGER = Actor("bm.audit", Role.BRANCH_MANAGER, branch_id="B0001", client="10.1.2.3")


def _records(crm: CrmStore) -> list[AuditRecord]:
    with crm.sessions() as s:
        return list(s.scalars(select(AuditRecord).order_by(AuditRecord.seq)))


def test_changes_are_recorded_with_before_and_after(crm: CrmStore) -> None:
    a = pd.read_csv(crm.extract / "assignments.csv", dtype=str)
    current = a[a["end_on"].isna()]
    customer, rm = current.iloc[0]["customer_id"], current.iloc[0]["employee_id"]
    other_rm = next(e for e in current["employee_id"] if e != rm)
    with crm.sessions() as s:
        made = contacts.log_contact(
            s, MANAGER, customer,
            ContactInput(ContactChannel.CALL, ContactOutcome.INTERESTED,
                         pd.Timestamp("2021-01-04 10:00").to_pydatetime(), notes="想买理财"),
        )  # fmt: skip
        contacts.update_contact(
            s, MANAGER, made.id, 1,
            ContactInput(ContactChannel.CALL, ContactOutcome.CONVERTED,
                         pd.Timestamp("2021-01-04 10:00").to_pydatetime(), notes="已购买"),
        )  # fmt: skip
        need = needs.record_need(s, MANAGER, CrmSettings(), customer, "retirement")
        needs.update_need(s, MANAGER, need.id, 1, NeedStatus.MET, None)
        assignments.assign(s, MANAGER, customer, other_rm, date(2021, 1, 5), "客户搬家")
        rule = parse_rule({"field": "tier", "op": "in", "value": ["gold"]})
        saved = segments.save_segment(s, MANAGER, "金卡", rule)
        segments.update_segment(s, MANAGER, saved.id, 1, {"description": "金卡客户"})
        segments.delete_segment(s, MANAGER, saved.id)
    records = _records(crm)
    by_action = {r.action: r for r in records}
    assert list(by_action) == [
        "contact.create", "contact.update", "need.create", "need.update",
        "assignment.assign", "segment.create", "segment.update", "segment.delete",
    ]  # fmt: skip
    assert all((r.actor, r.role, r.client) == ("bm.audit", "branch_manager", "10.1.2.3")
               for r in records)  # fmt: skip
    update = json.loads(by_action["contact.update"].detail or "{}")
    assert update["before"]["outcome"] == "interested"
    assert update["after"]["outcome"] == "converted"
    assert update["after"]["notes"] == REDACTED  # the note's text never enters the trail
    assert "已购买" not in (by_action["contact.update"].detail or "")
    assert "想买理财" not in (by_action["contact.create"].detail or "")
    moved = json.loads(by_action["assignment.assign"].detail or "{}")
    assert (moved["before"], moved["after"]) == (rm, other_rm)
    assert by_action["assignment.assign"].customer_id == customer
    described = json.loads(by_action["segment.update"].detail or "{}")
    assert described["after"] == {"description": "金卡客户"}
    with crm.sessions() as s:
        assert verify(s).ok


def test_a_refused_change_leaves_no_record(crm: CrmStore) -> None:
    a = pd.read_csv(crm.extract / "assignments.csv", dtype=str)
    customer = a[a["end_on"].isna()].iloc[0]["customer_id"]
    with crm.sessions() as s:
        made = contacts.log_contact(
            s, MANAGER, customer,
            ContactInput(ContactChannel.CALL, ContactOutcome.REACHED,
                         pd.Timestamp("2021-01-04 10:00").to_pydatetime()),
        )  # fmt: skip
        stale = ContactInput(ContactChannel.VISIT, ContactOutcome.REACHED,
                             pd.Timestamp("2021-01-04 10:00").to_pydatetime())  # fmt: skip
        try:
            contacts.update_contact(s, MANAGER, made.id, 7, stale)  # a stale version: 409
        except Exception:  # noqa: BLE001  (the refusal itself is tested elsewhere)
            s.rollback()
    assert [r.action for r in _records(crm)] == ["contact.create"]
