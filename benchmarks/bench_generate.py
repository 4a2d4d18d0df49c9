"""Generation speed: customers per second of the synthetic extract, against a per-row baseline.

Baseline ("per-row pure Python"): the customers table alone, made the straightforward way, one
customer at a time: a name from surname and given-name characters, a valid GB 11643 resident
ID (``bankcrm.domain.identity.make_resident_id``), a mobile number, dates and flags, written
with ``csv.writer``. It runs on a sample and is scaled per customer. The ratios say how much
faster the vectorised generator is, for the same customers table and for the whole extract
(which also writes accounts, monthly balances, transactions, enrollments and assignments).
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bankcrm.domain.contract import CUSTOMERS
from bankcrm.domain.identity import make_resident_id
from bankcrm.synth import ScenarioParams, SynthOptions, generate
from bankcrm.synth.customer_table import customer_table
from bankcrm.synth.customers import make_customers
from bankcrm.synth.names import SURNAMES
from bankcrm.synth.streams import stream
from bankcrm.synth.writer import TableSink

BASELINE_SAMPLE = 20_000
GIVEN = "建国华明军平伟强志勇秀英兰芳珍丽娟敏静燕浩宇轩欣怡雨婷"
PREFIXES = ("135", "138", "139", "150", "158", "186", "189", "177")


def baseline_customers(path: Path, n: int, seed: int = 1) -> float:
    """Seconds to write ``n`` customers one row at a time with ``csv.writer``."""
    rng = random.Random(seed)
    surnames = [s for s, _ in SURNAMES]
    weights = [w for _, w in SURNAMES]
    started = time.perf_counter()
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CUSTOMERS.column_names)
        for i in range(n):
            male = rng.random() < 0.5
            born = date(1940, 1, 1) + timedelta(days=rng.randrange(60 * 365))
            opened = date(1995, 1, 1) + timedelta(days=rng.randrange(25 * 365))
            region = rng.choice(("360502", "360521"))
            name = rng.choices(surnames, weights)[0] + "".join(rng.choices(GIVEN, k=2))
            number = make_resident_id(region, born, 2 * rng.randrange(500) + male)
            phone = rng.choice(PREFIXES) + f"{rng.randrange(10**8):08d}"
            consent = "true" if rng.random() < 0.85 else "false"
            writer.writerow(
                (f"C{i + 1:010d}", "individual", name, "resident_id", number, "MF"[not male],
                 born.isoformat(), phone, region, "企业职工", "高中/中专", "B0101",
                 opened.isoformat(), "", consent, "C3")
            )  # fmt: skip
    return time.perf_counter() - started


def vectorised_customers(folder: Path, n: int, seed: int = 1) -> tuple[float, float]:
    """Seconds of the generator's customers stage: (drawing the population and its traits,
    building the table and writing it as CSV). The second is what the baseline does."""
    options = SynthOptions(customers=n, seed=seed)
    started = time.perf_counter()
    frame = make_customers(
        n, options.timeline, ScenarioParams(), stream(seed, "population"), stream(seed, "customers")
    )
    drawn = time.perf_counter()
    sink = TableSink(folder, CUSTOMERS, "csv", all_text=True)
    table = customer_table(frame, options.timeline, stream(seed, "customers", 1))
    sink.write(sink.prepare(table))
    sink.close()
    return drawn - started, time.perf_counter() - drawn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args(argv)
    n = args.customers
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sample = min(n, BASELINE_SAMPLE)
        per_row = baseline_customers(root / "baseline.csv", sample) / sample
        population, table = vectorised_customers(root, n)
        result = generate(root / "extract", SynthOptions(customers=n, seed=1))
    whole = result.seconds / n
    print(f"customers: {n:,}  extract rows: {sum(result.rows.values()):,}", end="")
    print(f" ({result.rows['balances']:,} balances, {result.rows['transactions']:,} transactions)")
    print(f"whole extract: {result.seconds:.1f} s, {1 / whole:,.0f} customers/s")
    print(f"baseline per-row pure Python customers table ({sample:,} sampled, csv.writer):")
    print(f"    {1 / per_row:,.0f} customers/s")
    print(f"vectorised customers table (build + write): {n / table:,.0f} customers/s")
    print(f"    plus drawing the population and traits: {n / population:,.0f} customers/s")
    print(f"ratio customers table, vectorised / per-row baseline: {per_row * n / table:.1f}x")
    print(
        f"ratio whole extract (all nine tables) / per-row customers table: {per_row / whole:.2f}x"
    )


if __name__ == "__main__":
    main()
