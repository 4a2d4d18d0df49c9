"""Customer search: by name (Chinese, partial), customer_id, id_number or phone, with filters,
sorting and pagination, on an index on both databases.

How the text ``q`` is read:

- with a digit in it, it is an identifier: exact customer_id, id_number (upper-cased, for the
  final X of a resident ID) or phone — three indexed equality lookups;
- otherwise it is (part of) a name. Three or more characters match anywhere in the name
  (PostgreSQL: ``LIKE '%q%'`` on the pg_trgm GIN index; SQLite: the FTS5 trigram index).
  One or two characters — usually a surname — match the start of the name only
  (PostgreSQL: ``LIKE 'q%'`` on the same GIN index; SQLite: ``GLOB 'q*'`` on the B-tree), since
  a trigram index cannot find a substring shorter than three characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    UnaryExpression,
    and_,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from bankcrm.crm.errors import BadRequest
from bankcrm.crm.scope import visible_customers
from bankcrm.crm.search_index import FTS_TABLE, fts_phrase
from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.enums import Tier
from bankcrm.security import audit
from bankcrm.security.masking import Context, PersonalField, Shown, mask_query
from bankcrm.security.policy import Permission, authorize
from bankcrm.store.models import (
    Assignment,
    Contact,
    Customer,
    CustomerScore,
    CustomerSummary,
    Employee,
)

MIN_SUBSTRING = 3  # the shortest text a trigram index finds anywhere in a name
MAX_QUERY = 100
_LIKE_SPECIAL = re.compile(r"([\\%_])")
_GLOB_SPECIAL = re.compile(r"([*?\[\]])")


class Flag(StrEnum):
    DORMANT = "dormant"
    MATURITY_SOON = "maturity_soon"
    LARGE_OUTFLOW = "large_outflow"


class SearchSort(StrEnum):
    NAME = "name"
    CUSTOMER_ID = "customer_id"
    AUM_DESC = "-aum"
    AUM = "aum"
    OPENED_ON = "opened_on"
    CHURN_DESC = "-churn"  # the latest churn score, highest first; never scored last
    LAST_CONTACT = "last_contact"  # the longest without a contact first; never contacted first


@dataclass(frozen=True)
class SearchQuery:
    """What a user asked for; every field optional."""

    q: str | None = None
    tier: Tier | None = None
    branch_id: str | None = None
    employee_id: str | None = None  # the current RM
    segment: str | None = None  # the label of the latest ``segments`` score
    flags: tuple[Flag, ...] = ()
    sort: SearchSort = SearchSort.NAME


@dataclass(frozen=True)
class CustomerHit:
    """One customer in a result list; ``name`` masked unless the actor's role sees it."""

    customer_id: str
    name: str
    customer_type: str
    branch_id: str
    opened_on: date
    tier: str | None
    aum_fen: int | None
    rm_employee_id: str | None
    rm_name: str | None
    dormant: bool | None
    maturity_soon: bool | None
    large_outflow: bool | None
    name_masked: bool = False
    churn_score: float | None = None  # the latest churn score (``bankcrm score``)
    last_contact_at: datetime | None = None  # the latest contact logged in the CRM


def search(
    session: Session, actor: Actor, query: SearchQuery, offset: int = 0, limit: int = 20
) -> tuple[list[CustomerHit], int]:
    """One page of the customers matching ``query`` that ``actor`` may see, and their total;
    the search is recorded in the audit trail (its text masked: it may be an ID number)."""
    authorize(actor, Permission.CUSTOMER_SEARCH)
    base = _filtered(session, actor, query)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(
        base.add_columns(
            CustomerSummary.tier,
            CustomerSummary.aum_fen,
            CustomerSummary.dormant,
            CustomerSummary.maturity_soon,
            CustomerSummary.large_outflow,
        )
        .order_by(*_order(query.sort, _needs_summary(query)))
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [row[0].customer_id for row in rows]
    rms = current_rms(session, ids)
    churn, contacted = churn_scores(session, ids), last_contacts(session, ids)
    shown = Shown.to(actor, Context.LIST)
    hits = [
        CustomerHit(
            customer_id=c.customer_id,
            name=shown.name(c.name) or "",
            customer_type=c.customer_type,
            branch_id=c.branch_id,
            opened_on=c.opened_on,
            tier=tier,
            aum_fen=aum,
            rm_employee_id=rms.get(c.customer_id, (None, None))[0],
            rm_name=rms.get(c.customer_id, (None, None))[1],
            dormant=dormant,
            maturity_soon=maturing,
            large_outflow=outflow,
            name_masked=PersonalField.NAME not in shown.clear,
            churn_score=churn.get(c.customer_id),
            last_contact_at=contacted.get(c.customer_id),
        )
        for c, tier, aum, dormant, maturing, outflow in rows
    ]
    criteria = {k: v for k, v in query.__dict__.items() if v not in (None, ())}
    if query.q:
        criteria["q"] = mask_query(query.q)
    audit.record_now(session, actor, "customer.search", detail={**criteria, "total": total})
    return hits, total


def _filtered(session: Session, actor: Actor, query: SearchQuery) -> Select[Customer]:
    # A filter on the summary drops customers without one anyway: an inner join lets the
    # planner start from the summary's (tier, aum_fen DESC) index.
    visible, on = visible_customers(actor), CustomerSummary.customer_id == Customer.customer_id
    if _needs_summary(query):
        stmt = visible.join(CustomerSummary, on)
    else:
        stmt = visible.outerjoin(CustomerSummary, on)
    conditions: list[ColumnElement[bool]] = []
    if query.q is not None:
        conditions.append(_text_condition(session, query.q, _by_personal_data(actor)))
    if query.tier is not None:
        conditions.append(CustomerSummary.tier == query.tier.value)
    if query.branch_id is not None:
        conditions.append(Customer.branch_id == query.branch_id)
    if query.employee_id is not None:
        conditions.append(
            exists().where(
                Assignment.customer_id == Customer.customer_id,
                Assignment.employee_id == query.employee_id,
                Assignment.end_on.is_(None),
            )
        )
    if query.segment is not None:
        conditions.append(_segment_condition(query.segment))
    conditions.extend(getattr(CustomerSummary, flag.value).is_(True) for flag in query.flags)
    return stmt.where(and_(*conditions)) if conditions else stmt


def _by_personal_data(actor: Actor) -> bool:
    """Whether ``q`` may match names, ID numbers and phones. An analyst sees every customer,
    masked: a lookup by a known name, ID number or phone would tell them who a masked row is
    (and that a person banks here), so their ``q`` matches the customer_id only. Who serves
    customers searches by any of them, within their own scope."""
    return actor.unrestricted or actor.role is not Role.ANALYST


def _text_condition(session: Session, raw: str, personal: bool = True) -> ColumnElement[bool]:
    q = raw.strip()
    if not q:
        raise BadRequest("q", "the search text is empty")
    if len(q) > MAX_QUERY:
        raise BadRequest("q", f"the search text is longer than {MAX_QUERY} characters")
    if not personal:
        return Customer.customer_id == q
    if any(ch.isdigit() for ch in q):
        return or_(Customer.customer_id == q, Customer.id_number == q.upper(), Customer.phone == q)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if len(q) >= MIN_SUBSTRING:
        if sqlite:
            matches = text(
                f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :fts"
            ).bindparams(fts=fts_phrase(q))
            return literal_column("customers.rowid").in_(matches)
        return Customer.name.like(f"%{_like_escaped(q)}%", escape="\\")
    if sqlite:
        return Customer.name.op("GLOB")(_GLOB_SPECIAL.sub(r"[\1]", q) + "*")
    return Customer.name.like(f"{_like_escaped(q)}%", escape="\\")


def _like_escaped(text: str) -> str:
    """The text with LIKE's wildcards and escape character taken literally."""
    return _LIKE_SPECIAL.sub(r"\\\1", text)


def _segment_condition(segment: str) -> ColumnElement[bool]:
    latest = (
        select(func.max(CustomerScore.as_of))
        .where(CustomerScore.model == "segments")
        .scalar_subquery()
    )
    return exists().where(
        CustomerScore.customer_id == Customer.customer_id,
        CustomerScore.model == "segments",
        CustomerScore.as_of == latest,
        CustomerScore.label == segment,
    )


def current_rms(session: Session, customer_ids: list[str]) -> dict[str, tuple[str, str]]:
    """customer_id → (employee_id, name) of the current RM, for a page of customers: the open
    assignment with the latest start (one indexed lookup for the whole page)."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(Assignment.customer_id, Employee.employee_id, Employee.name)
        .join(Employee, Employee.employee_id == Assignment.employee_id)
        .where(Assignment.customer_id.in_(customer_ids), Assignment.end_on.is_(None))
        .order_by(Assignment.customer_id, Assignment.start_on)
    ).all()
    return {customer: (employee, name) for customer, employee, name in rows}  # latest wins


def _latest_churn() -> ColumnElement[Any]:
    """The date of the latest churn scoring (one snapshot scores every customer)."""
    return (
        select(func.max(CustomerScore.as_of))
        .where(CustomerScore.model == "churn")
        .scalar_subquery()
    )


def _churn_of_customer() -> ColumnElement[Any]:
    return (
        select(CustomerScore.score)
        .where(
            CustomerScore.customer_id == Customer.customer_id,
            CustomerScore.model == "churn",
            CustomerScore.as_of == _latest_churn(),
        )
        .scalar_subquery()
    )


def _last_contact_of_customer() -> ColumnElement[Any]:
    # one index probe per customer (ix_contacts_customer_occurred): fine for an RM's book or a
    # filtered list; sorting a whole bank by it reads every customer's latest contact
    return (
        select(func.max(Contact.occurred_at))
        .where(Contact.customer_id == Customer.customer_id)
        .scalar_subquery()
    )


def churn_scores(session: Session, customer_ids: list[str]) -> dict[str, float]:
    """customer_id → latest churn score, for a page of customers (one indexed query)."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(CustomerScore.customer_id, CustomerScore.score).where(
            CustomerScore.customer_id.in_(customer_ids),
            CustomerScore.model == "churn",
            CustomerScore.as_of == _latest_churn(),
        )
    ).all()
    return {customer: score for customer, score in rows if score is not None}


def last_contacts(session: Session, customer_ids: list[str]) -> dict[str, datetime]:
    """customer_id → when the latest contact happened, for a page of customers."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(Contact.customer_id, func.max(Contact.occurred_at))
        .where(Contact.customer_id.in_(customer_ids))
        .group_by(Contact.customer_id)
    ).all()
    return {customer: at for customer, at in rows}  # noqa: C416  (typed rows)


def _needs_summary(query: SearchQuery) -> bool:
    return query.tier is not None or bool(query.flags)


def _order(sort: SearchSort, inner: bool) -> list[UnaryExpression[Any]]:
    tie = Customer.customer_id.asc()  # a stable order makes pages not overlap
    if inner and sort is SearchSort.AUM_DESC:  # every row has a summary: the index order
        return [CustomerSummary.aum_fen.desc(), CustomerSummary.customer_id.asc()]
    if sort is SearchSort.CUSTOMER_ID:
        return [tie]
    first: dict[SearchSort, UnaryExpression[Any]] = {
        SearchSort.NAME: Customer.name.asc(),
        SearchSort.AUM_DESC: CustomerSummary.aum_fen.desc().nulls_last(),
        SearchSort.AUM: CustomerSummary.aum_fen.asc().nulls_first(),
        SearchSort.OPENED_ON: Customer.opened_on.asc(),
        SearchSort.CHURN_DESC: _churn_of_customer().desc().nulls_last(),
        SearchSort.LAST_CONTACT: _last_contact_of_customer().asc().nulls_first(),
    }
    return [first[sort], tie]
