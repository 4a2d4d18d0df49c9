"""Marketing consent and do-not-contact in segment exports and campaigns, on the hand-made
outlets of tests/crm/test_tasks_branch.py (SQLite and PostgreSQL), where the table says who
must be left out: C02 gave no consent, C07 is on the do-not-contact list. The gold-and-up
segment at 2024-06-30 is C01, C02, C04, C05, C07, C08; outlet O1 holds all of them but C05."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, select

from bankcrm.crm.campaigns import CampaignSpec, create_campaign, mark_do_not_contact
from bankcrm.crm.segments import members
from bankcrm.crm.segments_export import export_members
from bankcrm.crm.segments_rules import parse_rule
from bankcrm.domain.actor import SYSTEM, Actor, Role
from bankcrm.domain.errors import Forbidden
from bankcrm.store.models import CampaignMember
from tests.crm.test_tasks_branch import AS_OF, Branch, load_branch
from tests.security.privacy_support import audit_rows, detail

GOLD_UP = parse_rule(
    {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond", "private"]}
)
NAMES = {"C01": "甲", "C02": "乙", "C04": "丁", "C05": "戊", "C07": "庚", "C08": "辛"}
MANAGER = Actor("m1", Role.BRANCH_MANAGER, employee_id="M1", branch_id="O1")
ANALYST = Actor("a1", Role.ANALYST)


@pytest.fixture
def branch(store: Engine, tmp_path: Path) -> Branch:
    return load_branch(store, tmp_path)


def _export(
    b: Branch, actor: Actor, path: Path, **options: Any
) -> dict[str, list[tuple[Any, ...]]]:
    """Export the gold-and-up segment as ``actor`` and read the workbook back: sheet → rows."""
    with b.session() as s:
        _, rows = members(s, actor, b.tables, GOLD_UP, AS_OF)
        export_members(s, actor, rows, path, "金卡及以上", segment_id=7, **options)
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_a_marketing_export_leaves_out_no_consent_and_do_not_contact(
    branch: Branch, tmp_path: Path
) -> None:
    sheets = _export(branch, MANAGER, tmp_path / "m.xlsx")
    members_sheet, notes = sheets["客群"], sheets["说明"]
    assert members_sheet[0][0] == "金卡及以上（已排除 2 位客户，见“说明”页）"
    # The manager's subtree (O1) without C02 (no consent) and C07 (do not contact).
    assert [(r[0], r[1]) for r in members_sheet[2:]] == [
        ("C01", "甲"),
        ("C04", "丁"),
        ("C08", "辛"),
    ]
    assert notes[1:] == [
        ("营销用途：已排除的客户", None),
        ("未授权营销", 1),
        ("勿扰客户", 1),
    ]
    with branch.session() as s:
        [record] = audit_rows(s, "segment.export")
    assert (record.actor, record.entity, record.entity_id) == ("m1", "segment", "7")
    assert detail(record) == {
        "rows": 3,
        "left_out": {"no_consent": 1, "do_not_contact": 1},
        "marketing": True,
        "masked": [],
    }


def test_an_analysts_export_is_masked(branch: Branch, tmp_path: Path) -> None:
    """Every name of the table is one character: masked whole ('*'), since the surname
    would be all of it."""
    sheets = _export(branch, ANALYST, tmp_path / "a.xlsx")
    rows = sheets["客群"][2:]
    assert [r[0] for r in rows] == ["C01", "C04", "C05", "C08"]
    assert {r[1] for r in rows} == {"*"}
    assert not set(NAMES.values()) & {cell for row in rows for cell in row}
    assert ("客户名称已脱敏", None) in sheets["说明"]


def test_a_service_export_keeps_everyone_and_says_nothing_was_left_out(
    branch: Branch, tmp_path: Path
) -> None:
    sheets = _export(branch, SYSTEM, tmp_path / "s.xlsx", marketing=False)
    assert sheets["客群"][0][0] == "金卡及以上"
    assert {(r[0], r[1]) for r in sheets["客群"][2:]} == set(NAMES.items())
    assert "说明" not in sheets  # nothing left out, nothing masked


def test_an_rm_may_not_export(branch: Branch, tmp_path: Path) -> None:
    rm = Actor("r1", Role.RELATIONSHIP_MANAGER, employee_id="R1", branch_id="O1")
    with branch.session() as s:
        _, rows = members(s, rm, branch.tables, GOLD_UP, AS_OF)
        with pytest.raises(Forbidden):
            export_members(s, rm, rows, tmp_path / "r.xlsx", "x")
    assert not (tmp_path / "r.xlsx").exists()


def test_campaigns_and_exports_agree_after_a_customer_opts_out(
    branch: Branch, tmp_path: Path
) -> None:
    """C04 asks not to be contacted: the next campaign and the next export both leave out
    C02 (no consent), C04 and C07 (do not contact), and keep C01, C05 and C08."""
    start = date(2024, 7, 1)
    with branch.session() as s:
        mark_do_not_contact(s, SYSTEM, "C04", start, "客户来电要求勿扰")
        spec = CampaignSpec.model_validate(
            {
                "name": "理财新客",
                "rule": {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond"]},
                "as_of": AS_OF,
                "start_on": start,
                "product_type": "wealth_management",
                "control_share": 0.0,
                "seed": 11,
            }
        )
        created = create_campaign(s, SYSTEM, branch.tables, spec)
        groups = {
            m.customer_id: (m.group, m.exclusion)
            for m in s.scalars(
                select(CampaignMember).where(CampaignMember.campaign_id == created.campaign.id)
            )
        }
    assert groups == {
        "C01": ("target", None),
        "C02": ("excluded", "no_consent"),
        "C04": ("excluded", "do_not_contact"),
        "C05": ("target", None),
        "C07": ("excluded", "do_not_contact"),
        "C08": ("target", None),
    }
    sheets = _export(branch, SYSTEM, tmp_path / "after.xlsx")
    assert [r[0] for r in sheets["客群"][2:]] == ["C01", "C05", "C08"]
    assert sheets["说明"][2:] == [("未授权营销", 1), ("勿扰客户", 2)]
