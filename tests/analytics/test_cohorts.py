"""Cohort retention on the hand-made branch of ``handmade.py``; expected figures by hand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bankcrm.analytics.base import Tables
from bankcrm.analytics.cohorts import cohort_retention
from bankcrm.warehouse.layout import Warehouse
from tests.analytics.conftest import make_warehouse
from tests.analytics.handmade import ROWS, Y2019, Y2020

Load = Callable[[Warehouse], Tables]


def test_cohort_retention(load: Load, tmp_path: Path) -> None:
    tables = load(make_warehouse(tmp_path, ROWS))
    got = cohort_retention(tables, {2019: Y2019, 2020: Y2020}).to_pyarrow().to_pylist()
    # Cohort 2019 = C3, C6 (2 customers): C3 in the base at 2019-12-31, closed 2020-06-30;
    # C6 closed 2019-08-31. Cohort 2020 = C4, C7: C4 stays, C7 closed 2020-10-31.
    # Earlier cohorts (C1 2015, C2 2016, C5 2010) are outside the years asked for.
    assert [(r["cohort"], r["year"], r["customers"], r["retained"]) for r in got] == [
        (2019, 2019, 2, 1),
        (2019, 2020, 2, 0),
        (2020, 2020, 2, 1),
    ]
    assert [r["retention"] for r in got] == pytest.approx([0.5, 0.0, 0.5])
