"""The core-banking extract contract, version 1 (EXTRACT_FORMAT.md), as data.

The importer validates against these specs and the generator writes by them, so the two cannot
drift apart. ``RejectKind`` names every reason a row can be rejected for; the generator's
``--dirty`` mode injects each of them and the tests check the importer finds exactly those.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bankcrm.domain import enums

CONTRACT_VERSION = 1


class Kind(StrEnum):
    """How a column's text is parsed and checked."""

    TEXT = "text"
    DATE = "date"  # YYYY-MM-DD, a real date
    DATETIME = "datetime"  # YYYY-MM-DDTHH:MM:SS, local bank time, no zone
    BOOL = "bool"  # true/false, 1/0, Y/N
    MONEY = "money"  # decimal yuan, at most 2 decimals
    ENUM = "enum"  # one of Column.values
    REGION_CODE = "region_code"  # 6-digit GB/T 2260
    CURRENCY = "currency"  # ISO 4217: three capital letters


class RejectKind(StrEnum):
    """Why a row was rejected. The value is the code in the rejects report."""

    MISSING_VALUE = "missing_value"
    BAD_ENUM = "bad_enum"
    BAD_DATE = "bad_date"
    BAD_DATETIME = "bad_datetime"
    BAD_BOOL = "bad_bool"
    BAD_MONEY = "bad_money"
    BAD_REGION_CODE = "bad_region_code"
    BAD_CURRENCY = "bad_currency"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_REFERENCE = "unknown_reference"
    BAD_RESIDENT_ID = "bad_resident_id"
    ID_BIRTH_DATE_MISMATCH = "id_birth_date_mismatch"
    ID_GENDER_MISMATCH = "id_gender_mismatch"
    BAD_CREDIT_CODE = "bad_credit_code"
    BAD_PHONE = "bad_phone"
    END_BEFORE_START = "end_before_start"
    NOT_MONTH_END = "not_month_end"
    NEGATIVE_ASSET_BALANCE = "negative_asset_balance"
    BOOKED_BEFORE_OPENED = "booked_before_opened"


REJECT_REASONS_ZH: dict[RejectKind, str] = {
    RejectKind.MISSING_VALUE: "必填字段为空",
    RejectKind.BAD_ENUM: "取值不在枚举范围内",
    RejectKind.BAD_DATE: "日期无效（应为 YYYY-MM-DD 的真实日期）",
    RejectKind.BAD_DATETIME: "日期时间无效（应为 YYYY-MM-DDTHH:MM:SS）",
    RejectKind.BAD_BOOL: "布尔值无效（应为 true/false、1/0 或 Y/N）",
    RejectKind.BAD_MONEY: "金额无效（应为最多两位小数的元）",
    RejectKind.BAD_REGION_CODE: "行政区划代码无效（应为 6 位 GB/T 2260 代码）",
    RejectKind.BAD_CURRENCY: "币种无效（应为 ISO 4217 三位字母）",
    RejectKind.DUPLICATE_KEY: "主键在本批数据中重复",
    RejectKind.UNKNOWN_REFERENCE: "引用的记录不存在",
    RejectKind.BAD_RESIDENT_ID: "居民身份证号码无效（GB 11643 校验失败）",
    RejectKind.ID_BIRTH_DATE_MISMATCH: "出生日期与身份证号码不符",
    RejectKind.ID_GENDER_MISMATCH: "性别与身份证号码不符",
    RejectKind.BAD_CREDIT_CODE: "统一社会信用代码无效（GB 32100 校验失败）",
    RejectKind.BAD_PHONE: "电话号码无效",
    RejectKind.END_BEFORE_START: "结束日期早于开始日期",
    RejectKind.NOT_MONTH_END: "数据日期不是月末",
    RejectKind.NEGATIVE_ASSET_BALANCE: "资产类产品余额为负",
    RejectKind.BOOKED_BEFORE_OPENED: "交易时间早于账户开户日",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    nullable: bool = False
    values: tuple[str, ...] = ()  # for Kind.ENUM
    references: str | None = None  # "table.column" this column must resolve to


@dataclass(frozen=True)
class TableSpec:
    """One table of the extract: its file name, key and columns."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    xlsx_allowed: bool = False
    # (start column, end column): the end, when given, must not be before the start.
    periods: tuple[tuple[str, str], ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _enum(name: str, enum: type[StrEnum], nullable: bool = False) -> Column:
    return Column(name, Kind.ENUM, nullable, tuple(m.value for m in enum))


BRANCHES = TableSpec(
    "branches",
    ("branch_id",),
    (
        Column("branch_id"),
        Column("name"),
        Column("parent_id", nullable=True, references="branches.branch_id"),
        _enum("level", enums.BranchLevel),
        Column("region_code", Kind.REGION_CODE),
    ),
    xlsx_allowed=True,
)
EMPLOYEES = TableSpec(
    "employees",
    ("employee_id",),
    (
        Column("employee_id"),
        Column("name"),
        Column("branch_id", references="branches.branch_id"),
        _enum("role", enums.EmployeeRole),
        Column("hired_on", Kind.DATE),
        Column("left_on", Kind.DATE, nullable=True),
    ),
    xlsx_allowed=True,
    periods=(("hired_on", "left_on"),),
)
CUSTOMERS = TableSpec(
    "customers",
    ("customer_id",),
    (
        Column("customer_id"),
        _enum("customer_type", enums.CustomerType),
        Column("name"),
        _enum("id_type", enums.IdType),
        Column("id_number"),
        _enum("gender", enums.Gender, nullable=True),
        Column("birth_date", Kind.DATE, nullable=True),
        Column("phone", nullable=True),
        Column("region_code", Kind.REGION_CODE, nullable=True),
        Column("occupation", nullable=True),
        Column("education", nullable=True),
        Column("branch_id", references="branches.branch_id"),
        Column("opened_on", Kind.DATE),
        Column("closed_on", Kind.DATE, nullable=True),
        Column("marketing_consent", Kind.BOOL),
        _enum("risk_level", enums.CustomerRiskLevel, nullable=True),
    ),
    xlsx_allowed=True,
    periods=(("opened_on", "closed_on"),),
)
PRODUCTS = TableSpec(
    "products",
    ("product_code",),
    (
        Column("product_code"),
        Column("name"),
        _enum("product_type", enums.ProductType),
        _enum("risk_level", enums.ProductRiskLevel, nullable=True),
    ),
)
ACCOUNTS = TableSpec(
    "accounts",
    ("account_id",),
    (
        Column("account_id"),
        Column("customer_id", references="customers.customer_id"),
        Column("product_code", references="products.product_code"),
        Column("opened_on", Kind.DATE),
        Column("maturity_on", Kind.DATE, nullable=True),
        Column("closed_on", Kind.DATE, nullable=True),
        Column("currency", Kind.CURRENCY, nullable=True),  # empty means CNY
    ),
    periods=(("opened_on", "closed_on"), ("opened_on", "maturity_on")),
)
BALANCES = TableSpec(
    "balances",
    ("as_of", "account_id"),
    (
        Column("as_of", Kind.DATE),
        Column("account_id", references="accounts.account_id"),
        Column("balance", Kind.MONEY),
    ),
)
TRANSACTIONS = TableSpec(
    "transactions",
    ("txn_id",),
    (
        Column("txn_id"),
        Column("account_id", references="accounts.account_id"),
        Column("booked_at", Kind.DATETIME),
        Column("amount", Kind.MONEY),
        _enum("channel", enums.TransactionChannel),
        _enum("counterparty_type", enums.CounterpartyType),
        Column("counterparty_name", nullable=True),
        Column("memo", nullable=True),
        Column("customer_initiated", Kind.BOOL),
    ),
)
CHANNEL_ENROLLMENTS = TableSpec(
    "channel_enrollments",
    ("customer_id", "channel", "enrolled_on"),
    (
        Column("customer_id", references="customers.customer_id"),
        _enum("channel", enums.EnrollmentChannel),
        Column("enrolled_on", Kind.DATE),
        Column("cancelled_on", Kind.DATE, nullable=True),
    ),
    periods=(("enrolled_on", "cancelled_on"),),
)
ASSIGNMENTS = TableSpec(
    "assignments",
    ("customer_id", "start_on"),
    (
        Column("customer_id", references="customers.customer_id"),
        Column("employee_id", references="employees.employee_id"),
        Column("start_on", Kind.DATE),
        Column("end_on", Kind.DATE, nullable=True),
    ),
    periods=(("start_on", "end_on"),),
)

# In load order: every table after the tables it references.
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        BRANCHES,
        EMPLOYEES,
        PRODUCTS,
        CUSTOMERS,
        ACCOUNTS,
        ASSIGNMENTS,
        CHANNEL_ENROLLMENTS,
        BALANCES,
        TRANSACTIONS,
    )
}

TRUE_TEXTS = frozenset({"true", "1", "Y"})
FALSE_TEXTS = frozenset({"false", "0", "N"})
DEFAULT_CURRENCY = "CNY"
