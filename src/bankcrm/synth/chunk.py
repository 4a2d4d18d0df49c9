"""What the transaction generators of one chunk of customers share."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.synth.accounts import AccountPlan
from bankcrm.synth.balances import Paths
from bankcrm.synth.channels import Enrollments
from bankcrm.synth.customers import CustomerFrame
from bankcrm.synth.scenario import ScenarioParams
from bankcrm.synth.timeline import Timeline

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
# Opening hours by channel (ledger.CHANNELS order), in hours of the day.
LAST_SECOND = 86_400 - 3
HOURS = np.array([[9, 17], [6, 23], [7, 24], [7, 24], [7, 24], [9, 22], [0.5, 4], [8, 20]])


@dataclass(frozen=True)
class Chunk:
    """Everything the transaction generators read about one chunk of customers."""

    customers: CustomerFrame
    plan: AccountPlan
    fen: IntArray  # balances, accounts x months
    paths: Paths
    enrollments: Enrollments
    timeline: Timeline
    params: ScenarioParams

    def primary_row(self) -> IntArray:
        """Each customer's primary demand deposit (a row of ``plan``)."""
        row = np.empty(len(self.customers), np.int64)
        row[self.plan.customer[self.plan.primary]] = np.flatnonzero(self.plan.primary)
        return row

    def posting_day_ok(self, account: IntArray, day: IntArray) -> BoolArray:
        """Inside the range and while the account is open (opening and closing days count)."""
        plan, t = self.plan, self.timeline
        last = np.minimum(plan.closed[account], t.end_day)
        return (day >= plan.opened[account]) & (day <= last) & (day >= t.start_day)


def seconds(channel: IntArray, rng: np.random.Generator) -> IntArray:
    """Time of day in seconds, within the channel's opening hours, leaving a few seconds before
    midnight for the legs that follow a posting (+1 s, +2 s) on the same day."""
    lo, hi = HOURS[channel, 0], HOURS[channel, 1]
    second = np.asarray((lo + rng.random(len(channel)) * (hi - lo)) * 3600, dtype=np.int64)
    return np.minimum(second, LAST_SECOND)
