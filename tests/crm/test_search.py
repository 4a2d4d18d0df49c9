"""Customer search on SQLite (FTS5 trigram + B-tree prefix) and PostgreSQL (pg_trgm): every
expected hit list is computed independently, with pandas over the extract's CSV files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlalchemy import select, update

from bankcrm.crm.errors import BadRequest
from bankcrm.crm.search import Flag, SearchQuery, SearchSort, search
from bankcrm.domain.actor import SYSTEM
from bankcrm.domain.enums import Tier
from bankcrm.store.models import Customer, CustomerScore, CustomerSummary
from tests.crm.branch import CrmStore


def _customers(extract: Path) -> pd.DataFrame:
    return pd.read_csv(extract / "customers.csv", dtype=str)


def _all(crm: CrmStore, query: SearchQuery) -> tuple[list[str], int]:
    with crm.sessions() as session:
        hits, total = search(session, SYSTEM, query, 0, 1000)
    return [h.customer_id for h in hits], total


def test_a_three_character_piece_of_a_name_finds_it_anywhere(crm: CrmStore) -> None:
    frame = _customers(crm.extract)
    long_names = frame[frame["name"].str.len() >= 4]
    piece = long_names["name"].iloc[0][1:4]  # the middle: not a prefix
    expected = sorted(frame.loc[frame["name"].str.contains(piece, regex=False), "customer_id"])
    found, total = _all(crm, SearchQuery(q=piece, sort=SearchSort.CUSTOMER_ID))
    assert found == expected
    assert total == len(expected) >= 1


def test_a_surname_matches_the_start_of_names_only(crm: CrmStore) -> None:
    frame = _customers(crm.extract)
    surname = frame["name"].str[0].value_counts().index[0]  # the commonest first character
    expected = sorted(frame.loc[frame["name"].str.startswith(surname), "customer_id"])
    found, total = _all(crm, SearchQuery(q=surname, sort=SearchSort.CUSTOMER_ID))
    assert found == expected
    assert total == len(expected) > 1


def test_identifiers_match_exactly(crm: CrmStore) -> None:
    row = _customers(crm.extract).dropna(subset=["phone"]).iloc[5]
    for q in (row["customer_id"], row["id_number"], row["id_number"].lower(), row["phone"]):
        found, _ = _all(crm, SearchQuery(q=q))
        assert row["customer_id"] in found, q
    assert _all(crm, SearchQuery(q=row["customer_id"][:-1]))[0] == []  # no partial ids


def test_search_text_is_never_syntax(crm: CrmStore) -> None:
    for q in ('"王', "%%%", "a_b", "张*", "[王]", "OR 1=1"):
        assert _all(crm, SearchQuery(q=q)) == ([], 0), q


def test_empty_or_overlong_text_is_refused_naming_q(crm: CrmStore) -> None:
    with crm.sessions() as session:
        for q in ("  ", "王" * 101):
            with pytest.raises(BadRequest) as caught:
                search(session, SYSTEM, SearchQuery(q=q))
            assert caught.value.field == "q"


def test_filters_and_total_against_the_warehouse(crm: CrmStore) -> None:
    months = crm.warehouse.paths("customer_month")
    latest = duckdb.sql(f"SELECT customer_id, tier, aum FROM read_parquet({months[-1:]!r})").df()
    gold = sorted(latest.loc[latest["tier"] == "gold", "customer_id"])
    found, total = _all(crm, SearchQuery(tier=Tier.GOLD, sort=SearchSort.CUSTOMER_ID))
    assert found == gold
    assert total == len(gold) > 0
    by_aum, _ = _all(crm, SearchQuery(tier=Tier.GOLD, sort=SearchSort.AUM_DESC))
    expected = latest[latest["tier"] == "gold"].sort_values(
        ["aum", "customer_id"], ascending=[False, True]
    )
    assert by_aum == list(expected["customer_id"])


def test_pages_partition_the_result(crm: CrmStore) -> None:
    with crm.sessions() as session:
        first, total = search(session, SYSTEM, SearchQuery(), 0, 50)
        second, total2 = search(session, SYSTEM, SearchQuery(), 50, 50)
    ids = [h.customer_id for h in first + second]
    assert total == total2 == len(_customers(crm.extract))
    assert len(set(ids)) == 100
    assert ids == sorted(
        ids, key=lambda c: (next(h.name for h in first + second if h.customer_id == c), c)
    )


def test_rm_branch_segment_and_flag_filters(crm: CrmStore) -> None:
    assignments = pd.read_csv(crm.extract / "assignments.csv", dtype=str)
    current = assignments[assignments["end_on"].isna()]
    rm = current["employee_id"].value_counts().index[0]
    expected = sorted(current.loc[current["employee_id"] == rm, "customer_id"].unique())
    assert _all(crm, SearchQuery(employee_id=rm, sort=SearchSort.CUSTOMER_ID))[0] == expected

    frame = _customers(crm.extract)
    branch = frame["branch_id"].value_counts().index[-1]
    expected = sorted(frame.loc[frame["branch_id"] == branch, "customer_id"])
    assert _all(crm, SearchQuery(branch_id=branch, sort=SearchSort.CUSTOMER_ID))[0] == expected

    with crm.sessions() as session:
        ids = list(session.scalars(select(Customer.customer_id).order_by(Customer.customer_id)))
        session.add_all(
            CustomerScore(
                customer_id=c,
                as_of=pd.Timestamp("2020-12-31").date(),
                model="segments",
                label="稳健储蓄" if i % 3 == 0 else "活跃交易",
            )
            for i, c in enumerate(ids)
        )
        session.commit()
    assert _all(crm, SearchQuery(segment="稳健储蓄", sort=SearchSort.CUSTOMER_ID))[0] == ids[::3]

    dormant, _ = _all(crm, SearchQuery(flags=(Flag.DORMANT,)))
    assert dormant, "the synthetic branch plants dormant customers"
    with crm.sessions() as session:
        session.execute(update(CustomerSummary).values(dormant=False))
        session.commit()
    assert _all(crm, SearchQuery(flags=(Flag.DORMANT,))) == ([], 0)


def test_the_sqlite_index_follows_new_and_renamed_customers(crm: CrmStore) -> None:
    with crm.sessions() as session:
        customer = session.scalars(select(Customer).order_by(Customer.customer_id)).first()
        assert customer is not None
        customer.name = "欧阳测试娜"  # not a name the generator makes
        session.commit()
        cid = customer.customer_id
    assert _all(crm, SearchQuery(q="阳测试"))[0] == [cid]
    assert cid in _all(crm, SearchQuery(q="欧阳"))[0]
    assert cid not in _all(crm, SearchQuery(q="娜"))[0]  # short text: the start of names only
