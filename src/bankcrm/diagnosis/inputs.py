"""The diagnosis input: the ``bankcrm analyze`` JSON plus the families the rules need that
the analysis does not produce yet (young acquisition, maturity run-off), in the same JSON
conventions (keys by year, money as decimal strings, shares rounded)."""

from __future__ import annotations

from datetime import date

from bankcrm.analytics.acquisition import young_acquisition
from bankcrm.analytics.analyze import analyze, json_rows
from bankcrm.analytics.base import ALL, Scope, Tables
from bankcrm.analytics.maturity import maturity_runoff
from bankcrm.diagnosis.series import Json

EXTRA_FAMILIES = ("young_acquisition", "maturity_runoff")


def extras(tables: Tables, years: list[int], scope: Scope = ALL) -> Json:
    """The extra families for each of ``years``: one JSON object per year each."""
    out: Json = {"young_acquisition": {}, "maturity_runoff": {}}
    for year in years:
        out["young_acquisition"][str(year)] = json_rows(
            young_acquisition(tables, year, scope).to_pyarrow()
        )[0]
        if tables.balances is not None:
            out["maturity_runoff"][str(year)] = json_rows(
                maturity_runoff(tables, year, scope).to_pyarrow()
            )[0]
    return out


def gather(tables: Tables, as_of: date | None = None, scope: Scope = ALL) -> Json:
    """``analyze(tables, as_of, scope=scope)`` plus ``extras`` for its year-ends."""
    data = analyze(tables, as_of, None, scope)
    years = [int(y) for y in data["year_ends"]]
    return data | extras(tables, years, scope)
