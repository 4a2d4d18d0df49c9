"""The model commands as a user runs them: ``score`` writes every base customer to the
warehouse and the store, ``models list|show`` read the registry, ``churn|propensity evaluate``
print cross-validated metrics as JSON and name the column a mistake is about."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from bankcrm.cli import app

runner = CliRunner()
AS_OF = "2020-12-31"


@pytest.fixture(scope="module")
def data_dir(synthetic_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the synthetic branch as a data folder."""
    data = tmp_path_factory.mktemp("score") / "data"
    shutil.copytree(synthetic_root / "warehouse", data / "warehouse")
    shutil.copy(synthetic_root / "store.sqlite3", data / "bankcrm.sqlite3")
    return data


@pytest.fixture
def env(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BANKCRM_DATA_DIR", str(data_dir))
    for name in ("BANKCRM_DATABASE_URL", "BANKCRM_WAREHOUSE_DIR", "BANKCRM_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    return data_dir


def _base_ids(data: Path) -> set[str]:
    """The base at AS_OF, read straight from customer_month's Parquet (not through models)."""
    files = sorted(
        str(p) for p in (data / "warehouse" / "customer_month").glob("month=*/*.parquet")
    )
    rows = duckdb.sql(
        f"SELECT customer_id FROM read_parquet({files}) WHERE as_of = DATE '{AS_OF}'"
    ).fetchall()
    return {r[0] for r in rows}


def test_score_writes_every_base_customer(env: Path) -> None:
    result = runner.invoke(
        app, ["score", "--as-of", AS_OF, "--max-iter", "30"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    base = _base_ids(env)
    assert len(base) > 2500
    scores = pd.read_parquet(env / "warehouse" / "scores" / "month=2020-12")
    assert set(scores["customer_id"]) == base
    assert len(scores) == len(base)
    assert scores["churn_score"].notna().all()
    assert scores["segment_name"].str.endswith(("客群", "客群2", "客群3")).all()
    assert (scores["nbp_1"] != "").all()
    engine = create_engine(f"sqlite:///{env / 'bankcrm.sqlite3'}")
    with engine.connect() as conn:
        per_model = dict(
            conn.execute(
                text(
                    "SELECT model, count(DISTINCT customer_id) FROM customer_scores GROUP BY model"
                )
            ).all()
        )
        churn_rows = conn.execute(
            text("SELECT count(*) FROM customer_scores WHERE model = 'churn' AND score IS NULL")
        ).scalar()
    assert per_model == dict.fromkeys(["churn", "clv", "nbp", "rfm", "segments"], len(base))
    assert churn_rows == 0

    again = runner.invoke(app, ["score", "--as-of", AS_OF, "--models", "churn"])
    assert again.exit_code == 0, again.output
    assert "是" in again.output  # the churn model fitted for this date was reused
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM customer_scores WHERE model = 'churn'")
        ).scalar()
    assert count == len(base)  # replaced, not appended
    engine.dispose()

    listed = runner.invoke(app, ["models", "list"])
    assert listed.exit_code == 0, listed.output
    for name in ("churn", "nbp", "segments"):
        assert name in listed.output
    shown = runner.invoke(app, ["models", "show", "churn"])
    assert shown.exit_code == 0, shown.output
    card = json.loads(shown.output)
    assert card["version"] == 1
    assert card["scored_as_of"] == AS_OF
    assert card["features"]["aum"] == "资产规模"
    assert 0.5 < card["validation"]["roc_auc"] <= 1.0
    assert card["validation"]["test_snapshot"] == "2020-06-30"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "--models", "churn,magic"], "unknown model magic"),
        (["score", "--as-of", "2020-12-15"], "not a month-end with balances"),
        (["models", "show", "nothing"], "no model named 'nothing'"),
    ],
)
def test_bad_input_is_a_clear_error(env: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.output


def _plain_table(path: Path, separator: str = ",") -> Path:
    """400 customers; churn depends on two columns, a third is noise, one is text."""
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame(
        {
            "cid": [f"C{i}" for i in range(n)],
            "balance": rng.normal(0, 1, n),
            "age": rng.normal(45, 10, n),
            "noise": rng.normal(0, 1, n),
            "city": rng.choice(["南昌", "新余", "九江"], n),
        }
    )
    logit = 2 * frame["balance"] - 0.1 * (frame["age"] - 45)
    frame["left"] = np.where(rng.random(n) < 1 / (1 + np.exp(-logit)), "yes", "no")
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as file:
            frame.to_csv(file, sep=separator, index=False)
    else:
        frame.to_csv(path, sep=separator, index=False)
    return path


@pytest.mark.parametrize(
    ("command", "name", "sep"), [("churn", "t.csv", ","), ("propensity", "t.csv.gz", ";")]
)
def test_evaluate_prints_cross_validated_json(
    tmp_path: Path, command: str, name: str, sep: str
) -> None:
    table = _plain_table(tmp_path / name, sep)
    args = [command, "evaluate", "--table", str(table), "--label", "left", "--id", "cid"]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["folds"] == 5
    assert metrics["rows"] == 400
    assert 0.75 < metrics["roc_auc"] <= 1.0  # the label follows balance and age
    assert 0 < metrics["pr_auc"] <= 1.0
    assert metrics["features"] == ["balance", "age", "noise", "city"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--label", "churned"], "label column 'churned' is not in the table"),
        (["--label", "left", "--id", "customer"], "id column 'customer' is not in the table"),
        (["--label", "city"], "label column 'city' must be binary"),
        (["--label", "left", "--drop", "duration"], "drop column 'duration' is not in the table"),
    ],
)
def test_evaluate_names_the_bad_column(tmp_path: Path, extra: list[str], message: str) -> None:
    table = _plain_table(tmp_path / "t.csv")
    result = runner.invoke(app, ["churn", "evaluate", "--table", str(table), *extra])
    assert result.exit_code == 1
    assert message in result.output


def test_evaluate_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["churn", "evaluate", "--table", str(tmp_path / "none.csv"), "--label", "y"]
    )
    assert result.exit_code == 1
    assert "no such file" in result.output
