"""Campaigns over the hand-made outlets (tests/crm/test_tasks_branch.py): exclusions with their
reasons, the seeded stratified control group, distribution as tasks (round-robin for customers
without an RM), outcomes from the next extract and by the RM, results. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select

from bankcrm.crm.campaigns import (
    CampaignSpec,
    control_draw,
    create_campaign,
)
from bankcrm.crm.campaigns_outcomes import detect_outcomes
from bankcrm.crm.campaigns_results import record_outcome, results
from bankcrm.crm.errors import Conflict
from bankcrm.domain.actor import SYSTEM
from bankcrm.store.models import CampaignMember, Task
from tests.crm.test_tasks_branch import AS_OF, Branch, load_branch


@pytest.fixture
def branch(store: Engine, tmp_path: Path) -> Branch:
    return load_branch(store, tmp_path)


GOLD_UP = {"field": "tier", "op": "in", "value": ["gold", "platinum", "diamond", "private"]}
START = date(2024, 7, 1)


def spec(**changes: Any) -> CampaignSpec:
    base: dict[str, Any] = {
        "name": "理财新客",
        "rule": GOLD_UP,
        "as_of": AS_OF,
        "start_on": START,
        "product_type": "wealth_management",
        "goal_aum_yuan": 50_000,
        "control_share": 0.0,
        "seed": 11,
    }
    return CampaignSpec.model_validate(base | changes)


def member_table(b: Branch, campaign_id: int) -> pd.DataFrame:
    with b.session() as s:
        rows = s.scalars(select(CampaignMember).where(CampaignMember.campaign_id == campaign_id))
        return pd.DataFrame(
            [
                {
                    c: getattr(m, c)
                    for c in (
                        "customer_id",
                        "group",
                        "exclusion",
                        "employee_id",
                        "converted",
                        "converted_amount_fen",
                        "tier",
                    )
                }
                for m in rows
            ]
        ).set_index("customer_id")


def test_exclusions_and_distribution(branch: Branch) -> None:
    with branch.session() as s:
        made = create_campaign(s, SYSTEM, branch.tables, spec())
    members = member_table(branch, made.campaign.id)
    # C02 gave no consent; C07 is on the do-not-contact list.
    assert members["exclusion"].dropna().to_dict() == {"C02": "no_consent", "C07": "do_not_contact"}
    assert made.groups == {"target": 4, "excluded": 2}
    # RMs for C01 (R1) and C05 (R3); C04 and C08 have none: O1's RMs R1, R2 in turn.
    targets = members[members["group"] == "target"]["employee_id"].to_dict()
    assert targets == {"C01": "R1", "C04": "R1", "C05": "R3", "C08": "R2"}
    with branch.session() as s:
        tasks = s.scalars(select(Task).where(Task.campaign_id == made.campaign.id)).all()
    assert {t.customer_id: t.employee_id for t in tasks} == targets
    assert all(t.rule == "campaign" and t.due_on == date(2024, 7, 15) for t in tasks)


def test_another_campaign_within_the_window_excludes(branch: Branch) -> None:
    with branch.session() as s:
        create_campaign(s, SYSTEM, branch.tables, spec())
        second = create_campaign(
            s, SYSTEM, branch.tables, spec(name="第二波", start_on=date(2024, 7, 20))
        )
        later = create_campaign(
            s,
            SYSTEM,
            branch.tables,
            spec(name="第三波", start_on=date(2024, 7, 31), exclusion_days=29),
        )
    assert second.exclusions == {"recent_campaign": 4, "no_consent": 1, "do_not_contact": 1}
    assert second.tasks == 0
    # 30 days after the first start, a 29-day window no longer sees it (the second had none).
    assert later.groups["target"] == 4


def test_control_draw_is_stratified_seeded_and_reproducible() -> None:
    rng = np.random.default_rng(0)
    tiers = pd.Series(rng.choice(["standard", "gold", "platinum", "diamond"], 1001))
    drawn = control_draw(tiers, 0.2, seed=42)
    for tier, size in tiers.value_counts().items():
        assert drawn[tiers == tier].sum() == int(np.floor(0.2 * size + 0.5)), tier
    assert drawn.equals(control_draw(tiers, 0.2, seed=42))
    assert not drawn.equals(control_draw(tiers, 0.2, seed=43))


def test_the_control_group_is_recorded_per_tier(branch: Branch) -> None:
    with branch.session() as s:
        made = create_campaign(s, SYSTEM, branch.tables, spec(control_share=0.5, exclusion_days=0))
        again = create_campaign(s, SYSTEM, branch.tables, spec(control_share=0.5, exclusion_days=0))
    one, two = member_table(branch, made.campaign.id), member_table(branch, again.campaign.id)
    control = one[one["group"] == "control"]
    # Gold: C01, C04, C08 → round(1.5) = 2 in control; diamond: C05 → round(0.5) = 1.
    assert control["tier"].value_counts().to_dict() == {"gold": 2, "diamond": 1}
    assert one["group"].equals(two["group"])  # same seed, same draw
    assert made.campaign.seed == 11
    assert made.campaign.control_share == 0.5


def test_outcomes_detected_and_results(branch: Branch) -> None:
    with branch.session() as s:
        made = create_campaign(
            s, SYSTEM, branch.tables, spec(control_share=0.5, exclusion_days=0, cost_yuan=1000)
        )
        found = detect_outcomes(s, branch.warehouse, date(2024, 7, 31))
    assert [(f.members, f.converted) for f in found] == [(4, 2)]
    members = member_table(branch, made.campaign.id)
    # C04 opened a wealth product on 07-10; C01's AUM rose by exactly the 5万 goal.
    assert set(members.index[members["converted"]]) == {"C01", "C04"}
    assert members.loc["C01", "converted_amount_fen"] == 5_000_000
    # By hand from the recorded groups: AUM change C01 +50 000, everyone else 0.
    groups = members["group"]
    targets, control = groups[groups == "target"].index, groups[groups == "control"].index
    conv = {"C01", "C04"}
    got = results(branch.session(), SYSTEM, made.campaign.id).stats
    assert (got.targets, got.controls) == (len(targets), len(control)) == (1, 3)
    assert got.target_conversions == len(conv & set(targets))
    assert got.control_conversions == len(conv & set(control))
    rise = {"C01": 50_000.0}
    t_mean = sum(rise.get(c, 0.0) for c in targets) / len(targets)
    c_mean = sum(rise.get(c, 0.0) for c in control) / len(control)
    assert got.incremental_aum == pytest.approx((t_mean - c_mean) * len(targets))
    assert got.cost == 1000.0


def test_rm_outcome_with_locking_and_no_double_detection(branch: Branch) -> None:
    with branch.session() as s:
        made = create_campaign(s, SYSTEM, branch.tables, spec())
        cid = made.campaign.id
        member = record_outcome(
            s,
            SYSTEM,
            cid,
            "C05",
            1,
            {
                "contacted": True,
                "responded": True,
                "converted": True,
                "converted_amount_yuan": Decimal("300000"),
            },
            date(2024, 7, 5),
        )
        assert member.version == 2
        assert member.outcome_source == "rm"
        with pytest.raises(Conflict):
            record_outcome(s, SYSTEM, cid, "C05", 1, {"converted": False}, date(2024, 7, 6))
        first = detect_outcomes(s, branch.warehouse, date(2024, 7, 31))
        second = detect_outcomes(s, branch.warehouse, date(2024, 7, 31))
    assert [f.converted for f in first] == [2]
    assert [f.converted for f in second] == [0]
    members = member_table(branch, cid)
    assert members.loc["C05", "converted_amount_fen"] == 30_000_000  # the RM's figure stays
    got = results(branch.session(), SYSTEM, cid)
    assert (got.stats.target_conversions, got.contacted, got.responded) == (3, 1, 1)
    assert got.stats.lift is None  # no control group
