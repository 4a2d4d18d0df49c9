"""Tables of the store. Money is integer fen (分); codes are the contract's code names."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Identifiers and names are Text, not VARCHAR(n): the core system decides their lengths, and a
# limit here would turn one long value into a failed file on PostgreSQL.
CODE = String(40)  # contract enumerations only: validated before they reach the store


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Branch(Base):
    __tablename__ = "branches"

    branch_id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    # Deferred so a branch tree can arrive in any order within one file (PostgreSQL).
    parent_id: Mapped[str | None] = mapped_column(
        Text, ForeignKey("branches.branch_id", deferrable=True, initially="DEFERRED"), index=True
    )
    level: Mapped[str] = mapped_column(CODE)
    region_code: Mapped[str] = mapped_column(String(6))


class Employee(Base):
    __tablename__ = "employees"

    employee_id: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.branch_id"), index=True)
    role: Mapped[str] = mapped_column(CODE)
    hired_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)


class Product(Base):
    __tablename__ = "products"

    product_code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    product_type: Mapped[str] = mapped_column(CODE)
    risk_level: Mapped[str | None] = mapped_column(String(2))


class Customer(Base):
    __tablename__ = "customers"

    customer_id: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_type: Mapped[str] = mapped_column(CODE)
    name: Mapped[str] = mapped_column(Text)
    id_type: Mapped[str] = mapped_column(CODE)
    id_number: Mapped[str] = mapped_column(Text, index=True)
    gender: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(Text)
    region_code: Mapped[str | None] = mapped_column(String(6))
    occupation: Mapped[str | None] = mapped_column(Text)
    education: Mapped[str | None] = mapped_column(Text)
    branch_id: Mapped[str] = mapped_column(ForeignKey("branches.branch_id"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    marketing_consent: Mapped[bool] = mapped_column(Boolean)
    risk_level: Mapped[str | None] = mapped_column(String(2))


class Account(Base):
    """An account, with its latest month-end balance as a summary for the customer-360 view."""

    __tablename__ = "accounts"

    account_id: Mapped[str] = mapped_column(Text, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), index=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("products.product_code"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    maturity_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    balance_fen: Mapped[int | None] = mapped_column(BigInteger)
    balance_as_of: Mapped[date | None] = mapped_column(Date)


class Assignment(Base):
    """Which relationship manager looks after a customer (管户), with history."""

    __tablename__ = "assignments"

    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.customer_id"), primary_key=True)
    start_on: Mapped[date] = mapped_column(Date, primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("employees.employee_id"), index=True)
    end_on: Mapped[date | None] = mapped_column(Date)


class ImportRun(Base):
    """One run of the importer: what it read, and its report (JSON)."""

    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(Text)
    operator: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))  # running, succeeded, failed
    report: Mapped[str | None] = mapped_column(Text)


class ImportChange(Base):
    """A column of a stored row that an import changed: who (which run) changed what."""

    __tablename__ = "import_changes"
    __table_args__ = (Index("ix_import_changes_table_key", "table_name", "row_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    row_key: Mapped[str] = mapped_column(String(200))
    column_name: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


# Contract table name → model, for the tables the store keeps.
STORE_TABLES: dict[str, type[Base]] = {
    "branches": Branch,
    "employees": Employee,
    "products": Product,
    "customers": Customer,
    "accounts": Account,
    "assignments": Assignment,
}
