"""Unit tests of the generator's building blocks: calendar arithmetic, identity numbers, exact
money text, scenario curves and options. Expected values come from the standard library and
from ``bankcrm.domain`` (the scalar checks the importer applies), never from the generator."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bankcrm.domain.contract import Kind
from bankcrm.domain.enums import Gender
from bankcrm.domain.identity import is_valid_credit_code, is_valid_phone, parse_resident_id
from bankcrm.synth import ScenarioParams, SynthOptions
from bankcrm.synth.columns import dates, datetimes, money, text_column
from bankcrm.synth.ids import credit_codes, fixed_lines, mobile_phones, resident_ids
from bankcrm.synth.scenario import logistic_through
from bankcrm.synth.timeline import Timeline, add_months, day_number, whole_years_between

EPOCH = date(1970, 1, 1)
days_st = st.integers(min_value=day_number("1900-01-01"), max_value=day_number("2100-12-31"))


def as_date(day: int) -> date:
    return EPOCH + timedelta(days=int(day))


@settings(deadline=None)
@given(day=days_st, months=st.integers(min_value=-600, max_value=600))
def test_add_months_clamps_to_the_month_end_like_a_bank(day: int, months: int) -> None:
    start = as_date(day)
    total = start.year * 12 + start.month - 1 + months
    year, month = divmod(total, 12)
    expected = date(year, month + 1, min(start.day, calendar.monthrange(year, month + 1)[1]))
    assert as_date(add_months(np.array([day]), np.array([months]))[0]) == expected


@settings(deadline=None)
@given(born=days_st, on=days_st)
def test_whole_years_match_birthday_arithmetic(born: int, on: int) -> None:
    b, d = as_date(born), as_date(on)
    expected = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
    assert whole_years_between(np.array([born]), np.array([on]))[0] == expected


def test_timeline_month_ends_and_year_ends() -> None:
    t = Timeline.from_text("2015-01", "2020-12")
    ends = [as_date(d) for d in t.month_ends]
    assert len(ends) == 72
    assert all(d.day == calendar.monthrange(d.year, d.month)[1] for d in ends)
    assert t.year_ends == {y: 12 * (y - 2015) + 11 for y in range(2015, 2021)}
    partial = Timeline.from_text("2019-07", "2020-03")
    assert partial.year_ends == {2019: 5, 2020: 8}
    with pytest.raises(ValueError, match="before"):
        Timeline.from_text("2020-01", "2019-12")
    with pytest.raises(ValueError, match="YYYY-MM"):
        Timeline.from_text("2015-13", "2016-01")


@settings(max_examples=50, deadline=None)
@given(
    region=st.sampled_from([110102, 360502, 360521, 441900, 650102]),
    born=st.integers(min_value=day_number("1920-01-01"), max_value=day_number("2005-12-31")),
    male=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_resident_ids_decode_to_their_region_birth_date_and_gender(
    region: int, born: int, male: bool, seed: int
) -> None:
    b = as_date(born)
    number = resident_ids(
        np.array([region]),
        np.array([b.year * 10_000 + b.month * 100 + b.day]),
        np.array([male]),
        np.random.default_rng(seed),
    )[0].as_py()
    decoded = parse_resident_id(number)
    assert decoded is not None
    assert (decoded.region_code, decoded.birth_date) == (str(region), b)
    assert decoded.gender is (Gender.MALE if male else Gender.FEMALE)


def test_credit_codes_and_phones_pass_the_domain_checks() -> None:
    rng = np.random.default_rng(7)
    codes = credit_codes(np.full(2000, 360502), rng).to_pylist()
    assert all(is_valid_credit_code(c) for c in codes)
    assert all(c.startswith("91360502") for c in codes)
    assert len(set(codes)) > 1990
    phones = mobile_phones(rng, 2000).to_pylist() + fixed_lines(rng, 2000).to_pylist()
    assert all(is_valid_phone(p) for p in phones)
    assert all(re.fullmatch(r"1[3-9]\d{9}|0790-[67]\d{6}", p) for p in phones)


@settings(deadline=None)
@given(st.lists(st.integers(min_value=-(10**15), max_value=10**15), min_size=1, max_size=50))
def test_money_text_is_exact_yuan_with_two_decimals(fen: list[int]) -> None:
    text = text_column(money(np.array(fen, dtype=np.int64)), Kind.MONEY).to_pylist()
    assert text == [str((Decimal(f) / 100).quantize(Decimal("0.01"))) for f in fen]


def test_date_datetime_and_bool_text_follow_the_contract() -> None:
    day = day_number("2016-02-29")
    assert text_column(
        dates(np.array([day, day]), np.array([False, True])), Kind.DATE
    ).to_pylist() == ["2016-02-29", None]
    seconds = np.array([day * 86_400 + 3_600 * 9 + 61])
    assert text_column(datetimes(seconds), Kind.DATETIME).to_pylist() == ["2016-02-29T09:01:01"]
    assert text_column(pa.array([True, False]), Kind.BOOL).to_pylist() == ["true", "false"]


def test_logistic_curve_passes_through_both_planted_points() -> None:
    cap = 0.85
    k, mid = logistic_through((2015, 0.20), (2020, 0.65), cap)
    share = lambda t: cap / (1 + np.exp(-k * (t - mid)))  # noqa: E731
    assert share(2016.0) == pytest.approx(0.20)
    assert share(2021.0) == pytest.approx(0.65)
    assert logistic_through((2015, 0.4), (2020, 0.4), cap)[0] == 0.0


def test_neutral_scenario_switches_every_phenomenon_off() -> None:
    neutral, planted = ScenarioParams.neutral(), ScenarioParams()
    assert neutral.young_acquisition_decline == neutral.senior_acquisition_growth == 1.0
    assert neutral.young_closure_rate == 0.0
    assert len({neutral.outflow_share(y) for y in range(2010, 2030)}) == 1
    assert neutral.mobile_adoption_from[1] == neutral.mobile_adoption_to[1]
    assert (
        neutral.high_value_attrition_uncontacted
        == neutral.high_value_attrition_contacted
        == neutral.attrition_base_rate
    )
    assert neutral.maturity_runoff_share == 0.0
    assert neutral.single_product_share < 0.5 < planted.single_product_share
    assert neutral.dormant_share < 0.2 <= planted.dormant_share <= 1 / 3
    assert planted.outflow_share(2013) == planted.outflow_share(2015) < planted.outflow_share(2017)
    assert planted.outflow_share(2017) > planted.outflow_share(2020) == planted.outflow_share(2025)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"customers": 0}, "customers"),
        ({"start": "2015-1"}, "YYYY-MM"),
        ({"end": "2014-12"}, "before"),
        ({"dirty": 0.9}, "dirty"),
        ({"format": "xlsx"}, "format"),
        ({"scenario": "gloomy"}, "scenario"),
    ],
)
def test_options_refuse_what_cannot_be_generated(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SynthOptions(**change)  # type: ignore[arg-type]
