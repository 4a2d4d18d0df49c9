"""Acquisition by age on a hand-made warehouse, on every engine; expected values by hand.

New individuals of 2020 and their age on the day they opened:
  N1 born 1996-03-01, opened 2020-02-29: 23 (birthday not reached)  → <25
  N2 born 1996-02-29, opened 2021-02-28                              → 2021: not counted
  N3 born 1986-01-01, opened 2020-12-31: 34                          → 25-34
  N4 born 1985-12-31, opened 2020-12-31: 35 (on the birthday)        → 35-44
  N5 no birth date, opened 2020-06-01                                 → unknown
  N6 corporate, opened 2020-06-01                                     → not an individual
  N7 born 1950-01-01, opened 2019-12-31                               → 2019, 65+ (69)
2020: 4 new individuals, 2 under 35 (N1 N3): young_share 0.5. 2019: 1 new, 0 young.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bankcrm.analytics.acquisition import acquisition_by_age, young_acquisition
from bankcrm.analytics.base import Tables
from tests.analytics.conftest import make_warehouse, rows

Load = Callable[[Any], Tables]


def _warehouse(tmp_path: Path) -> Any:
    return make_warehouse(
        tmp_path,
        {
            "branches": "B1,分行,,branch,360502",
            "products": "DD,活期,demand_deposit,",
            "customers": """
                N1,individual,某,passport,PN1,F,1996-03-01,,360502,,,B1,2020-02-29,,false,
                N2,individual,某,passport,PN2,F,1996-02-29,,360502,,,B1,2021-02-28,,false,
                N3,individual,某,passport,PN3,M,1986-01-01,,360502,,,B1,2020-12-31,,false,
                N4,individual,某,passport,PN4,M,1985-12-31,,360502,,,B1,2020-12-31,,false,
                N5,individual,某,passport,PN5,,,,360502,,,B1,2020-06-01,,false,
                N6,corporate,某公司,other,PN6,,,,360502,,,B1,2020-06-01,,false,
                N7,individual,某,passport,PN7,M,1950-01-01,,360502,,,B1,2019-12-31,,false,
            """,
            "accounts": "AN1,N1,DD,2020-02-29,,,CNY",
            "balances": "2020-12-31,AN1,10.00",
        },
    )


def test_acquisition_by_age(load: Load, tmp_path: Path) -> None:
    tables = load(_warehouse(tmp_path))
    found = {r["age_band"]: r["customers"] for r in rows(acquisition_by_age(tables, 2020))}
    assert found == {
        "<25": 1, "25-34": 1, "35-44": 1, "45-54": 0, "55-64": 0, "65+": 0, "unknown": 1,
    }  # fmt: skip
    shares = {r["age_band"]: r["share"] for r in rows(acquisition_by_age(tables, 2020))}
    assert shares["<25"] == 0.25


def test_young_acquisition(load: Load, tmp_path: Path) -> None:
    tables = load(_warehouse(tmp_path))
    assert rows(young_acquisition(tables, 2020)) == [{"new": 4, "young": 2, "young_share": 0.5}]
    assert rows(young_acquisition(tables, 2019)) == [{"new": 1, "young": 0, "young_share": 0.0}]
    [none] = rows(young_acquisition(tables, 2018))
    assert none["young_share"] is None
