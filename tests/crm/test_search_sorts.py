"""Search sorted by churn risk and by last contact (the RM workbench's orders): the expected
order is computed independently in Python from the rows written here."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from bankcrm.crm.search import SearchQuery, SearchSort, search
from bankcrm.domain.actor import SYSTEM
from bankcrm.store.models import Contact, Customer, CustomerScore
from tests.crm.branch import CrmStore


def _ids(crm: CrmStore, query: SearchQuery) -> list[str]:
    with crm.sessions() as session:
        hits, _ = search(session, SYSTEM, query, 0, 1000)
    return [h.customer_id for h in hits]


def test_churn_risk_highest_first_unscored_last_and_only_the_latest_snapshot(
    crm: CrmStore,
) -> None:
    with crm.sessions() as session:
        ids = list(session.scalars(select(Customer.customer_id).order_by(Customer.customer_id)))
        scored = ids[: len(ids) // 2]
        latest = {c: round((i * 37 % 100) / 100, 2) for i, c in enumerate(scored)}
        for c in scored:
            session.add(CustomerScore(customer_id=c, as_of=date(2020, 12, 31), model="churn",
                                      score=latest[c]))  # fmt: skip
            # an older snapshot ranks the other way: it must not count
            session.add(CustomerScore(customer_id=c, as_of=date(2020, 11, 30), model="churn",
                                      score=1 - latest[c]))  # fmt: skip
        session.commit()
    expected = sorted(scored, key=lambda c: (-latest[c], c)) + sorted(set(ids) - set(scored))
    assert _ids(crm, SearchQuery(sort=SearchSort.CHURN_DESC)) == expected
    with crm.sessions() as session:
        hits, _ = search(session, SYSTEM, SearchQuery(sort=SearchSort.CHURN_DESC), 0, 3)
    assert [h.churn_score for h in hits] == [latest[c] for c in expected[:3]]


def test_last_contact_longest_ago_first_never_contacted_before_all(crm: CrmStore) -> None:
    with crm.sessions() as session:
        ids = list(session.scalars(select(Customer.customer_id).order_by(Customer.customer_id)))
        contacted = ids[::4]
        when = {c: datetime(2020, 1 + i % 12, 1 + i % 28, 10) for i, c in enumerate(contacted)}
        for c in contacted:
            for at in (when[c], datetime(2019, 1, 1, 9)):  # the latest one counts
                session.add(Contact(customer_id=c, channel="call", occurred_at=at,
                                    outcome="reached", created_by="test",
                                    created_at=at, version=1))  # fmt: skip
        session.commit()
    never = sorted(set(ids) - set(contacted))
    expected = never + sorted(contacted, key=lambda c: (when[c], c))
    assert _ids(crm, SearchQuery(sort=SearchSort.LAST_CONTACT)) == expected
    with crm.sessions() as session:
        hits, _ = search(session, SYSTEM, SearchQuery(sort=SearchSort.LAST_CONTACT),
                         len(never), 2)  # fmt: skip
    assert [h.last_contact_at for h in hits] == [when[c] for c in expected[len(never) :]][:2]
