"""RFM and the BG/NBD transaction-log summary. Expected values are worked out by hand in each
test, computed by a straightforward pandas loop-free method written here, taken from the
published CDNOW summary, or from what the synthetic scenario planted."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankcrm.analytics.activity import dormancy
from bankcrm.analytics.base import Tables
from bankcrm.ingest.loader import Importer
from bankcrm.models.rfm import SEGMENTS, rfm_at, summary_at, summary_from_log, warehouse_days
from bankcrm.models.rfm_log import customer_days, summary_from_days
from bankcrm.store.db import make_engine, upgrade
from bankcrm.synth import SynthOptions, generate
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse
from tests.analytics.conftest import make_warehouse
from tests.analytics.test_activity import COMMON, account, customer

CDNOW = Path("/work/shared/data/real/cdnow")
SUMMARY_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value"]


# --- the transaction-log summary ---------------------------------------------------------


def tiny_log() -> pd.DataFrame:
    # A: 2020-01-01 10 + 5 (same day: one period of 15), 2020-01-04 20, 2020-01-10 30.
    # B: 2020-01-05 7 only.   C: 2020-01-20 (after the observation end 2020-01-15): dropped.
    return pd.DataFrame(
        {
            "cust": ["A", "A", "A", "B", "A", "C"],
            "when": pd.to_datetime(
                [
                    "2020-01-01 09:00",
                    "2020-01-01 18:30",
                    "2020-01-04 00:00",
                    "2020-01-05 00:00",
                    "2020-01-10 00:00",
                    "2020-01-20 00:00",
                ]
            ),
            "spent": [10.0, 5.0, 20.0, 7.0, 30.0, 99.0],
        }
    )


def test_summary_in_days_by_hand() -> None:
    got = summary_from_log(tiny_log(), date(2020, 1, 15), "cust", "when", "spent")
    # A: days 01, 04, 10 → frequency 2, recency 10 − 1 = 9, T 15 − 1 = 14, M (20 + 30) / 2.
    # B: one day → frequency 0, recency 0, T 15 − 5 = 10, M 0 (no repeat purchase).
    assert got.to_dict("records") == [
        {"customer_id": "A", "frequency": 2.0, "recency": 9.0, "T": 14.0, "monetary_value": 25.0},
        {"customer_id": "B", "frequency": 0.0, "recency": 0.0, "T": 10.0, "monetary_value": 0.0},
    ]


def test_summary_in_weeks_by_hand() -> None:
    # Weeks run Monday to Sunday: 2019-12-30 … 2020-01-05 (A's 01 and 04: one period of 35,
    # B's 05), 2020-01-06 … 12 (A's 10), and the end 2020-01-15 falls in 2020-01-13 … 19.
    got = summary_from_log(tiny_log(), "2020-01-15", "cust", "when", "spent", period="weeks")
    assert got.to_dict("records") == [
        {"customer_id": "A", "frequency": 1.0, "recency": 1.0, "T": 2.0, "monetary_value": 30.0},
        {"customer_id": "B", "frequency": 0.0, "recency": 0.0, "T": 2.0, "monetary_value": 0.0},
    ]


def straightforward_summary(log: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """The daily summary the way an analyst writes it in pandas: the independent reference."""
    log = log.assign(day=log["date"].dt.normalize())
    log = log[log["day"] <= end]
    days = log.groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    days["first_day"] = days.groupby("customer_id")["day"].transform("min")
    per = days.groupby("customer_id").agg(
        n=("day", "size"), first=("day", "min"), last=("day", "max")
    )
    repeat = days[days["day"] > days["first_day"]].groupby("customer_id")["amount"].mean()
    return pd.DataFrame(
        {
            "customer_id": per.index,
            "frequency": (per["n"] - 1).astype(float).to_numpy(),
            "recency": ((per["last"] - per["first"]).dt.days).astype(float).to_numpy(),
            "T": ((end - per["first"]).dt.days).astype(float).to_numpy(),
            "monetary_value": repeat.reindex(per.index).fillna(0.0).to_numpy(),
        }
    ).reset_index(drop=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_summary_matches_a_straightforward_pandas_computation(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5_000
    log = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 300, n).astype(str),
            "date": pd.Timestamp("2020-01-01")
            + pd.to_timedelta(rng.integers(0, 400 * 24 * 60, n), unit="min"),
            "amount": rng.gamma(2.0, 50.0, n).round(2),
        }
    )
    end = pd.Timestamp("2020-11-30")
    want = straightforward_summary(log, end)
    for source in (log, pa.Table.from_pandas(log)):  # pandas and Arrow input alike
        got = summary_from_log(source, end.date())
        assert got["customer_id"].tolist() == want["customer_id"].tolist()
        for col in ("frequency", "recency", "T"):
            assert got[col].tolist() == want[col].tolist(), col
        np.testing.assert_allclose(got["monetary_value"], want["monetary_value"], rtol=1e-12)


def test_summary_from_day_files_in_any_order_equals_the_log(tmp_path: Path) -> None:
    # The per-customer-day table split into two Parquet files (as month partitions would be),
    # rows reversed: the same summary as straight from the log.
    days = customer_days(tiny_log(), "cust", "when", "spent")
    half = days.num_rows // 2
    files = [str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")]
    pq.write_table(days.slice(half).take(pa.array([1, 0])), files[0])
    pq.write_table(days.slice(0, half), files[1])
    want = summary_from_log(tiny_log(), date(2020, 1, 15), "cust", "when", "spent")
    pd.testing.assert_frame_equal(summary_from_days(files, date(2020, 1, 15)), want)
    with pytest.raises(ValueError, match="days: missing column"):
        summary_from_days(days.drop_columns(["day"]), date(2020, 1, 15))


def cdnow_calibration_log() -> pd.DataFrame:
    """The CDNOW 1/10 sample's transactions in the 39-week calibration period (SOURCE.txt)."""
    raw = pd.read_csv(
        CDNOW / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "amount"],
    )
    raw["date"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    return raw[raw["date"] <= "1997-09-30"]


def test_summary_reproduces_the_published_cdnow_summary() -> None:
    # Fader & Hardie's summary: 2 357 customers, x = repeat purchase days, t_x and T in weeks
    # (days / 7, printed to 2 decimals), zbar = mean spend of the repeat purchases.
    published = pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")
    got = summary_from_log(cdnow_calibration_log(), date(1997, 9, 30))
    merged = published.merge(got, left_on="ID", right_on="customer_id", validate="1:1")
    assert len(merged) == 2357
    assert (merged["x"] == merged["frequency"]).all()
    np.testing.assert_allclose(merged["t_x"], merged["recency"] / 7, atol=0.005 + 1e-9)
    np.testing.assert_allclose(merged["T_x"], merged["T_y"] / 7, atol=0.005 + 1e-9)
    np.testing.assert_allclose(merged["zbar"], merged["monetary_value"], atol=0.005 + 1e-9)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda log: log.drop(columns="spent"), "amount_col: the log has no column 'spent'"),
        (lambda log: log.drop(columns="cust"), "customer_col: the log has no column 'cust'"),
        (lambda log: log.iloc[:0], "log: empty"),
        (lambda log: log.assign(when=log["when"].astype(str)), "when: must be a date"),
        (lambda log: log.assign(spent=log["spent"].astype(str)), "spent: must be numeric"),
        (lambda log: log.assign(cust=[None, *log["cust"][1:]]), "cust: 1 missing values"),
    ],
)
def test_summary_rejects_bad_logs_naming_the_field(change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        summary_from_log(change(tiny_log()), date(2020, 1, 15), "cust", "when", "spent")


def test_summary_rejects_a_bad_period_and_an_end_before_every_purchase() -> None:
    log = tiny_log()
    with pytest.raises(ValueError, match="period: must be one of days, weeks"):
        summary_from_log(log, date(2020, 1, 15), "cust", "when", "spent", period="months")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="observation_end: 2019-12-31 is before every purchase"):
        summary_from_log(log, date(2019, 12, 31), "cust", "when", "spent")


# --- RFM on a hand-made warehouse ----------------------------------------------------------


def txn(tid: str, cid: str, at: str, initiated: bool = True) -> str:
    return f"{tid},A{cid},{at},-10.00,counter,other_bank,某,转账,{str(initiated).lower()}"


# as_of = 2020-12-31; F window [2020-01-01, 2021-01-01); M over 2020-10-31, 11-30, 12-31.
#   K1 AUM 100 000 ×3 → M 100 000; initiated 03-01, 06-01, 12-30 → F 3, R 1.
#   K2 AUM 10 000, 20 000, 30 000 → M 20 000; initiated 12-01 → F 1, R 30.
#   K3 AUM 600 000 ×3 → M 600 000; initiated 2019-06-30 only (before the window) → F 0, R 550.
#   K4 no balance → M 0; initiated 2020-01-01 00:00 and 2020-12-31 23:59:59 → F 2, R 0; also
#      one not customer-initiated on 12-31 and one on 2021-01-01 (after as_of): ignored.
#   K5 opened 2020-11-15, AUM 50 000 (11-30), 70 000 (12-31) → M 60 000 (its two month-ends);
#      no transaction → R = days since opening = 46, F 0.
#   K6 no balance, no transaction, opened 2019-01-01 → R 730, F 0, M 0.
#   K7 closed 2020-12-15: not in the base, although it transacted.
RFM_ROWS = COMMON | {
    "customers": "\n".join(
        [
            *(customer(c) for c in ("K1", "K2", "K3", "K4", "K6")),
            customer("K5", opened="2020-11-15"),
            customer("K7", closed="2020-12-15"),
        ]
    ),
    "accounts": "\n".join(
        [
            *(account(c) for c in ("K1", "K2", "K3", "K4", "K6")),
            account("K5", opened="2020-11-15"),
            account("K7", closed="2020-12-15"),
        ]
    ),
    "balances": """
        2020-10-31,AK1,100000.00
        2020-11-30,AK1,100000.00
        2020-12-31,AK1,100000.00
        2020-10-31,AK2,10000.00
        2020-11-30,AK2,20000.00
        2020-12-31,AK2,30000.00
        2020-10-31,AK3,600000.00
        2020-11-30,AK3,600000.00
        2020-12-31,AK3,600000.00
        2020-11-30,AK5,50000.00
        2020-12-31,AK5,70000.00
        2020-10-31,AK7,5000.00
    """,
    "transactions": "\n".join(
        [
            txn("T01", "K1", "2020-03-01T10:00:00"),
            txn("T02", "K1", "2020-06-01T10:00:00"),
            txn("T03", "K1", "2020-12-30T10:00:00"),
            txn("T04", "K2", "2020-12-01T10:00:00"),
            txn("T05", "K3", "2019-06-30T10:00:00"),
            txn("T06", "K4", "2020-01-01T00:00:00"),
            txn("T07", "K4", "2020-12-31T23:59:59"),
            txn("T08", "K4", "2020-12-31T12:00:00", initiated=False),
            txn("T09", "K4", "2021-01-01T00:00:00"),
            txn("T10", "K7", "2020-12-01T10:00:00"),
        ]
    ),
}


@pytest.fixture
def rfm_tables(tmp_path: Path) -> Tables:
    return Tables.load(connect("duckdb"), make_warehouse(tmp_path, RFM_ROWS))


def test_rfm_by_hand(rfm_tables: Tables) -> None:
    got = rfm_at(rfm_tables, date(2020, 12, 31))
    # Scores: 1 + ⌊5 · (customers strictly worse) / 6⌋.
    #   R (lower better) 0:K4 5 worse → 5; 1:K1 4 → 4; 30:K2 3 → 3; 46:K5 2 → 2; 550:K3 1 → 1;
    #     730:K6 0 → 1.
    #   F 3:K1 5 → 5; 2:K4 4 → 4; 1:K2 3 → 3; 0:K3 K5 K6 0 → 1 (ties share the lowest score).
    #   M 600 000:K3 5 → 5; 100 000:K1 4 → 4; 60 000:K5 3 → 3; 20 000:K2 2 → 2; 0:K4 K6 → 1.
    # Medians: R (30 + 46) / 2 = 38 → recent: K1 K2 K4; F (0 + 1) / 2 = 0.5 → K1 K2 K4;
    #   M (20 000 + 60 000) / 2 = 40 000 → K1 K3 K5.
    want = [
        ("K1", 1, 3, 100_000.0, 4, 5, 4, "important_value", "重要价值客户"),
        ("K2", 30, 1, 20_000.0, 3, 3, 2, "general_value", "一般价值客户"),
        ("K3", 550, 0, 600_000.0, 1, 1, 5, "important_winback", "重要挽留客户"),
        ("K4", 0, 2, 0.0, 5, 4, 1, "general_value", "一般价值客户"),
        ("K5", 46, 0, 60_000.0, 2, 1, 3, "important_winback", "重要挽留客户"),
        ("K6", 730, 0, 0.0, 1, 1, 1, "general_winback", "一般挽留客户"),
    ]
    assert [tuple(r) for r in got.itertuples(index=False)] == want
    assert list(got.columns) == [
        "customer_id",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "segment",
        "segment_zh",
    ]


def test_rfm_ties_and_fewer_than_five_customers(tmp_path: Path) -> None:
    # P1 and P2 identical (R 30 days, F 1, M 500); P3 better on all three (R 1, F 2, M 900).
    # n = 3: P1, P2 have no one strictly worse → 1 + 0 = 1; P3 has two → 1 + ⌊10 / 3⌋ = 4
    # (with fewer than five customers not every score is used). Medians R 30, F 1, M 500: the
    # tied pair equals them, so is not "high" anywhere (一般挽留); P3 is high everywhere.
    ids = ("P1", "P2", "P3")
    rows = COMMON | {
        "customers": "\n".join(customer(c) for c in ids),
        "accounts": "\n".join(account(c) for c in ids),
        "balances": "2020-12-31,AP1,500.00\n2020-12-31,AP2,500.00\n2020-12-31,AP3,900.00",
        "transactions": "\n".join(
            [
                txn("T1", "P1", "2020-12-01T10:00:00"),
                txn("T2", "P2", "2020-12-01T11:00:00"),
                txn("T3", "P3", "2020-06-01T11:00:00"),
                txn("T4", "P3", "2020-12-30T11:00:00"),
            ]
        ),
    }
    got = rfm_at(Tables.load(connect("duckdb"), make_warehouse(tmp_path, rows)), date(2020, 12, 31))
    assert got[["recency_days", "frequency"]].to_numpy().tolist() == [[30, 1], [30, 1], [1, 2]]
    scores = got[["r_score", "f_score", "m_score"]].to_numpy().tolist()
    assert scores == [[1, 1, 1], [1, 1, 1], [4, 4, 4]]
    assert got["segment"].tolist() == ["general_winback", "general_winback", "important_value"]


def test_rfm_rejects_a_date_without_balances(rfm_tables: Tables) -> None:
    with pytest.raises(ValueError, match="as_of: no customer in the base at 2020-12-30"):
        rfm_at(rfm_tables, date(2020, 12, 30))


def test_the_eight_segments_are_distinct() -> None:
    codes = {code for code, _ in SEGMENTS.values()}
    names = {name for _, name in SEGMENTS.values()}
    assert len(SEGMENTS) == len(codes) == len(names) == 8
    # Important = M above the median; the Chinese name says so.
    assert all(name.startswith("重要") == m for (_, _, m), (_, name) in SEGMENTS.items())


# --- on a synthetic branch ------------------------------------------------------------------

SYNTH = SynthOptions(customers=400, start="2019-01", end="2020-12", seed=7)
END = date(2020, 12, 31)


@pytest.fixture(scope="session")
def rfm_branch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Tables, Path]:
    """A 400-customer, 24-month synthetic branch imported once (its extract kept for _truth)."""
    root = tmp_path_factory.mktemp("rfm_synthetic")
    generate(root / "extract", SYNTH)
    engine = make_engine(f"sqlite:///{root / 'store.sqlite3'}")
    upgrade(engine)
    report = Importer(engine, Warehouse(root / "warehouse")).run(root / "extract")
    engine.dispose()
    assert report.ok, report.failed
    return Tables.load(connect("duckdb"), Warehouse(root / "warehouse")), root


def test_dormant_customers_land_in_the_winback_segments(rfm_branch: tuple[Tables, Path]) -> None:
    tables, root = rfm_branch
    got = rfm_at(tables, END)
    truth = json.loads((root / "extract" / "_truth" / "scenario.json").read_text("utf-8"))
    # F = 0 is exactly METRICS.md's dormancy: the planted share, and the analytics' own count.
    dormant = got["frequency"] == 0
    assert round(dormant.mean(), 6) == truth["realised"]["dormant_share"]["2020"]
    total = dormancy(tables, END).to_pandas().set_index("tier").loc["all"]
    assert (int(total["base"]), int(total["dormant"])) == (len(got), int(dormant.sum()))
    # A dormant customer has not transacted for a year: neither recent nor frequent, so 挽留.
    assert set(got.loc[dormant, "segment_zh"]) <= {"重要挽留客户", "一般挽留客户"}
    assert (got.loc[dormant, "recency_days"] > 365 - 31).all()
    assert (got.loc[~dormant, "recency_days"] <= 366).all()
    assert set(got["r_score"]) == set(got["m_score"]) == {1, 2, 3, 4, 5}


def test_summary_at_matches_the_raw_transactions(rfm_branch: tuple[Tables, Path]) -> None:
    tables, root = rfm_branch
    got = summary_at(tables, END, history_days=365)
    # Independently: the raw customer-initiated transactions of the last 365 days, in pandas.
    warehouse = Warehouse(root / "warehouse")
    txns = pd.read_parquet(warehouse.paths("transactions"))
    accounts = pd.read_parquet(warehouse.paths("accounts"), columns=["account_id", "customer_id"])
    txns = txns[txns["customer_initiated"]].merge(accounts, on="account_id")
    txns = txns[(txns["booked_at"] >= "2020-01-02") & (txns["booked_at"] < "2021-01-01")]
    log = pd.DataFrame(
        {
            "customer_id": txns["customer_id"],
            "date": txns["booked_at"],
            "amount": txns["amount"].astype(float).abs(),
        }
    )
    base = rfm_at(tables, END)["customer_id"]
    log = log[log["customer_id"].isin(base)]  # customers closed by the end are not scored
    want = straightforward_summary(log, pd.Timestamp(END)).set_index("customer_id")
    assert got["customer_id"].tolist() == base.tolist()
    active = got.set_index("customer_id").loc[want.index]
    for col in ("frequency", "recency", "T"):
        assert active[col].tolist() == want[col].tolist(), col
    np.testing.assert_allclose(active["monetary_value"], want["monetary_value"], rtol=1e-9)
    idle = got[~got["customer_id"].isin(want.index)]
    assert len(idle) > 0
    assert idle[["frequency", "recency", "T", "monetary_value"]].isna().all(axis=None)


def test_warehouse_days_equal_the_days_of_the_raw_log(rfm_branch: tuple[Tables, Path]) -> None:
    _, root = rfm_branch
    warehouse = Warehouse(root / "warehouse")
    days = warehouse_days(warehouse)
    txns = pd.read_parquet(warehouse.paths("transactions"))
    accounts = pd.read_parquet(warehouse.paths("accounts"), columns=["account_id", "customer_id"])
    txns = txns[txns["customer_initiated"]].merge(accounts, on="account_id")
    log = pd.DataFrame(
        {
            "customer_id": txns["customer_id"],
            "date": txns["booked_at"],
            "amount": txns["amount"].astype(float).abs(),
        }
    )
    want = customer_days(log)
    assert days.select(["customer_id", "day"]).equals(want.select(["customer_id", "day"]))
    np.testing.assert_allclose(days["amount"].to_numpy(), want["amount"].to_numpy(), rtol=1e-12)
    # Sorted by customer then day, which is what the one-pass summary relies on.
    keys = list(zip(days["customer_id"].to_pylist(), days["day"].to_pylist(), strict=True))
    assert keys == sorted(keys)
