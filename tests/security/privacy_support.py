"""Shared pieces of the masking, consent and privacy tests: logins for each role on the
synthetic branch (tests/crm/branch.py), the API app with the privacy routes, audit lookups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.api.app import API_PREFIX, create_app
from bankcrm.api.routes import privacy
from bankcrm.config import Settings
from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.sessions import Kind, actor_of, issue
from bankcrm.store.models import AuditRecord, User
from tests.auth_helpers import make_user
from tests.crm.branch import CrmStore

add_user = make_user  # a login row; tests log in by token


def bearer(session: Session, user: User) -> dict[str, str]:
    issued = issue(session, user, Kind.API, SecuritySettings())
    return {"Authorization": f"Bearer {issued.token}"}


@dataclass
class Cast:
    """The synthetic branch's people for the tests: an RM with a book, a branch manager, and
    customers in and out of their scopes."""

    rm: str  # employee_id
    rm_customer: str  # in the RM's book, in the manager's subtree
    manager: str
    manager_branch: str
    outside: str  # in neither the RM's book nor the manager's subtree
    customers: pd.DataFrame  # customers.csv, indexed by customer_id


def cast(crm: CrmStore) -> Cast:
    """Read off the extract (not the code under test): the manager of B0102 (subtree B0102
    and B0111), an RM at B0102 or B0111 with a current book, an individual customer of that
    book, and an individual customer of B0101 (outside the subtree and the book)."""
    customers = pd.read_csv(crm.extract / "customers.csv", dtype=str).set_index("customer_id")
    employees = pd.read_csv(crm.extract / "employees.csv", dtype=str)
    book = pd.read_csv(crm.extract / "assignments.csv", dtype=str).query("end_on != end_on")
    subtree = {"B0102", "B0111"}
    manager = employees.query("role == 'branch_manager' and branch_id == 'B0102'")
    rms = employees.query("role == 'relationship_manager' and left_on != left_on")
    book = book[book["employee_id"].isin(rms.loc[rms["branch_id"].isin(subtree), "employee_id"])]
    book = book[book["customer_id"].map(customers["customer_type"]) == "individual"]
    book = book[book["customer_id"].map(customers["branch_id"]).isin(subtree)]
    first = book.sort_values("customer_id").iloc[0]
    rm_book = set(book.loc[book["employee_id"] == first["employee_id"], "customer_id"])
    outside = customers[
        (customers["branch_id"] == "B0101")
        & (customers["customer_type"] == "individual")
        & ~customers.index.isin(rm_book)
        & customers["phone"].notna()
    ].index[0]
    return Cast(
        rm=first["employee_id"],
        rm_customer=first["customer_id"],
        manager=manager["employee_id"].iloc[0],
        manager_branch="B0102",
        outside=outside,
        customers=customers,
    )


def logins(crm: CrmStore, c: Cast) -> dict[str, User]:
    """One login per role (the RM and the manager bound to their employees)."""
    with crm.sessions() as s:
        return {
            "rm": add_user(s, "rm1", Role.RELATIONSHIP_MANAGER, c.rm, c.manager_branch),
            "manager": add_user(s, "bm1", Role.BRANCH_MANAGER, c.manager, c.manager_branch),
            "analyst": add_user(s, "an1", Role.ANALYST),
            "teller": add_user(s, "te1", Role.TELLER, branch_id=c.manager_branch),
            "auditor": add_user(s, "au1", Role.AUDITOR),
            "admin": add_user(s, "ad1", Role.ADMIN),
        }


def actor(user: User) -> Actor:
    return actor_of(user)


def app_for(crm: CrmStore, data_dir: Path) -> FastAPI:
    """The API app on the branch, with the privacy routes (included here until app.py
    includes them itself; then this adds nothing)."""
    settings = Settings(data_dir=data_dir, database_url=crm.url, warehouse_dir=crm.warehouse.root)
    app = create_app(settings)
    paths = {getattr(r, "path", "") for r in app.routes}
    if f"{API_PREFIX}/customers/{{customer_id}}/unmask" not in paths:
        app.include_router(privacy.router, prefix=API_PREFIX)
    return app


def audit_rows(session: Session, action: str) -> list[AuditRecord]:
    return list(
        session.scalars(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.seq)
        )
    )


def detail(record: AuditRecord) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(record.detail or "{}")
    return loaded
