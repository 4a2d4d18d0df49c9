"""The counter-day simulation: the queue against hand-worked and independently computed waits,
transaction counts against the geometric distribution's mean, reproducibility with a seed,
the savings' direction, and the CLI's JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bankcrm.cli import app
from bankcrm.counter.simulation import SimOptions, draw_visits, fifo_waits, simulate

KEYS = {"verifications", "signatures", "mean_visit_seconds", "p90_wait_seconds"}


def test_queue_of_two_tellers_worked_by_hand() -> None:
    # Arrivals 0, 1, 2, 10 s; service 5, 5, 5, 1 s. Tellers free at 5 and 6 after the first two;
    # the third starts at 5 (waits 3), the fourth at 10 (waits 0).
    arrival = np.array([[0.0, 1.0, 2.0, 10.0]])
    service = np.array([[5.0, 5.0, 5.0, 1.0]])
    waits, finish = fifo_waits(arrival, service, tellers=2)
    assert waits.tolist() == [[0.0, 0.0, 3.0, 0.0]]
    assert finish.tolist() == [[5.0, 6.0, 10.0, 11.0]]


def test_one_teller_matches_lindleys_recursion() -> None:
    rng = np.random.default_rng(5)
    arrival = np.sort(rng.uniform(0, 3600, (3, 200)), axis=1)
    service = rng.exponential(20, (3, 200))
    waits, _ = fifo_waits(arrival, service, tellers=1)
    for day in range(3):  # W(n+1) = max(0, W(n) + S(n) − (A(n+1) − A(n)))
        expected = [0.0]
        for n in range(199):
            gap = arrival[day, n + 1] - arrival[day, n]
            expected.append(max(0.0, expected[-1] + service[day, n] - gap))
        np.testing.assert_allclose(waits[day], expected, atol=1e-9)


def test_transactions_per_visit_follow_the_truncated_geometric() -> None:
    options = SimOptions(days=200, seed=3)
    visits = draw_visits(options)
    k = np.arange(1, options.max_txns + 1)
    p = options.another_txn
    pmf = (1 - p) * p ** (k - 1)
    pmf[-1] = p ** (options.max_txns - 1)  # the cap collects the tail
    drawn = visits.txns[visits.txns > 0]
    sd = np.sqrt((pmf * k**2).sum() - (pmf * k).sum() ** 2) / np.sqrt(drawn.size)
    assert abs(drawn.mean() - (pmf * k).sum()) < 4 * sd
    # Arrivals: Poisson with mean rate × hours per day.
    per_day = (visits.txns > 0).sum(axis=1)
    mean = options.arrival_rate * options.hours
    assert abs(per_day.mean() - mean) < 4 * np.sqrt(mean / options.days)


def test_same_seed_same_result_other_seed_other_result() -> None:
    assert simulate(SimOptions(seed=11)) == simulate(SimOptions(seed=11))
    assert simulate(SimOptions(seed=11)) != simulate(SimOptions(seed=12))


def test_the_cache_saves_checks_signatures_and_time() -> None:
    result = simulate(SimOptions())
    without, with_ = result["without_cache"], result["with_cache"]
    assert without["verifications"] == without["transactions"]  # one check per transaction
    assert without["signatures"] == without["transactions"]
    for key in ("verifications", "signatures", "mean_visit_seconds", "p90_wait_seconds"):
        assert with_[key] < without[key], key
    assert with_["teller_utilisation"] < without["teller_utilisation"]


def test_without_repeat_visits_the_cache_changes_nothing() -> None:
    result = simulate(SimOptions(another_txn=0.0))  # every visit is one transaction
    assert result["with_cache"] == result["without_cache"]


def test_bad_options_name_the_option() -> None:
    with pytest.raises(ValueError, match=r"^arrival_rate: must be positive"):
        simulate(SimOptions(arrival_rate=0))


def test_cli_json_has_both_arms_and_their_keys() -> None:
    args = ["counter", "simulate", "--tellers", "3", "--hours", "4", "--arrival-rate", "20"]
    result = CliRunner().invoke(app, [*args, "--seed", "4", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["with_cache"]) & set(data["without_cache"]) >= KEYS
    assert data["parameters"]["tellers"] == 3
    assert data == simulate(SimOptions(tellers=3, hours=4, arrival_rate=20, seed=4)) | {
        "parameters": data["parameters"]
    }


def test_cli_table_is_in_chinese_and_bad_option_is_named() -> None:
    result = CliRunner().invoke(app, ["counter", "simulate", "--days", "2"])
    assert result.exit_code == 0, result.output
    assert "联网核查次数" in result.stdout
    bad = CliRunner().invoke(app, ["counter", "simulate", "--tellers", "0"])
    assert bad.exit_code == 1
    assert "bad --tellers: must be at least 1" in bad.stderr


def test_cli_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "sim.xlsx"
    result = CliRunner().invoke(
        app, ["counter", "simulate", "--days", "2", "--format", "xlsx", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=2, values_only=True)}
    expected = simulate(SimOptions(days=2))
    without, with_ = rows["联网核查次数（日均）"][:2]
    assert (without, with_) == (
        expected["without_cache"]["verifications"],
        expected["with_cache"]["verifications"],
    )
