"""Segments over the hand-made outlets (tests/crm/test_tasks_branch.py) at 2024-06-30: each
expected count and AUM is read off the table there. On SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, inspect

from bankcrm.crm.errors import Conflict
from bankcrm.crm.segments import (
    members,
    preview,
    refresh_segment,
    save_segment,
    saved_rule,
    update_segment,
)
from bankcrm.crm.segments_export import write_members_xlsx
from bankcrm.crm.segments_rules import from_finding, parse_rule
from bankcrm.domain.actor import SYSTEM
from tests.crm.test_tasks_branch import AS_OF, Branch, load_branch


@pytest.fixture
def branch(store: Engine, tmp_path: Path) -> Branch:
    return load_branch(store, tmp_path)


GOLD_UP = {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond", "private"]}
CASES: list[tuple[dict[str, Any], set[str]]] = [
    (GOLD_UP, {"C01", "C02", "C04", "C05", "C07", "C08"}),
    (
        {"and": [GOLD_UP, {"not": {"field": "dormant", "op": "eq", "value": True}}]},
        {"C02", "C04", "C05", "C07"},
    ),
    (
        {
            "or": [
                {"field": "aum", "op": "lt", "value": 10000},
                {"field": "days_to_maturity", "op": "le", "value": 30},
            ]
        },
        {"C01", "C06"},
    ),
    ({"field": "age", "op": "between", "value": [30, 40]}, {"C03", "C04"}),  # 34 and 39 today
    ({"field": "rm_assigned", "op": "eq", "value": False}, {"C03", "C04", "C06", "C08"}),
    ({"field": "third_party_outflow", "op": "eq", "value": True}, {"C02"}),
    ({"field": "churn_score", "op": "ge", "value": 0.7}, {"C03"}),
    (
        {"not": {"field": "churn_score", "op": "ge", "value": 0.7}},  # unscored count as not
        {"C01", "C02", "C04", "C05", "C06", "C07", "C08"},
    ),
    ({"field": "product_count", "op": "eq", "value": 2}, {"C01", "C02", "C05"}),
    ({"field": "marketing_consent", "op": "eq", "value": False}, {"C02"}),
    ({"field": "branch_id", "op": "eq", "value": "O2"}, {"C05", "C06"}),
    ({"field": "age_band", "op": "in", "value": ["<25", "25-34"]}, {"C03", "C06", "C08"}),
]
AUM = {"C01": 100_000, "C02": 600_000, "C03": 10_000, "C04": 80_000, "C05": 2_500_000}
AUM |= {"C06": 5_000, "C07": 700_000, "C08": 54_000}


@pytest.mark.parametrize(("rule", "expected"), CASES)
def test_members_and_preview_match_the_table(
    branch: Branch, rule: dict[str, Any], expected: set[str]
) -> None:
    parsed = parse_rule(rule)
    with branch.session() as s:
        d, rows = members(s, SYSTEM, branch.tables, parsed, AS_OF)
        figures = preview(s, SYSTEM, branch.tables, parsed, AS_OF)
    assert d == AS_OF
    assert set(rows["customer_id"]) == expected
    assert figures.customers == len(expected)
    assert figures.aum == Decimal(sum(AUM[c] for c in expected))


def test_preview_by_tier(branch: Branch) -> None:
    with branch.session() as s:
        figures = preview(s, SYSTEM, branch.tables, parse_rule(GOLD_UP), AS_OF)
    assert figures.by_tier == {"standard": 0, "gold": 3, "platinum": 2, "diamond": 1, "private": 0}
    assert figures.aum == Decimal(4_034_000)


def test_a_hostile_value_is_only_a_value(branch: Branch) -> None:
    rule = parse_rule({"field": "customer_id", "op": "eq", "value": "x'; DROP TABLE customers; --"})
    with branch.session() as s:
        assert preview(s, SYSTEM, branch.tables, rule, AS_OF).customers == 0
    assert "customers" in inspect(branch.engine).get_table_names()
    assert branch.tables.customers.count().to_pyarrow().as_py() == 8


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"field": "salary", "op": "eq", "value": 1}, "unknown field 'salary'"),
        ({"field": "tier", "op": "gt", "value": "gold"}, "field 'tier': operator 'gt'"),
        ({"field": "tier", "op": "eq", "value": "golden"}, "'golden' is not one of"),
        ({"field": "aum", "op": "between", "value": [10, 1]}, "low <= high"),
        ({"field": "aum", "op": "ge", "value": True}, "expected a number"),
        ({"and": []}, "at least 1 item"),
        ({"and": [{"field": "dormant", "op": "eq", "value": "yes"}]}, "expected true or false"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_rule(rule)


def test_save_refresh_update_with_locking(branch: Branch) -> None:
    with branch.session() as s:
        saved = save_segment(s, SYSTEM, "金卡及以上", parse_rule(GOLD_UP))
        with pytest.raises(Conflict):
            save_segment(s, SYSTEM, "金卡及以上", parse_rule(GOLD_UP))
        refreshed = refresh_segment(s, SYSTEM, branch.tables, saved.id, AS_OF)
        assert (refreshed.customers, refreshed.aum_fen) == (6, 403_400_000)
        assert refreshed.version == 2
        with pytest.raises(Conflict):
            update_segment(s, SYSTEM, saved.id, 1, {"name": "旧版本"})
        narrowed = {"field": "tier", "op": "eq", "value": "diamond"}
        changed = update_segment(s, SYSTEM, saved.id, 2, {"rule": parse_rule(narrowed)})
        assert changed.customers is None  # the old rule's figures are gone
        assert refresh_segment(s, SYSTEM, branch.tables, saved.id, AS_OF).customers == 1
        assert saved_rule(changed) == parse_rule(narrowed)


def test_export_writes_the_members_in_wan(branch: Branch, tmp_path: Path) -> None:
    with branch.session() as s:
        _, rows = members(s, SYSTEM, branch.tables, parse_rule(GOLD_UP), AS_OF)
    path = write_members_xlsx(rows, tmp_path / "seg.xlsx", "金卡及以上")
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert values[0] == ("客户号", "客户名称", "网点", "客户层级", "AUM（万元）", "客户经理")
    by_id = {r[0]: r for r in values[1:]}
    assert set(by_id) == {"C01", "C02", "C04", "C05", "C07", "C08"}
    assert by_id["C05"][3:] == ("钻石", 250.0, "R3")
    assert by_id["C08"][4:] == (5.4, None)  # no RM: an empty cell


def test_a_finding_segment_becomes_a_rule(branch: Branch) -> None:
    rule = from_finding({"tier_in": ["gold"], "maturing_within_days": 30})
    with branch.session() as s:
        _, rows = members(s, SYSTEM, branch.tables, rule, AS_OF)
    assert list(rows["customer_id"]) == ["C01"]
    with pytest.raises(ValueError, match="channel_missing"):
        from_finding({"channel_missing": "mobile_banking"})
