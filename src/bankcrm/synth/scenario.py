"""The seven phenomena SCENARIO.md plants on purpose, each one named parameter.

``ScenarioParams()`` is the demo branch (Xinyu, 2015-2020); ``ScenarioParams.neutral()`` sets
every phenomenon to "no effect", so tests can check that analytics find what was planted and
report nothing where nothing was. Years are calendar years; rates are per year unless stated.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

# Share of all outflows (by amount, METRICS.md) going to third-party payment counterparties,
# per calendar year: Yu'e Bao grew to its peak at the end of 2017 and shrank from 2018.
_OUTFLOW_CURVE = (
    (2015, 0.08),
    (2016, 0.15),
    (2017, 0.22),
    (2018, 0.21),
    (2019, 0.17),
    (2020, 0.14),
)


@dataclass(frozen=True)
class ScenarioParams:
    """What the demo branch's history looks like. Each field says what "no effect" is.

    1. Ageing base (the share of individuals 55+ rises by about ten points, acquisition of
       customers under 35 falls year by year), from ``trend_start_year`` on:
       ``young_acquisition_decline``: yearly multiplier of the number of new customers under
       35 (0.72 = 28 % fewer each year; no effect: 1.0). ``senior_acquisition_growth``: yearly
       multiplier of new customers aged 50+ (no effect: 1.0). ``young_closure_rate``: extra
       yearly probability that a customer under 35 closes (no effect: 0.0).
    2. Internet-finance outflow: ``third_party_outflow_share``: (year, share of all outflow
       amounts that go to third-party payment counterparties); years outside the table take
       the nearest year's value (no effect: one constant share).
    3. Channel shift: mobile-banking adoption (share of the base enrolled) follows a logistic
       curve through ``mobile_adoption_from`` and ``mobile_adoption_to`` (year, share at that
       year's end); the counter's share of customer-initiated transactions falls as a
       consequence (no effect: the same share at both ends, a flat line).
    4. High-value attrition: every customer with AUM >= 50 000 yuan attrites (AUM falls to
       under 10 %) with yearly probability ``attrition_base_rate``. In
       ``high_value_attrition_years``, platinum-and-above customers (AUM >= 500 000 yuan)
       attrite with yearly probability ``high_value_attrition_uncontacted`` when their RM
       logged no contact in the 90 days before, ``high_value_attrition_contacted`` otherwise
       (no effect: both equal to ``attrition_base_rate``).
    5. Product thinness: ``single_product_share``: target share of the base holding only a
       demand deposit (no effect: 0.30, well under half).
    6. Dormancy: ``dormant_share``: target share of the base with no customer-initiated
       transaction in the last twelve months of the range (no effect: 0.05).
    7. Maturity run-off: ``maturity_runoff_share``: probability that a maturing time deposit,
       large CD or wealth-management product leaves the bank within a month (no effect: 0.0).
    """

    trend_start_year: int = 2015
    young_acquisition_decline: float = 0.72
    senior_acquisition_growth: float = 1.1
    young_closure_rate: float = 0.20
    third_party_outflow_share: tuple[tuple[int, float], ...] = _OUTFLOW_CURVE
    mobile_adoption_from: tuple[int, float] = (2015, 0.20)
    mobile_adoption_to: tuple[int, float] = (2020, 0.65)
    attrition_base_rate: float = 0.035
    high_value_attrition_years: tuple[int, ...] = (2018, 2019)
    high_value_attrition_uncontacted: float = 0.60
    high_value_attrition_contacted: float = 0.035
    single_product_share: float = 0.62
    dormant_share: float = 0.26
    maturity_runoff_share: float = 0.30

    def __post_init__(self) -> None:
        shares = [s for _, s in self.third_party_outflow_share]
        shares += [self.mobile_adoption_from[1], self.mobile_adoption_to[1]]
        shares += [self.single_product_share, self.dormant_share, self.maturity_runoff_share]
        if not self.third_party_outflow_share or any(not 0.0 <= s < 1.0 for s in shares):
            raise ValueError("scenario shares must be in [0, 1)")
        if self.mobile_adoption_to[0] <= self.mobile_adoption_from[0]:
            raise ValueError("mobile_adoption_to must be a later year than mobile_adoption_from")

    @classmethod
    def neutral(cls) -> ScenarioParams:
        """Every planted phenomenon switched off (flat, uniform, absent)."""
        return cls(
            young_acquisition_decline=1.0,
            senior_acquisition_growth=1.0,
            young_closure_rate=0.0,
            third_party_outflow_share=((2015, 0.15),),
            mobile_adoption_from=(2015, 0.40),
            mobile_adoption_to=(2020, 0.40),
            high_value_attrition_uncontacted=0.035,
            high_value_attrition_contacted=0.035,
            single_product_share=0.30,
            dormant_share=0.05,
            maturity_runoff_share=0.0,
        )

    @classmethod
    def named(cls, scenario: str) -> ScenarioParams:
        if scenario == "default":
            return cls()
        if scenario == "neutral":
            return cls.neutral()
        raise ValueError(f"unknown scenario {scenario!r} (default, neutral)")

    def outflow_share(self, year: int) -> float:
        """Planted third-party share of outflow amounts in ``year`` (nearest listed year)."""
        table = sorted(self.third_party_outflow_share)
        year = min(max(year, table[0][0]), table[-1][0])
        return next(share for y, share in reversed(table) if y <= year)

    def as_json(self) -> dict[str, Any]:
        """The parameters as JSON-ready values (tuples become lists)."""
        return {k: _jsonable(v) for k, v in asdict(self).items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def logistic_through(
    first: tuple[int, float], last: tuple[int, float], cap: float = 0.85
) -> tuple[float, float]:
    """(steepness per year, midpoint year) of ``cap / (1 + exp(-k (t - mid)))`` passing through
    the two (year, share at that year's end) points. A flat line has steepness 0."""
    (y1, s1), (y2, s2) = first, last
    t1, t2 = y1 + 1.0, y2 + 1.0  # the end of the year
    if math.isclose(s1, s2):
        return 0.0, t1
    l1, l2 = math.log(s1 / (cap - s1)), math.log(s2 / (cap - s2))
    k = (l2 - l1) / (t2 - t1)
    return k, t1 - l1 / k
