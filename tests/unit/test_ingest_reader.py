"""Reading extract files: CSV (BOM, encodings, gzip), Parquet and XLSX, and unreadable files."""

from __future__ import annotations

import gzip
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankcrm.domain.contract import TABLES
from bankcrm.ingest import ExtractReadError, Lookups, find_table_file, read_table, validate

CUSTOMERS = TABLES["customers"]
HEADER = ",".join(CUSTOMERS.column_names)
ROW = "C1,individual,张三,resident_id,11010519491231002X,F,1949-12-31,13812345678,110105,,,B1,2020-01-01,,true,C3"  # noqa: E501
TRANSACTIONS = TABLES["transactions"]
LOOKUPS = Lookups(
    keys={
        "branches.branch_id": pa.array(["B1"]),
        "accounts.account_id": pa.array(["A1"]),
    }
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_utf8_with_bom(tmp_path: Path) -> None:
    raw = read_table(write(tmp_path / "customers.csv", f"\ufeff{HEADER}\n{ROW}\n"), CUSTOMERS)
    assert raw.table.column_names == [*CUSTOMERS.column_names, "_line"]
    assert raw.table["customer_id"].to_pylist() == ["C1"]
    assert raw.table["name"].to_pylist() == ["张三"]
    assert raw.warnings == []


def test_gbk_file_read_as_gbk(tmp_path: Path) -> None:
    path = write(tmp_path / "customers.csv", f"{HEADER}\n{ROW}\n", "gbk")
    raw = read_table(path, CUSTOMERS, encoding="gbk")
    assert raw.table["name"].to_pylist() == ["张三"]
    assert read_table(path, CUSTOMERS, encoding="GB18030").table["name"].to_pylist() == ["张三"]


def test_gbk_file_read_as_utf8_says_which_encoding_to_try(tmp_path: Path) -> None:
    path = write(tmp_path / "customers.csv", f"{HEADER}\n{ROW}\n", "gbk")
    with pytest.raises(ExtractReadError) as caught:
        read_table(path, CUSTOMERS)
    offset = len(f"{HEADER}\nC1,individual,".encode())  # the first byte of 张 in GBK
    assert caught.value.file == "customers.csv"
    assert caught.value.message == str(caught.value)
    assert "customers.csv is not valid UTF-8" in caught.value.message
    assert f"first bad byte at offset {offset}" in caught.value.message
    assert "--encoding gb18030" in caught.value.message


def test_utf8_file_in_a_gbk_extract_is_read_as_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "customers.csv", f"{HEADER}\n{ROW}\n")
    raw = read_table(path, CUSTOMERS, encoding="gbk")
    assert raw.table["name"].to_pylist() == ["张三"]  # as GBK it would be 寮犱笁
    assert raw.warnings == ["customers.csv is valid UTF-8, so it was read as UTF-8, not GBK"]
    ascii_only = write(tmp_path / "balances.csv", "as_of,account_id,balance\n")
    assert read_table(ascii_only, TABLES["balances"], encoding="gbk").warnings == []


def test_gbk_file_that_is_not_gbk_suggests_gb18030(tmp_path: Path) -> None:
    text = f"{HEADER}\n{ROW.replace('张三', '张三𠀀')}\n"  # U+20000 is in GB18030, not GBK
    path = write(tmp_path / "customers.csv", text, "gb18030")
    with pytest.raises(ExtractReadError, match=r"not valid GBK .*try --encoding gb18030"):
        read_table(path, CUSTOMERS, encoding="gbk")
    assert read_table(path, CUSTOMERS, encoding="gb18030").table["name"].to_pylist() == ["张三𠀀"]


def test_bytes_valid_in_no_encoding(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(HEADER.encode() + b"\n\xff\xff\xff\n")
    with pytest.raises(ExtractReadError, match="not valid UTF-8 or GB18030 either"):
        read_table(path, CUSTOMERS)


def test_missing_column_is_named(tmp_path: Path) -> None:
    header = HEADER.replace(",phone", ",Phone").replace(",education", "")
    with pytest.raises(ExtractReadError) as caught:
        read_table(write(tmp_path / "customers.csv", f"{header}\n"), CUSTOMERS)
    assert "lacks the column(s) phone, education" in caught.value.message
    assert "'Phone' looks like 'phone'" in caught.value.message


def test_extra_column_is_ignored_with_a_warning_and_order_is_free(tmp_path: Path) -> None:
    text = "balance,note,account_id,as_of\n1.00,hello,A1,2024-01-31\n"
    raw = read_table(write(tmp_path / "balances.csv", text), TABLES["balances"])
    assert raw.table.column_names == ["as_of", "account_id", "balance", "_line"]
    assert raw.table.to_pylist() == [
        {"as_of": "2024-01-31", "account_id": "A1", "balance": "1.00", "_line": 2}
    ]
    assert len(raw.warnings) == 1
    assert "note" in raw.warnings[0]


def test_empty_is_null_and_nothing_else_is_changed(tmp_path: Path) -> None:
    text = (
        "txn_id,account_id,booked_at,amount,channel,counterparty_type,counterparty_name,memo,"
        'customer_initiated\nT1,A1,2024-01-15T10:00:00,1,atm,other,"",NA,Y\n'
        'T2,A1,2024-01-15T10:00:00,1,atm,other, x ,"two\nlines",N\n'
        "T3,A1,2024-01-15T10:00:00,1,atm,other,null,,N\n"
    )
    raw = read_table(write(tmp_path / "transactions.csv", text), TRANSACTIONS)
    assert raw.table["counterparty_name"].to_pylist() == [None, " x ", "null"]
    assert raw.table["memo"].to_pylist() == ["NA", "two\nlines", None]
    assert raw.table["_line"].to_pylist() == [2, 3, 4]  # records, not physical lines


def test_gzip(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv.gz"
    path.write_bytes(gzip.compress(f"{HEADER}\n{ROW}\n".encode()))
    raw = read_table(path, CUSTOMERS)
    assert raw.file == "customers.csv.gz"
    assert raw.table["id_number"].to_pylist() == ["11010519491231002X"]


def test_row_with_wrong_field_count_fails_naming_the_line(tmp_path: Path) -> None:
    text = f"{HEADER}\n{ROW}\n{ROW},extra\n{ROW}\n"
    with pytest.raises(ExtractReadError, match=r"1 row\(s\) .* first on line 3"):
        read_table(write(tmp_path / "customers.csv", text), CUSTOMERS)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("customers.csv", b"", "is empty"),
        ("customers.csv.gz", b"not gzip at all", "cannot be read"),
        ("customers.parquet", b"PAR1 not really", "not a readable Parquet file"),
        ("customers.xlsx", b"PK not a zip", "not a readable XLSX workbook"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExtractReadError, match=expected) as caught:
        read_table(path, CUSTOMERS)
    assert caught.value.file == name


def test_unknown_encoding(tmp_path: Path) -> None:
    with pytest.raises(ExtractReadError, match="unknown encoding 'latin-1'"):
        read_table(write(tmp_path / "customers.csv", f"{HEADER}\n"), CUSTOMERS, "latin-1")


def test_find_table_file(tmp_path: Path) -> None:
    assert find_table_file(tmp_path, "customers") is None
    write(tmp_path / "customers.xlsx", "")
    assert find_table_file(tmp_path, "customers") == tmp_path / "customers.xlsx"
    write(tmp_path / "customers.csv.gz", "")
    with pytest.raises(ExtractReadError, match="2 files for table customers"):
        find_table_file(tmp_path, "customers")
    write(tmp_path / "balances.xlsx", "")
    with pytest.raises(ExtractReadError, match="balances cannot come as a spreadsheet"):
        find_table_file(tmp_path, "balances")


TXN_CSV = (
    f"{','.join(TRANSACTIONS.column_names)}\n"
    "T1,A1,2024-01-15T10:00:00,-50.50,counter,own_account,,,true\n"
    "T2,A1,2024-01-15T23:59:59,1234567.89,atm,salary,某公司,工资,false\n"
    "T3,A1,2024-02-01T00:00:00,0.10,pos,merchant,,,\n"  # missing bool: rejected either way
)


def test_parquet_gives_the_same_accepted_table_as_csv(tmp_path: Path) -> None:
    typed = pa.table(
        {
            "memo": pa.array([None, "工资", None], pa.string()),  # column order is free
            "txn_id": ["T1", "T2", "T3"],
            "account_id": pa.array(["A1", "A1", "A1"]).dictionary_encode(),
            "booked_at": pa.array(
                [
                    datetime(2024, 1, 15, 10),
                    datetime(2024, 1, 15, 23, 59, 59),
                    datetime(2024, 2, 1),
                ],
                pa.timestamp("us"),
            ),
            "amount": pa.array(
                [Decimal("-50.5"), Decimal("1234567.89"), Decimal("0.1")], pa.decimal128(20, 4)
            ),
            "channel": ["counter", "atm", "pos"],
            "counterparty_type": ["own_account", "salary", "merchant"],
            "counterparty_name": [None, "某公司", None],
            "customer_initiated": pa.array([True, False, None]),
        }
    )
    pq.write_table(typed, tmp_path / "transactions.parquet")
    from_parquet = validate(read_table(tmp_path / "transactions.parquet", TRANSACTIONS), LOOKUPS)
    csv_path = write(tmp_path / "transactions.csv", TXN_CSV)
    from_csv = validate(read_table(csv_path, TRANSACTIONS), LOOKUPS)
    assert from_parquet.accepted.equals(from_csv.accepted)
    assert from_parquet.accepted_count == 2
    assert from_parquet.rejects.drop_columns(["file"]).equals(
        from_csv.rejects.drop_columns(["file"])
    )
    assert from_parquet.rejects["reason"].to_pylist() == ["missing_value"]


def test_parquet_dates_floats_and_sub_second_times(tmp_path: Path) -> None:
    typed = pa.table(
        {
            "txn_id": ["T1", "T2"],
            "account_id": ["A1", "A1"],
            "booked_at": pa.array(
                [datetime(2024, 1, 15, 10), datetime(2024, 1, 15, 10, 0, 0, 500_000)],
                pa.timestamp("ms"),
            ),
            "amount": [0.1, 2.0],
            "channel": ["atm", "atm"],
            "counterparty_type": ["other", "other"],
            "counterparty_name": pa.nulls(2),
            "memo": pa.nulls(2),
            "customer_initiated": [True, True],
        }
    )
    pq.write_table(typed, tmp_path / "transactions.parquet")
    raw = read_table(tmp_path / "transactions.parquet", TRANSACTIONS)
    assert raw.table["amount"].to_pylist() == ["0.1", "2"]
    assert raw.table["booked_at"].to_pylist()[0] == "2024-01-15T10:00:00"
    assert raw.table["booked_at"].to_pylist()[1].startswith("2024-01-15T10:00:00.5")
    assert any("amount is stored as floating point" in w for w in raw.warnings)
    result = validate(raw, LOOKUPS)
    assert result.rejects["reason"].to_pylist() == ["bad_datetime"]


def test_parquet_missing_column(tmp_path: Path) -> None:
    pq.write_table(pa.table({"as_of": [date(2024, 1, 31)]}), tmp_path / "balances.parquet")
    with pytest.raises(ExtractReadError, match="lacks the column"):
        read_table(tmp_path / "balances.parquet", TABLES["balances"])


def test_xlsx_cells_become_contract_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*CUSTOMERS.column_names, "备注"])
    row: list[object] = [
        "C1", "individual", "张三", "resident_id", "11010519491231002X", "F",
        datetime(1949, 12, 31), 13812345678, 110105, None, None, "B1", date(2020, 1, 1), None,
        True, "C3", "extra",
    ]  # fmt: skip
    sheet.append(row)
    sheet.append([None] * len(row))  # a blank row is not a record
    sheet.append(["C2", *row[1:12], datetime(2020, 1, 1, 9, 30), None, 0, None])
    book.save(tmp_path / "customers.xlsx")
    raw = read_table(tmp_path / "customers.xlsx", CUSTOMERS)
    assert raw.table["_line"].to_pylist() == [2, 4]
    assert raw.table["birth_date"].to_pylist() == ["1949-12-31", "1949-12-31"]
    assert raw.table["phone"].to_pylist() == ["13812345678", "13812345678"]
    assert raw.table["region_code"].to_pylist() == ["110105", "110105"]
    assert raw.table["opened_on"].to_pylist() == ["2020-01-01", "2020-01-01T09:30:00"]
    assert raw.table["marketing_consent"].to_pylist() == ["true", "0"]
    assert any("备注" in w for w in raw.warnings)
    result = validate(raw, LOOKUPS)
    assert result.accepted["customer_id"].to_pylist() == ["C1"]
    assert result.accepted["opened_on"].to_pylist() == [date(2020, 1, 1)]
    assert [(r["line"], r["reason"]) for r in result.rejects.to_pylist()] == [(4, "bad_date")]


def test_parquet_timestamps_in_date_columns(tmp_path: Path) -> None:
    typed = pa.table(
        {
            "as_of": pa.array(
                [datetime(2024, 1, 31), datetime(2024, 2, 29, 10)], pa.timestamp("ns")
            ),
            "account_id": ["A1", "A1"],
            "balance": pa.array([Decimal("1.00"), Decimal("2.00")], pa.decimal128(18, 2)),
        }
    )
    pq.write_table(typed, tmp_path / "balances.parquet")
    raw = read_table(tmp_path / "balances.parquet", TABLES["balances"])
    assert raw.table["as_of"].to_pylist() == ["2024-01-31", "2024-02-29T10:00:00"]
    assert raw.table["balance"].to_pylist() == ["1.00", "2.00"]
    result = validate(raw, LOOKUPS)
    assert result.accepted["as_of"].to_pylist() == [date(2024, 1, 31)]
    assert result.rejects["reason"].to_pylist() == ["bad_date"]
