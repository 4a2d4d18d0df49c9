"""RM coverage on a hand-made warehouse, on every engine; expected values worked by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bankcrm.analytics.base import Tables
from bankcrm.analytics.coverage import rm_coverage
from tests.analytics.conftest import make_warehouse

Load = Callable[[Any], Tables]


def test_rm_coverage_per_tier(load: Load, tmp_path: Path) -> None:
    # d = 2020-12-31. R1 standard: assignment starting on d (start_on ≤ d) → assigned.
    # R2 standard: assignment ended on d (end_on > d fails) → not. R3 gold: two active
    # assignments → counted once. R4 gold: none. R5 private (7 000 000): open assignment.
    # (customers, assigned, coverage): standard 2/1, gold 2/1, private 1/1, all 5/3.
    ids = ["R1", "R2", "R3", "R4", "R5"]
    warehouse = make_warehouse(
        tmp_path,
        {
            "branches": "B1,总行,,head_office,360502",
            "employees": "E1,张经理,B1,relationship_manager,2010-01-01,\n"
            "E2,李经理,B1,relationship_manager,2010-01-01,",
            "products": "DD001,个人活期储蓄,demand_deposit,",
            "customers": "\n".join(
                f"{c},individual,某,passport,P{c},M,1980-01-01,,360502,,,B1,2019-01-01,,false,"
                for c in ids
            ),
            "accounts": "\n".join(f"A{c},{c},DD001,2019-01-01,,,CNY" for c in ids),
            "balances": """
                2020-12-31,AR1,10.00
                2020-12-31,AR3,50000.00
                2020-12-31,AR4,400000.00
                2020-12-31,AR5,7000000.00
            """,
            "assignments": """
                R1,E1,2020-12-31,
                R2,E1,2019-01-01,2020-12-31
                R3,E1,2019-01-01,
                R3,E2,2020-01-01,2021-06-30
                R5,E2,2019-01-01,
            """,
        },
    )
    got = {
        r.pop("tier"): tuple(r.values())
        for r in rm_coverage(load(warehouse), date(2020, 12, 31)).to_pyarrow().to_pylist()
    }
    assert got == {
        "standard": (2, 1, 0.5),
        "gold": (2, 1, 0.5),
        "platinum": (0, 0, None),
        "diamond": (0, 0, None),
        "private": (1, 1, 1.0),
        "all": (5, 3, 0.6),
    }
