"""The seven planted phenomena of SCENARIO.md are in the default extract and absent from the
neutral one, measured from the files with DuckDB by the definitions of METRICS.md (and, for the
two figures METRICS.md does not define, by the definitions ``_truth/scenario.json`` states).
The generator's own realised values in ``scenario.json`` must agree with these measurements.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bankcrm.domain.contract import TABLES
from bankcrm.domain.enums import ASSET_PRODUCT_TYPES
from bankcrm.synth import SynthOptions, generate

pytestmark = pytest.mark.xdist_group("synth_phenomena")
CUSTOMERS = 10_000
SEED = 20201231
YEARS = list(range(2015, 2021))
ASSETS = ", ".join(f"'{t}'" for t in ASSET_PRODUCT_TYPES)
SETUP = f"""
create table ye as select year(as_of) y, max(as_of) d from balances group by 1;
create table base as select ye.y, ye.d, c.* from ye join customers c
    on c.opened_on <= ye.d and (c.closed_on is null or c.closed_on > ye.d);
create table aum as
    select b.as_of d, a.customer_id, sum(b.balance) aum from balances b
    join accounts a using (account_id) join products p using (product_code)
    where p.product_type in ({ASSETS}) group by all;
create table base_aum as
    select base.y, base.d, base.customer_id, coalesce(aum.aum, 0) aum from base
    left join aum on aum.d = base.d and aum.customer_id = base.customer_id;
"""
ATTRITION = """
with pairs as (
    select a.y, a.aum start_aum, b.aum end_aum, b.aum < 0.1 * a.aum gone, a.aum >= 500000 top,
        exists (select 1 from contacts c where c.customer_id = a.customer_id
                and c.contacted_on between a.d - interval 89 day and a.d) contacted
    from base_aum a join base_aum b on b.customer_id = a.customer_id and b.y = a.y + 1
    where a.aum >= 50000)
select y, avg(gone::int), avg(gone::int) filter (top),
    count(*) filter (top and gone and not contacted), count(*) filter (top and not contacted),
    count(*) filter (top and gone and contacted), count(*) filter (top and contacted)
from pairs group by y order by y
"""
RUNOFF = """
with m as (
    select account_id, customer_id, last_day(maturity_on - interval 1 month) before_d,
        last_day(maturity_on + interval 1 month) after_d
    from accounts join products using (product_code)
    where product_type in ('time_deposit', 'large_cd', 'wealth_management')
      and closed_on = maturity_on),
eligible as (
    select m.*, b.balance from m join balances b
        on b.account_id = m.account_id and b.as_of = m.before_d
    where m.after_d <= (select max(as_of) from balances))
select avg((coalesce(a0.aum, 0) - coalesce(a1.aum, 0) >= 0.5 * e.balance)::int)
from eligible e
left join aum a0 on a0.customer_id = e.customer_id and a0.d = e.before_d
left join aum a1 on a1.customer_id = e.customer_id and a1.d = e.after_d
    and exists (select 1 from customers c where c.customer_id = e.customer_id
                and (c.closed_on is null or c.closed_on > e.after_d))
"""


class Measured:
    """METRICS.md figures of one extract, computed with DuckDB from its Parquet files."""

    def __init__(self, root: Path) -> None:
        self.con = duckdb.connect()
        for name in TABLES:
            self.con.execute(f"create view {name} as select * from '{root}/{name}.parquet'")
        contacts = root / "_truth" / "contacts.csv"
        self.con.execute(f"create view contacts as select * from read_csv('{contacts}')")
        self.con.execute(SETUP)
        scenario = json.loads((root / "_truth" / "scenario.json").read_text("utf-8"))
        self.truth: dict[str, Any] = scenario["realised"]

    def by_year(self, sql: str) -> dict[int, float]:
        return {int(y): float(v) for y, v in self.con.sql(sql).fetchall()}

    def scalar(self, sql: str) -> float:
        return float(self.con.sql(sql).fetchall()[0][0])

    def age_55_plus(self) -> dict[int, float]:
        return self.by_year(
            """select y, avg((date_sub('year', birth_date, d) >= 55)::int) from base
               where customer_type = 'individual' group by y"""
        )

    def new_under_35(self) -> dict[int, float]:
        return self.by_year(
            """select year(opened_on), count(*) from customers
               where customer_type = 'individual' and year(opened_on) between 2015 and 2020
                 and date_sub('year', birth_date, opened_on) < 35
               group by 1"""
        )

    def third_party_share(self) -> dict[int, float]:
        return self.by_year(
            """select year(booked_at),
                   sum(-amount) filter (counterparty_type = 'third_party_payment') / sum(-amount)
               from transactions where amount < 0 group by 1"""
        )

    def mobile_adoption(self) -> dict[int, float]:
        return self.by_year(
            """select y, avg((exists (
                   select 1 from channel_enrollments e
                   where e.customer_id = base.customer_id and e.channel = 'mobile_banking'
                     and e.enrolled_on <= d and (e.cancelled_on is null or e.cancelled_on > d)
               ))::int) from base group by y"""
        )

    def counter_share(self) -> dict[int, float]:
        return self.by_year(
            """select year(booked_at), avg((channel = 'counter')::int) from transactions
               where customer_initiated group by 1"""
        )

    def single_product(self) -> dict[int, float]:
        return self.by_year(
            """with held as (
                   select base.y, base.customer_id, count(distinct p.product_type) n from base
                   left join accounts a on a.customer_id = base.customer_id
                       and a.opened_on <= base.d and (a.closed_on is null or a.closed_on > base.d)
                   left join products p using (product_code) group by all)
               select y, avg((n = 1)::int) from held group by y"""
        )

    def dormant(self) -> dict[int, float]:
        return self.by_year(
            """select y, avg((not exists (
                   select 1 from transactions t join accounts a using (account_id)
                   where a.customer_id = base.customer_id and t.customer_initiated
                     and t.booked_at::date > d - interval 12 month and t.booked_at::date <= d
               ))::int) from base group by y"""
        )

    def top_share(self, share: float) -> float:
        return self.scalar(
            f"""with r as (
                    select aum, count(*) over () n,
                        row_number() over (order by aum desc, customer_id) k
                    from base_aum where y = 2020)
                select sum(aum) filter (k <= greatest(1, floor(n * {share}))) / sum(aum) from r"""
        )

    def attrition(self) -> dict[int, dict[str, float]]:
        """METRICS.md attrition of Y, branch-wide and for platinum+, split by an RM contact in
        the 90 days up to the end of Y."""
        keys = ("branch", "platinum_plus", "gone_silent", "silent", "gone_contacted", "contacted")
        result = self.con.sql(ATTRITION).fetchall()
        return {int(r[0]): dict(zip(keys, map(float, r[1:]), strict=True)) for r in result}

    def maturity_runoff(self) -> float:
        """scenario.json's definition of the maturity run-off share, restated in SQL."""
        return self.scalar(RUNOFF)


def measure(root: Path, scenario: str) -> Measured:
    options = SynthOptions(customers=CUSTOMERS, seed=SEED, format="parquet")
    options = replace(options, scenario="neutral") if scenario == "neutral" else options
    generate(root, options)
    return Measured(root)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Measured]:
    m = measure(tmp_path_factory.mktemp("planted"), "default")
    yield m
    m.con.close()


@pytest.fixture(scope="module")
def neutral(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Measured]:
    m = measure(tmp_path_factory.mktemp("neutral"), "neutral")
    yield m
    m.con.close()


def agree(measured: dict[int, float], truth: dict[str, float]) -> None:
    assert {str(y): pytest.approx(v, abs=1e-5) for y, v in measured.items()} == truth


def spread(values: dict[int, float]) -> float:
    return max(values.values()) - min(values.values())


def test_1_ageing_base(planted: Measured, neutral: Measured) -> None:
    old, new = planted.age_55_plus(), planted.new_under_35()
    assert 0.07 <= old[2020] - old[2015] <= 0.14  # "about ten points"
    assert all(old[y + 1] > old[y] for y in YEARS[:-1])
    assert all(new[y + 1] < new[y] for y in YEARS[:-1])  # falls year by year
    flat_old, flat_new = neutral.age_55_plus(), neutral.new_under_35()
    assert spread(flat_old) < 0.02
    assert max(flat_new.values()) < 1.3 * min(flat_new.values())
    agree(old, planted.truth["age_55_plus_share"])
    agree(flat_new, neutral.truth["new_individuals_under_35"])


def test_2_internet_finance_outflow(planted: Measured, neutral: Measured) -> None:
    share = planted.third_party_share()
    assert share[2015] < share[2016] < share[2017]
    assert share[2017] - share[2015] > 0.08
    assert share[2017] > share[2018] > share[2019] > share[2020]
    assert share[2020] < share[2017] - 0.05
    assert spread(neutral.third_party_share()) < 0.01
    agree(share, planted.truth["third_party_outflow_share"])


def test_3_channel_shift(planted: Measured, neutral: Measured) -> None:
    mobile = planted.mobile_adoption()
    assert 0.15 <= mobile[2015] <= 0.25
    assert 0.60 <= mobile[2020] <= 0.70
    assert all(mobile[y + 1] > mobile[y] for y in YEARS[:-1])
    counter = planted.counter_share()
    assert counter[2020] < counter[2015] - 0.07
    assert spread(neutral.mobile_adoption()) < 0.03
    assert spread(neutral.counter_share()) < 0.03
    agree(mobile, planted.truth["mobile_adoption"])
    agree(counter, planted.truth["counter_share"])


def test_4_high_value_attrition(planted: Measured, neutral: Measured) -> None:
    rates = planted.attrition()
    for y in (2017, 2018):  # the windows ending in 2018 and 2019, the planted years
        assert rates[y]["platinum_plus"] > 2.5 * rates[y]["branch"]
    windows = [rates[2017], rates[2018]]
    silent = sum(r["gone_silent"] for r in windows) / sum(r["silent"] for r in windows)
    contacted = sum(r["gone_contacted"] for r in windows) / sum(r["contacted"] for r in windows)
    assert silent > 2 * contacted
    flat = neutral.attrition()
    top = sum(r["platinum_plus"] for r in flat.values())
    assert top < 2.0 * sum(r["branch"] for r in flat.values())
    assert max(r["platinum_plus"] for r in flat.values()) < 0.12
    truth = planted.truth["attrition"]
    assert {y: r["platinum_plus"] for y, r in rates.items()} == {
        y: pytest.approx(truth[str(y)]["platinum_plus_rate"], abs=1e-5) for y in rates
    }


def test_5_product_thinness(planted: Measured, neutral: Measured) -> None:
    single, flat = planted.single_product(), neutral.single_product()
    assert single[2020] > 0.55
    assert flat[2020] < 0.4
    agree(single, planted.truth["single_product_share"])


def test_6_dormancy(planted: Measured, neutral: Measured) -> None:
    dormant, flat = planted.dormant(), neutral.dormant()
    assert 0.2 <= dormant[2020] <= 1 / 3
    assert flat[2020] < 0.1
    agree(dormant, planted.truth["dormant_share"])


def test_7_maturity_runoff(planted: Measured, neutral: Measured) -> None:
    runoff = planted.maturity_runoff()
    assert runoff > 0.2
    assert neutral.maturity_runoff() < 0.06
    assert planted.truth["maturity_runoff_share"] == pytest.approx(runoff, abs=1e-5)


def test_heavy_tailed_aum_with_a_private_bank_tier(planted: Measured, neutral: Measured) -> None:
    private = "select count(*) from base_aum where y = 2020 and aum >= 6000000"
    for extract in (planted, neutral):
        assert 0.7 <= extract.top_share(0.1) <= 0.8
        assert extract.scalar(private) >= 1
    top_10 = planted.truth["concentration_end"]["top_10pct"]
    assert top_10 == pytest.approx(planted.top_share(0.1), abs=1e-5)
