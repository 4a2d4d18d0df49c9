"""Bad input: every injected defect is rejected with its reason and nothing else is; files that
cannot be read fail cleanly; GBK extracts load; possible duplicate customers are reported."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyarrow.csv as pacsv
from sqlalchemy import Engine, func, select

from bankcrm.domain.contract import RejectKind
from bankcrm.store.models import Customer
from tests.integration.helpers import csv_rows, importer, store_snapshot, warehouse_snapshot


def _read_csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_exactly_the_injected_defects_are_rejected(
    store: Engine, dirty_extract: Path, small_extract: Path, tmp_path: Path
) -> None:
    rejects_path = tmp_path / "rejects.csv"
    report = importer(store, tmp_path).run(dirty_extract, rejects_path=rejects_path)
    assert report.ok, report.failed
    truth = {
        (d["file"], int(d["line"]), d["column"], d["kind"])
        for d in _read_csv_rows(dirty_extract / "_truth" / "defects.csv")
    }
    assert {kind for *_, kind in truth} == {k.value for k in RejectKind}  # every kind injected
    rejects = _read_csv_rows(rejects_path)
    found = {(r["file"], int(r["line"]), r["column"], r["reason"]) for r in rejects}
    assert found == truth
    assert all(r["detail"] for r in rejects)  # every reject says why in words
    for name, t in report.tables.items():
        assert t.read == t.accepted + t.rejected, name
        injected = sum(1 for d in truth if d[0] == t.file)
        assert t.rejected == injected, name
        # What is accepted is exactly the clean extract of the same seed.
        assert t.accepted == csv_rows(small_extract / t.file), name


def test_gbk_extract_loads_with_encoding_option(
    store: Engine, extract_copy: Path, small_extract: Path, tmp_path: Path
) -> None:
    text = (small_extract / "customers.csv").read_text(encoding="utf-8")
    (extract_copy / "customers.csv").write_bytes(text.encode("gbk"))
    report = importer(store, tmp_path).run(extract_copy, encoding="gbk")
    assert report.ok, report.failed
    with store.connect() as conn:
        names = set(conn.execute(select(Customer.name)).scalars())
    expected = {r["name"] for r in _read_csv_rows(small_extract / "customers.csv")}
    assert names == expected  # Chinese names survive the GBK round trip


def test_wrong_encoding_fails_the_file_and_loads_nothing_after_it(
    store: Engine, extract_copy: Path, tmp_path: Path
) -> None:
    text = (extract_copy / "customers.csv").read_text(encoding="utf-8")
    (extract_copy / "customers.csv").write_bytes(text.encode("gbk"))
    loader = importer(store, tmp_path)
    report = loader.run(extract_copy)  # read as UTF-8
    assert not report.ok
    message = report.failed["customers.csv"]
    assert "UTF-8" in message or "utf-8" in message
    assert "gb18030" in message.lower() or "gbk" in message.lower()
    assert "accounts.csv" in report.not_loaded
    assert "customers" not in report.tables
    with store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Customer)).scalar_one() == 0


def test_missing_column_fails_with_its_name(
    store: Engine, extract_copy: Path, tmp_path: Path
) -> None:
    importer(store, tmp_path).run(extract_copy)
    before = (
        store_snapshot(store, exclude=("alembic_version", "import_runs")),
        warehouse_snapshot(tmp_path / "warehouse"),
    )
    table = pacsv.read_csv(extract_copy / "products.csv")
    pacsv.write_csv(table.drop_columns(["product_type"]), extract_copy / "products.csv")
    report = importer(store, tmp_path).run(extract_copy)
    assert "product_type" in report.failed["products.csv"]
    after = (
        store_snapshot(store, exclude=("alembic_version", "import_runs")),
        warehouse_snapshot(tmp_path / "warehouse"),
    )
    assert after == before


def test_possible_duplicate_customers_are_reported_not_merged(
    store: Engine, extract_copy: Path, tmp_path: Path
) -> None:
    rows = list(csv.reader((extract_copy / "customers.csv").open(encoding="utf-8")))
    header, original = rows[0], rows[1]
    twin = list(original)
    twin[header.index("customer_id")] = "DUP" + original[header.index("customer_id")]
    with (extract_copy / "customers.csv").open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(twin)
    report = importer(store, tmp_path).run(extract_copy)
    assert report.ok
    groups = report.possible_duplicate_customers
    assert [sorted(g["customer_ids"]) for g in groups] == [
        sorted([original[header.index("customer_id")], twin[header.index("customer_id")]])
    ]
    assert original[header.index("id_number")] not in str(groups)  # masked in the report
    with store.connect() as conn:
        ids = set(conn.execute(select(Customer.customer_id)).scalars())
    assert {original[header.index("customer_id")], twin[header.index("customer_id")]} <= ids


def test_parquet_extract_loads_the_same_as_csv(
    store: Engine, small_extract: Path, tmp_path: Path
) -> None:
    from bankcrm.synth import SynthOptions, generate  # noqa: PLC0415
    from tests.integration.conftest import SMALL  # noqa: PLC0415

    parquet = tmp_path / "parquet"
    generate(parquet, SynthOptions(**{**SMALL.__dict__, "format": "parquet"}))
    report = importer(store, tmp_path).run(parquet)
    assert report.ok, report.failed
    for name, t in report.tables.items():
        assert (t.accepted, t.rejected) == (csv_rows(small_extract / f"{name}.csv"), 0), name
    shutil.rmtree(parquet)


def test_two_files_for_one_table_fail_that_table(
    store: Engine, extract_copy: Path, tmp_path: Path
) -> None:
    import pyarrow.parquet as pq  # noqa: PLC0415

    pq.write_table(
        pacsv.read_csv(extract_copy / "customers.csv"), extract_copy / "customers.parquet"
    )
    report = importer(store, tmp_path).run(extract_copy)
    assert not report.ok
    assert any("customers" in file for file in report.failed)
    assert "customers" not in report.tables
    assert "accounts.csv" in report.not_loaded  # nothing after the failure is loaded
