"""``_truth/scenario.json``: the parameters used and the values realised in the files.

Realised values are computed from the very arrays that were written (integer fen, day
numbers), chunk by chunk, by the definitions of METRICS.md; where METRICS.md has no definition
(the run-off share, the no-contact split) the definition is written into the JSON beside the
value. The tests recompute every one of them from the files with DuckDB.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bankcrm.domain.contract import CONTRACT_VERSION
from bankcrm.synth import ledger as tx
from bankcrm.synth.assignments import Assignments, last_contact_before
from bankcrm.synth.channels import MOBILE
from bankcrm.synth.chunk import Chunk
from bankcrm.synth.customers import CustomerFrame
from bankcrm.synth.options import SynthOptions
from bankcrm.synth.products import IS_ASSET, IS_RUNOFF
from bankcrm.synth.scenario import ScenarioParams
from bankcrm.synth.timeline import Timeline, add_months, whole_years_between, year_of

IntArray = npt.NDArray[np.int64]
CONTACT_COLUMNS = ("customer_id", "employee_id", "contacted_on", "channel")
TIER_BOUNDS_FEN = np.array([5_000_000, 50_000_000, 200_000_000, 600_000_000])
TIERS = ("standard", "gold", "platinum", "diamond", "private")
DEFINITIONS = {
    "year_end": "METRICS.md: the last month-end of the year in the range",
    "age_55_plus_share": (
        "individuals in the base at the year-end aged 55+ (whole years at the year-end)"
        " / individuals in the base"
    ),
    "new_individuals_under_35": "individuals opened in the year, aged under 35 on opened_on",
    "third_party_outflow_share": (
        "METRICS.md third-party payment outflow of Y as a share of all outflows of Y (by amount)"
    ),
    "mobile_adoption": "METRICS.md e-channel adoption of mobile_banking at the year-end",
    "counter_share": (
        "METRICS.md channel mix of Y: share of customer-initiated transactions booked at the"
        " counter, by count"
    ),
    "attrition": (
        "METRICS.md attrition of Y (year-end Y to year-end Y+1), keyed by Y; platinum_plus ="
        " AUM >= 500 000 yuan at the end of Y; contacted = a logged contact in the 90 days up to"
        " the end of Y"
    ),
    "attrition_events": (
        "attritions drawn by the generator in the high-value years: platinum+ customers, and the"
        " share with no contact in the 90 days before the day the money left"
    ),
    "single_product_share": "METRICS.md single-product customers / base, at the year-end",
    "dormant_share": (
        "METRICS.md dormant customers / base at the year-end (window: booked date after the same"
        " month-end a year earlier, up to the year-end)"
    ),
    "concentration_end": (
        "METRICS.md concentration at the last month-end: top shares (k = floor(share x base), at"
        " least 1; ties by customer_id) and Gini"
    ),
    "maturity_runoff_share": (
        "time_deposit, large_cd and wealth_management accounts closed on their maturity_on, with"
        " a month-end before the maturity month and one after the following month in the range:"
        " share whose customer's AUM at the end of the month after maturity is lower than at the"
        " last month-end before maturity by at least half the account's balance there (a"
        " customer no longer in the base has AUM 0)"
    ),
}


def _ratio(a: float, b: float) -> float:
    return round(float(a) / float(b), 6) if b else 0.0


class Truth:
    """Accumulates realised values over the chunks of one extract."""

    def __init__(
        self, customers: CustomerFrame, timeline: Timeline, params: ScenarioParams
    ) -> None:
        self.c, self.t, self.params = customers, timeline, params
        self.years = sorted(timeline.year_ends)
        self.ye_month = np.array([timeline.year_ends[y] for y in self.years])
        self.ye_day = timeline.month_ends[self.ye_month]
        n, k = len(customers), len(self.years)
        self.in_base = (customers.opened[:, None] <= self.ye_day) & (
            customers.exit[:, None] > self.ye_day
        )
        self.aum = np.zeros((n, k), np.int64)  # fen at each year-end
        self.aum_last = np.zeros(n, np.int64)
        self.products = np.zeros((n, k), np.int64)
        self.mobile = np.zeros((n, k), bool)
        self.active = np.zeros(
            (n, k), bool
        )  # a customer-initiated transaction in the last 12 months
        self.contacted = np.zeros((n, k), bool)
        self.outflow = np.zeros((k, 2), np.int64)  # (third-party, all) fen by year
        self.initiated = np.zeros((k, len(tx.CHANNELS)), np.int64)
        self.runoff = np.zeros(2, np.int64)  # (matured, ran off)
        self.events = np.zeros(2, np.int64)  # (high-value attritions, of them uncontacted)

    def add_chunk(
        self, k: Chunk, assigned: Assignments, posted: tx.Posted, is_open: npt.NDArray[np.bool_]
    ) -> None:
        """Fold in one chunk's accounts, balances and transactions."""
        plan, n = k.plan, len(k.customers)
        rows = (
            slice(int(k.customers.number[0]), int(k.customers.number[-1]) + 1) if n else slice(0, 0)
        )
        aum = np.zeros((n, self.t.n_months), np.int64)
        asset = IS_ASSET[plan.type_code]
        np.add.at(aum, plan.customer[asset], k.fen[asset])
        self.aum[rows] = aum[:, self.ye_month]
        self.aum_last[rows] = aum[:, -1]
        for j, m in enumerate(self.ye_month):  # a loop over year-ends
            held = (
                np.unique(plan.customer[is_open[:, m]] * 64 + plan.type_code[is_open[:, m]]) // 64
            )
            self.products[rows, j] = np.bincount(held, minlength=n)
            e = k.enrollments
            on = (
                (e.channel == MOBILE)
                & (e.enrolled <= self.ye_day[j])
                & (e.cancelled > self.ye_day[j])
            )
            self.mobile[rows.start + e.customer[on], j] = True
            since = add_months(np.array([self.ye_day[j]]), np.array([-12]))[0]
            acted = posted.initiated & (posted.day > since) & (posted.day <= self.ye_day[j])
            self.active[rows.start + plan.customer[posted.account[acted]], j] = True
            everyone = np.arange(n)
            last = last_contact_before(assigned, everyone, np.full(n, self.ye_day[j] + 1))
            self.contacted[rows, j] = last >= self.ye_day[j] - 89
        year = np.searchsorted(self.years, year_of(posted.day))
        out = posted.amount < 0
        np.add.at(self.outflow[:, 1], year[out], -posted.amount[out])
        payment = out & (posted.counterparty == tx.PAYMENT)
        np.add.at(self.outflow[:, 0], year[payment], -posted.amount[payment])
        np.add.at(self.initiated, (year[posted.initiated], posted.channel[posted.initiated]), 1)
        self._runoff(k, aum)
        hv = k.paths.attrition_high_value
        self.events += [int(hv.sum()), int((hv & k.paths.attrition_uncontacted).sum())]

    def _runoff(self, k: Chunk, aum: IntArray) -> None:
        plan, t = k.plan, self.t
        mm = t.month_index(plan.maturity)
        rows = np.flatnonzero(
            IS_RUNOFF[plan.type_code]
            & (plan.closed == plan.maturity)
            & (mm >= 1)
            & (mm + 1 < t.n_months)
        )
        before, after = mm[rows] - 1, mm[rows] + 1
        balance = k.fen[rows, before]
        was_open = plan.opened[rows] <= t.month_ends[before]
        rows, before, after, balance = (
            rows[was_open],
            before[was_open],
            after[was_open],
            balance[was_open],
        )
        who = plan.customer[rows]
        in_base = (k.customers.opened[who] <= t.month_ends[after]) & (
            k.customers.exit[who] > t.month_ends[after]
        )
        lost = aum[who, before] - np.where(in_base, aum[who, after], 0)
        self.runoff += [len(rows), int((2 * lost >= balance).sum())]

    def realised(self) -> dict[str, Any]:
        """The realised values, keyed as in ``DEFINITIONS``."""
        c, years = self.c, [str(y) for y in self.years]
        ind = ~c.corporate
        base_ind = self.in_base & ind[:, None]
        age = whole_years_between(np.where(ind, c.birth, 0)[:, None], self.ye_day[None, :])
        age_open = whole_years_between(np.where(ind, c.birth, 0), c.opened)
        opened_year = year_of(c.opened)
        base = self.in_base.sum(axis=0)
        return {
            "customers_in_base": dict(zip(years, base.tolist(), strict=True)),
            "age_55_plus_share": {
                y: _ratio((base_ind[:, j] & (age[:, j] >= 55)).sum(), base_ind[:, j].sum())
                for j, y in enumerate(years)
            },
            "new_individuals_under_35": {
                y: int((ind & (opened_year == int(y)) & (age_open < 35)).sum()) for y in years
            },
            "third_party_outflow_share": {y: _ratio(*self.outflow[j]) for j, y in enumerate(years)},
            "mobile_adoption": {
                y: _ratio((self.mobile[:, j] & self.in_base[:, j]).sum(), base[j])
                for j, y in enumerate(years)
            },
            "counter_share": {
                y: _ratio(self.initiated[j, tx.COUNTER], self.initiated[j].sum())
                for j, y in enumerate(years)
            },
            "attrition": self._attrition(),
            "attrition_events": {
                "platinum_plus": int(self.events[0]),
                "share_without_contact_90d": _ratio(self.events[1], self.events[0]),
            },
            "single_product_share": {
                y: _ratio((self.in_base[:, j] & (self.products[:, j] == 1)).sum(), base[j])
                for j, y in enumerate(years)
            },
            "dormant_share": {
                y: _ratio((self.in_base[:, j] & ~self.active[:, j]).sum(), base[j])
                for j, y in enumerate(years)
            },
            "concentration_end": self._concentration(),
            "tier_counts": {y: self._tiers(j) for j, y in enumerate(years)},
            "maturity_runoff_share": _ratio(self.runoff[1], self.runoff[0]),
            "matured_accounts": int(self.runoff[0]),
        }

    def _attrition(self) -> dict[str, dict[str, float]]:
        result = {}
        for j in range(len(self.years) - 1):
            both = self.in_base[:, j] & self.in_base[:, j + 1]
            eligible = both & (self.aum[:, j] >= TIER_BOUNDS_FEN[0])
            gone = eligible & (10 * self.aum[:, j + 1] < self.aum[:, j])
            top = eligible & (self.aum[:, j] >= TIER_BOUNDS_FEN[1])
            silent = top & ~self.contacted[:, j]
            result[str(self.years[j])] = {
                "eligible": int(eligible.sum()),
                "branch_rate": _ratio((gone).sum(), eligible.sum()),
                "platinum_plus": int(top.sum()),
                "platinum_plus_rate": _ratio((gone & top).sum(), top.sum()),
                "platinum_plus_rate_contacted": _ratio(
                    (gone & top & ~silent).sum(), (top & ~silent).sum()
                ),
                "platinum_plus_rate_not_contacted": _ratio((gone & silent).sum(), silent.sum()),
            }
        return result

    def _concentration(self) -> dict[str, float]:
        last = (self.c.opened <= self.t.end_day) & (self.c.exit > self.t.end_day)
        x = self.aum_last[last]
        ranked = x[np.lexsort((self.c.number[last], -x))]
        total = max(int(ranked.sum()), 1)
        tops = {
            f"top_{p}pct": _ratio(ranked[: max(1, len(x) * p // 100)].sum(), total)
            for p in (1, 10, 20)
        }
        ascending = np.sort(x).astype(np.float64)
        i = np.arange(1, len(x) + 1)
        gini = (
            2 * (i * ascending).sum() / (len(x) * ascending.sum()) - (len(x) + 1) / len(x)
            if len(x)
            else 0.0
        )
        return {**tops, "gini": round(float(gini), 6)}

    def _tiers(self, j: int) -> dict[str, int]:
        tier = np.searchsorted(TIER_BOUNDS_FEN, self.aum[self.in_base[:, j], j], side="right")
        return dict(zip(TIERS, np.bincount(tier, minlength=5).tolist(), strict=True))

    def write(self, path: Path, options: SynthOptions) -> None:
        """scenario.json: options, parameters, realised values and their definitions."""
        document = {
            "contract_version": CONTRACT_VERSION,
            "options": {
                "customers": options.customers,
                "start": options.start,
                "end": options.end,
                "seed": options.seed,
                "format": options.format,
                "dirty": options.dirty,
                "scenario": options.scenario,
            },
            "parameters": self.params.as_json(),
            "realised": self.realised(),
            "definitions": DEFINITIONS,
        }
        path.write_text(
            json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
