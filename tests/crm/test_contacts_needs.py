"""Contacts (联系记录) and the needs register (客户需求): logging, timelines, optimistic
locking, catalogue checks, and the aggregate by tier, age band and segment against pandas."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError

from bankcrm.crm import contacts, needs
from bankcrm.crm.contacts import ContactChannel, ContactInput, ContactOutcome
from bankcrm.crm.errors import BadRequest, Conflict, NotFound
from bankcrm.crm.needs import NeedStatus
from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.crm_settings import CrmSettings, NeedKind
from bankcrm.store.models import CustomerScore
from tests.crm.branch import CrmStore

SETTINGS = CrmSettings()


def _rm_and_customers(crm: CrmStore) -> tuple[Actor, list[str]]:
    rows = pd.read_csv(crm.extract / "assignments.csv", dtype=str).query("end_on != end_on")
    rm = rows["employee_id"].value_counts().index[0]
    book = sorted(rows.loc[rows["employee_id"] == rm, "customer_id"])
    return Actor(username=f"u_{rm}", role=Role.RELATIONSHIP_MANAGER, employee_id=rm), book


def _contact(day: int, outcome: ContactOutcome = ContactOutcome.REACHED) -> ContactInput:
    return ContactInput(
        channel=ContactChannel.CALL,
        outcome=outcome,
        occurred_at=datetime(2021, 1, day, 10, 0),
        notes=f"第{day}天回访",
        next_step="约面谈",
        next_step_on=date(2021, 1, day + 3),
    )


def test_timelines_are_latest_first_and_counted(crm: CrmStore) -> None:
    rm, book = _rm_and_customers(crm)
    with crm.sessions() as session:
        for day in (3, 1, 2):
            contacts.log_contact(session, rm, book[0], _contact(day))
        contacts.log_contact(session, rm, book[1], _contact(4))
        page, total = contacts.customer_timeline(session, rm, book[0], 0, 2)
        assert total == 3
        assert [c.occurred_at.day for c in page] == [3, 2]
        rest, _ = contacts.customer_timeline(session, rm, book[0], 2, 2)
        assert [c.occurred_at.day for c in rest] == [1]
        mine, mine_total = contacts.employee_timeline(session, rm, rm.employee_id or "", 0, 10)
    assert mine_total == 4
    assert next(c.customer_id for c in mine) == book[1]
    assert all(c.employee_id == rm.employee_id and c.created_by == rm.username for c in mine)


def test_a_stale_version_gets_409_and_nothing_is_overwritten(crm: CrmStore) -> None:
    rm, book = _rm_and_customers(crm)
    with crm.sessions() as session:
        logged = contacts.log_contact(session, rm, book[0], _contact(1))
        first = contacts.update_contact(
            session, rm, logged.id, 1, _contact(1, ContactOutcome.INTERESTED)
        )
        assert first.version == 2
        with pytest.raises(Conflict) as caught:
            contacts.update_contact(session, rm, logged.id, 1, _contact(1, ContactOutcome.DECLINED))
        assert caught.value.field == "version"
    with crm.sessions() as fresh:
        assert contacts.get_contact(fresh, rm, logged.id).outcome == "interested"


def test_bad_contacts_name_the_field(crm: CrmStore) -> None:
    rm, book = _rm_and_customers(crm)
    future = ContactInput(
        ContactChannel.VISIT, ContactOutcome.REACHED, datetime.now() + timedelta(days=3)
    )
    backwards = ContactInput(
        ContactChannel.VISIT,
        ContactOutcome.REACHED,
        datetime(2021, 1, 5),
        next_step_on=date(2021, 1, 1),
    )
    with crm.sessions() as session:
        for data, field in ((future, "occurred_at"), (backwards, "next_step_on")):
            with pytest.raises(BadRequest) as caught:
                contacts.log_contact(session, rm, book[0], data)
            assert caught.value.field == field
        with pytest.raises(NotFound):
            contacts.get_contact(session, rm, 424242)
        with pytest.raises(NotFound) as missing:
            contacts.log_contact(session, rm, "C-NOPE", _contact(1))
        assert missing.value.field == "customer_id"


def test_needs_come_from_the_catalogue_one_open_at_a_time(crm: CrmStore) -> None:
    rm, book = _rm_and_customers(crm)
    with crm.sessions() as session:
        need = needs.record_need(session, rm, SETTINGS, book[0], "retirement", "想了解养老理财")
        with pytest.raises(BadRequest) as caught:
            needs.record_need(session, rm, SETTINGS, book[0], "retirement")
        assert caught.value.field == "need_code"
        with pytest.raises(BadRequest) as unknown:
            needs.record_need(session, rm, SETTINGS, book[0], "space_travel")
        assert unknown.value.field == "need_code"
        assert "retirement" in unknown.value.reason
        met = needs.update_need(session, rm, need.id, 1, NeedStatus.MET, "已购买养老产品")
        assert (met.status, met.version) == ("met", 2)
        with pytest.raises(Conflict):
            needs.update_need(session, rm, need.id, 1, NeedStatus.DROPPED, None)
        again = needs.record_need(session, rm, SETTINGS, book[0], "retirement")  # met: may reopen
        assert [n.id for n in needs.customer_needs(session, rm, book[0])] == [again.id, need.id]


def test_the_catalogue_is_configurable_and_checked() -> None:
    custom = CrmSettings(needs=(NeedKind(code="pets", label_zh="宠物", label_en="Pets"),))
    assert custom.need("pets") is not None
    assert custom.need("retirement") is None
    with pytest.raises(ValidationError, match="repeated: pets"):
        CrmSettings(needs=(custom.needs[0], custom.needs[0]))
    with pytest.raises(ValidationError):
        NeedKind(code="Bad Code", label_zh="x", label_en="x")


def test_age_bands_match_metrics_by_hand() -> None:
    born = pd.Series(
        [date(1996, 6, 1), date(1996, 5, 31), date(1956, 6, 1), None, date(1986, 6, 2)]
    )
    # at 2021-06-01: 25 (birthday today), 25, 65, unknown, 34 (birthday tomorrow)
    assert list(needs.age_bands(born, date(2021, 6, 1))) == [
        "25-34",
        "25-34",
        "65+",
        "unknown",
        "25-34",
    ]
    assert list(needs.age_bands(pd.Series([date(1996, 6, 2)]), date(2021, 6, 1))) == ["<25"]


def test_aggregate_by_tier_age_band_and_segment(crm: CrmStore) -> None:
    rm, book = _rm_and_customers(crm)
    picked = book[:6]
    codes = ["retirement", "retirement", "asset_growth", "retirement", "protection", "asset_growth"]
    with crm.sessions() as session:
        for cid, code in zip(picked, codes, strict=True):
            needs.record_need(session, rm, SETTINGS, cid, code)
        dropped = needs.record_need(session, rm, SETTINGS, book[6], "retirement")
        needs.update_need(session, rm, dropped.id, 1, NeedStatus.DROPPED, None)
        session.add_all(
            CustomerScore(
                customer_id=c, as_of=date(2020, 12, 31), model="segments", label=f"S{i % 2}"
            )
            for i, c in enumerate(picked)
        )
        session.commit()
        by_segment = needs.aggregate(session, rm, "segment")
        by_tier = needs.aggregate(session, rm, "tier")
        with pytest.raises(BadRequest) as caught:
            needs.aggregate(session, rm, "colour")
        assert caught.value.field == "by"
    frame = pd.DataFrame({"customer_id": picked, "need_code": codes})
    frame["segment"] = [f"S{i % 2}" for i in range(6)]
    expected = frame.groupby(["need_code", "segment"]).size().to_dict()
    assert {(c.need_code, c.group): c.customers for c in by_segment} == expected
    assert all(c.open == c.customers for c in by_segment)
    assert sum(c.customers for c in by_tier) == 6  # the dropped need is left out
