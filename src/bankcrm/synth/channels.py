"""E-channel enrollments: mobile banking on the planted S-curve, and the older channels.

Mobile banking (SCENARIO.md, 3): the share of customers who have adopted by time t is a
logistic curve ``cap / (1 + exp(-k (t - mid)))`` through the two planted (year-end, share)
points. Each customer's adoption time is that curve's inverse at their ``adoption_rank``
(uniform, independent of everything else), and they enroll at that time or when they open,
whichever is later. So the adopted share of any base is the curve, whoever joins or leaves it.
Enrollments are cancelled when the customer closes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bankcrm.domain.enums import EnrollmentChannel
from bankcrm.synth.customers import NEVER, CustomerFrame
from bankcrm.synth.scenario import ScenarioParams, logistic_through
from bankcrm.synth.timeline import Timeline, day_number, years_to_days

IntArray = npt.NDArray[np.int64]

CHANNELS: tuple[EnrollmentChannel, ...] = (
    EnrollmentChannel.MOBILE_BANKING,
    EnrollmentChannel.INTERNET_BANKING,
    EnrollmentChannel.WECHAT_BANKING,
    EnrollmentChannel.SMS_ALERTS,
)
MOBILE, INTERNET, WECHAT, SMS = range(4)
ADOPTION_CAP = 0.85
MOBILE_LAUNCH = day_number("2010-06-01")
INTERNET_LAUNCH = day_number("2003-01-01")
WECHAT_LAUNCH = day_number("2014-03-01")


@dataclass(frozen=True)
class Enrollments:
    customer: IntArray  # chunk-local index; rows sorted by customer, channel, enrolled
    channel: IntArray  # index into CHANNELS
    enrolled: IntArray
    cancelled: IntArray  # NEVER = still enrolled
    mobile_day: IntArray  # per customer: day mobile banking starts, NEVER if never


def mobile_adoption_day(c: CustomerFrame, params: ScenarioParams) -> IntArray:
    """Day each customer enrolls in mobile banking (NEVER if not by the year 2100)."""
    k, mid = logistic_through(params.mobile_adoption_from, params.mobile_adoption_to, ADOPTION_CAP)
    u = c.adoption_rank
    if k == 0.0:
        level = params.mobile_adoption_from[1]
        when = np.where(u < level, MOBILE_LAUNCH, NEVER)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            year = mid - np.log(ADOPTION_CAP / u - 1) / k
        when = np.where(
            u < ADOPTION_CAP,
            years_to_days(np.clip(np.nan_to_num(year, nan=2100.0), 1971, 2100)),
            NEVER,
        )
    return np.where(when < NEVER, np.maximum(when, MOBILE_LAUNCH), NEVER)


def _when(lo: IntArray, hi: IntArray, rng: np.random.Generator) -> IntArray:
    return np.asarray(
        lo + (rng.random(len(lo)) * np.maximum(hi - lo, 1)).astype(np.int64), np.int64
    )


def make_enrollments(
    c: CustomerFrame, timeline: Timeline, params: ScenarioParams, rng: np.random.Generator
) -> Enrollments:
    """Enrollment rows of a chunk of customers, current or cancelled during the range."""
    n = len(c)
    end = timeline.end_day
    closing = np.minimum(c.exit, NEVER)
    young = c.birth > timeline.end_day - 40 * 365
    mobile = np.maximum(mobile_adoption_day(c, params), c.opened)
    # Internet banking and SMS alerts are signed up for at (or soon after) opening; the range
    # sees no trend in them, so they cannot masquerade as the planted mobile shift.
    internet = np.maximum(c.opened, INTERNET_LAUNCH) + rng.integers(0, 365, n)
    has_internet = rng.random(n) < np.where(c.corporate, 0.85, np.where(young, 0.45, 0.25))
    wechat = _when(np.maximum(c.opened, WECHAT_LAUNCH), np.full(n, end + 365), rng)
    has_wechat = ~c.corporate & (rng.random(n) < np.where(young, 0.5, 0.2))
    sms = c.opened + rng.integers(0, 3 * 365, n)
    has_sms = rng.random(n) < 0.55
    customer = np.tile(np.arange(n), 4)
    channel = np.repeat(np.arange(4), n)
    enrolled = np.concatenate([mobile, internet, wechat, sms])
    has = np.concatenate([mobile < NEVER, has_internet, has_wechat, has_sms])
    # Some drop internet banking and SMS alerts (fees) before closing: a cancellation day.
    quits = np.concatenate([np.zeros(n), np.full(n, 0.15), np.full(n, 0.05), np.full(n, 0.25)])
    cancel_day = enrolled + rng.integers(30, 6 * 365, 4 * n)
    cancelled = np.where(
        rng.random(4 * n) < quits, np.minimum(cancel_day, closing[customer]), closing[customer]
    )
    # A few customers who dropped SMS alerts sign up again later (a second row for the channel).
    again = (channel == SMS) & (cancelled < closing[customer]) & (rng.random(4 * n) < 0.2)
    re_day = cancelled + rng.integers(30, 2 * 365, 4 * n)
    customer = np.concatenate([customer, customer[again]])
    channel = np.concatenate([channel, channel[again]])
    enrolled = np.concatenate([enrolled, re_day[again]])
    cancelled = np.concatenate([cancelled, closing[customer[len(has) :]]])
    has = np.concatenate([has, np.ones(int(again.sum()), bool)])
    keep = has & (enrolled < cancelled) & (enrolled <= end) & (cancelled >= timeline.start_day)
    cancelled = np.where(cancelled > end, NEVER, cancelled)
    order = np.lexsort((enrolled[keep], channel[keep], customer[keep]))
    mobile_day = np.where((mobile < closing) & (mobile <= end), mobile, NEVER)
    return Enrollments(
        customer[keep][order],
        channel[keep][order],
        enrolled[keep][order],
        cancelled[keep][order],
        mobile_day,
    )
