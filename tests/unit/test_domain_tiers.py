"""The tier ladder and the tier rule (bankcrm.domain.tiers).

Expected tiers come from METRICS.md's default ladder, written out here: 普通 standard
[0, 50 000); 金卡 gold [50 000, 500 000); 白金 platinum [500 000, 2 000 000); 钻石 diamond
[2 000 000, 6 000 000); 私人银行 private [6 000 000, ∞), lower bound inclusive. The tier rule
(TierRule's docstring): grade the month-end AUM or the mean of the last N month-ends (fewer at
the start); with a downgrade grace of M months a customer keeps the tier held through M
consecutive month-ends graded below it and drops at the (M+1)-th, to that month-end's graded
tier; upgrades are immediate.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bankcrm.domain.enums import Tier
from bankcrm.domain.tiers import TierBasis, TierLadder, TierRule, tier_history

S, G, P, D, V = Tier.STANDARD, Tier.GOLD, Tier.PLATINUM, Tier.DIAMOND, Tier.PRIVATE

# METRICS.md's default ladder, highest band first.
METRICS_LADDER = ((Fraction(6_000_000), V), (Fraction(2_000_000), D), (Fraction(500_000), P))
METRICS_LADDER += ((Fraction(50_000), G),)

LADDER = TierLadder()
MONTH_END = TierRule()

# One AUM in each band, to write hand-made histories: the graded tier is the letter.
AUM = {S: Decimal(10_000), G: Decimal(100_000), P: Decimal(1_000_000)}
AUM |= {D: Decimal(3_000_000), V: Decimal(8_000_000)}


def metrics_tier(aum: Fraction) -> Tier:
    """The band of METRICS.md's default ladder holding ``aum`` (independent of the code)."""
    return next((tier for bound, tier in METRICS_LADDER if aum >= bound), S)


def history(tiers: Sequence[Tier]) -> list[Decimal]:
    return [AUM[t] for t in tiers]


def graded(aums: Sequence[Decimal]) -> list[Tier]:
    """Month-end tiers without any grace: the reference a grace rule is compared with."""
    return [metrics_tier(Fraction(a)) for a in aums]


def ranks(tiers: Sequence[Tier]) -> list[int]:
    return [list(Tier).index(t) for t in tiers]


# AUM values concentrated at the bounds (either side), plus anything in [0, 10 000 000].
near_bounds = [Decimal(int(b)) + d for b, _ in METRICS_LADDER for d in (Decimal("-0.01"), 0)]
aums = st.one_of(
    st.sampled_from([Decimal(0), *near_bounds, *AUM.values()]),
    st.decimals(0, 10_000_000, places=2, allow_nan=False, allow_infinity=False),
)
aum_histories = st.lists(aums, max_size=30)
# Histories drawn from one AUM per band, so grades move between tiers often.
tier_histories = st.lists(st.sampled_from(list(Tier)), max_size=30).map(history)


# --- the ladder ------------------------------------------------------------------------------


def test_tier_order():
    assert list(Tier) == [S, G, P, D, V]
    assert [t.rank for t in Tier] == [0, 1, 2, 3, 4]


def test_default_ladder_is_metrics_md():
    assert LADDER.bounds == (50_000, 500_000, 2_000_000, 6_000_000)


@pytest.mark.parametrize(
    ("aum", "tier"),
    [
        ("0", S),
        ("49999.99", S),
        ("50000", G),
        ("50000.00", G),
        ("499999.99", G),
        ("500000", P),
        ("1999999.99", P),
        ("2000000", D),
        ("5999999.99", D),
        ("6000000", V),
        ("1000000000000", V),
    ],
)
def test_tier_of_at_every_bound(aum: str, tier: Tier):
    """Lower bound inclusive (METRICS.md)."""
    assert LADDER.tier_of(Decimal(aum)) is tier


@given(aums)
def test_tier_of_agrees_with_metrics_md(aum: Decimal):
    assert LADDER.tier_of(aum) is metrics_tier(Fraction(aum))


def test_a_bank_s_own_ladder():
    ladder = TierLadder(Decimal(100_000), Decimal(1_000_000), Decimal(5_000_000), Decimal(10**7))
    assert ladder.tier_of(Decimal("99999.99")) is S
    assert ladder.tier_of(Decimal(100_000)) is G
    assert ladder.tier_of(Decimal("4999999.99")) is P
    assert ladder.tier_of(Decimal(10**7)) is V


@pytest.mark.parametrize(
    "bounds",
    [
        (500_000, 500_000, 2_000_000, 6_000_000),  # equal bounds
        (50_000, 500_000, 6_000_000, 2_000_000),  # descending
        (600_000, 500_000, 2_000_000, 6_000_000),
        (0, 500_000, 2_000_000, 6_000_000),  # gold must start above 0
        (-1, 500_000, 2_000_000, 6_000_000),
    ],
)
def test_ladder_rejects_bounds_not_positive_and_ascending(bounds: tuple[int, int, int, int]):
    with pytest.raises(ValueError, match="ascending"):
        TierLadder(*(Decimal(b) for b in bounds))


# --- the rule: validation --------------------------------------------------------------------


def test_rule_rejects_an_empty_average_and_a_negative_grace():
    with pytest.raises(ValueError, match="average_months"):
        TierRule(TierBasis.AVERAGE, average_months=0)
    with pytest.raises(ValueError, match="downgrade_grace_months"):
        TierRule(downgrade_grace_months=-1)


def test_empty_history():
    assert tier_history([], LADDER, TierRule(downgrade_grace_months=3)) == []


# --- month-end basis, no grace (METRICS.md's definition) --------------------------------------


@given(aum_histories)
def test_default_rule_is_tier_of_each_month_end(history_: list[Decimal]):
    assert tier_history(history_, LADDER, MONTH_END) == graded(history_)


# --- average basis ---------------------------------------------------------------------------


def test_average_basis_by_hand():
    """N = 3. Means, by hand: 60 000 → gold; 45 000 → standard; (60 000 + 30 000 + 60 000)/3 =
    50 000 exactly → gold; 30 000 → standard; 20 000 → standard; 0 → standard."""
    months = [Decimal(a) for a in (60_000, 30_000, 60_000, 0, 0, 0)]
    rule = TierRule(TierBasis.AVERAGE, average_months=3)
    assert tier_history(months, LADDER, rule) == [G, S, G, S, S, S]


def test_average_just_below_a_bound_is_not_rounded_up():
    """(50 000 + 50 000 + 49 999.99)/3 = 49 999.9966… → standard."""
    months = [Decimal(50_000), Decimal(50_000), Decimal("49999.99")]
    rule = TierRule(TierBasis.AVERAGE, average_months=3)
    assert tier_history(months, LADDER, rule) == [G, G, S]


@given(aum_histories, st.integers(1, 12))
def test_average_basis_grades_the_trailing_mean(history_: list[Decimal], n: int):
    """The exact (Fraction) mean of the last N month-ends, fewer at the start."""
    expected = [
        metrics_tier(sum(map(Fraction, window), Fraction(0)) / len(window))
        for window in (history_[max(0, i - n + 1) : i + 1] for i in range(len(history_)))
    ]
    assert tier_history(history_, LADDER, TierRule(TierBasis.AVERAGE, n)) == expected


@given(aum_histories)
def test_average_of_one_month_is_the_month_end_rule(history_: list[Decimal]):
    rule = TierRule(TierBasis.AVERAGE, average_months=1)
    assert tier_history(history_, LADDER, rule) == graded(history_)


# --- downgrade grace: hand-made sequences ------------------------------------------------------


@pytest.mark.parametrize(
    ("grace", "grades", "expected"),
    [
        # M = 0: every month-end on its own.
        (0, [P, G, G, P], [P, G, G, P]),
        # M = 2: kept through 2 month-ends below, dropped at the 3rd.
        (2, [P, G, G, G, G], [P, P, P, G, G]),
        # M = 2: a month-end back at the held tier resets the count.
        (2, [P, G, G, P, G, G, G], [P, P, P, P, P, P, G]),
        # M = 2: a month-end above the held tier is an immediate upgrade, and resets the count.
        (2, [P, G, G, D, G, G, G], [P, P, P, D, D, D, G]),
        # Upgrades are immediate, several tiers at once.
        (2, [S, G, V], [S, G, V]),
        # M = 1: the drop is to the graded tier of the (M+1)-th month-end, not one step down.
        (1, [D, P, S], [D, D, S]),
        # M = 1: months graded below in different tiers still count as consecutive.
        (1, [V, D, G, G], [V, V, G, G]),
        # M = 1: after a drop the count starts again from the new tier.
        (1, [D, P, P, S, S, S], [D, D, P, P, S, S]),
        # M = 3: the grace is counted per run; two short dips never drop.
        (3, [D, P, P, P, D, P, P, P], [D, D, D, D, D, D, D, D]),
        # M = 3: the 4th consecutive month-end below drops.
        (3, [D, P, P, P, P], [D, D, D, D, P]),
        # The first month-end is graded as it is: nothing is held yet.
        (5, [G, S, S], [G, G, G]),
    ],
)
def test_grace_by_hand(grace: int, grades: list[Tier], expected: list[Tier]):
    rule = TierRule(downgrade_grace_months=grace)
    assert tier_history(history(grades), LADDER, rule) == expected


def test_grace_with_average_basis_by_hand():
    """N = 2, M = 1. AUM 600k, 600k, 0, 0, 0. Means: 600k P, 600k P, 300k G, 0 S, 0 S.
    Held: P, P, P (1st below, kept), S (2nd below: dropped to that month's grade), S."""
    months = [Decimal(a) for a in (600_000, 600_000, 0, 0, 0)]
    rule = TierRule(TierBasis.AVERAGE, average_months=2, downgrade_grace_months=1)
    assert tier_history(months, LADDER, rule) == [P, P, P, S, S]


def test_more_grace_can_give_a_lower_tier_in_some_month():
    """More grace is not "never lower" month by month: grades D, P, P, S.
    M = 1 drops at month 3 to P (that month's grade) and keeps P through the S at month 4;
    M = 2 keeps D through months 2-3 and drops at month 4 straight to S. Only the comparison
    with no grace at all is monotone (see the property below)."""
    grades = history([D, P, P, S])
    assert tier_history(grades, LADDER, TierRule(downgrade_grace_months=1)) == [D, D, P, P]
    assert tier_history(grades, LADDER, TierRule(downgrade_grace_months=2)) == [D, D, D, S]


# --- downgrade grace: properties ---------------------------------------------------------------

graces = st.integers(0, 6)
bases = st.sampled_from([TierRule(), TierRule(TierBasis.AVERAGE, 3)])


def with_grace(rule: TierRule, grace: int) -> TierRule:
    return TierRule(rule.basis, rule.average_months, grace)


@given(st.one_of(tier_histories, aum_histories), graces, bases)
def test_grace_never_makes_a_tier_lower_than_without_grace(
    history_: list[Decimal], grace: int, base: TierRule
):
    """Held tier ≥ the tier the same month-end is graded (= the tier without grace)."""
    without = tier_history(history_, LADDER, base)
    held = tier_history(history_, LADDER, with_grace(base, grace))
    assert len(held) == len(history_)
    assert all(h >= w for h, w in zip(ranks(held), ranks(without), strict=True))


@given(st.one_of(tier_histories, aum_histories), graces, bases)
def test_each_month_keeps_the_held_tier_or_takes_the_graded_one(
    history_: list[Decimal], grace: int, base: TierRule
):
    """held[i] is held[i-1] or graded[i]; upgrades (graded ≥ held before) are immediate; the
    first month-end is graded as it is."""
    grades = tier_history(history_, LADDER, base)
    held = tier_history(history_, LADDER, with_grace(base, grace))
    if held:
        assert held[0] == grades[0]
    for i in range(1, len(held)):
        assert held[i] in (held[i - 1], grades[i])
        if grades[i].rank >= held[i - 1].rank:
            assert held[i] == grades[i]


@given(st.one_of(tier_histories, aum_histories), graces, bases)
def test_drop_exactly_at_the_m_plus_first_month_end_below(
    history_: list[Decimal], grace: int, base: TierRule
):
    """Let kept[i] count the consecutive month-ends up to i held above their grade. Then no
    month is kept beyond M (kept ≤ M), and a month-end graded below the held tier drops iff
    M month-ends were already kept before it."""
    grades = tier_history(history_, LADDER, base)
    held = tier_history(history_, LADDER, with_grace(base, grace))
    kept = 0
    for i in range(1, len(held)):
        if grades[i].rank < held[i - 1].rank:
            dropped = held[i] != held[i - 1]
            assert dropped == (kept == grace), (i, kept)
        kept = kept + 1 if held[i].rank > grades[i].rank else 0
        assert kept <= grace


@given(st.one_of(tier_histories, aum_histories), bases)
def test_grace_as_long_as_the_history_never_drops(history_: list[Decimal], base: TierRule):
    """With M ≥ len − 1 no month-end can be the (M+1)-th below: the tier is the running
    maximum of the grades."""
    grades = tier_history(history_, LADDER, base)
    held = tier_history(history_, LADDER, with_grace(base, max(0, len(history_) - 1)))
    running_max = [max(grades[: i + 1], key=lambda t: t.rank) for i in range(len(grades))]
    assert held == running_max
