"""Every API route with every role, and with no, an expired and a tampered token.

The expectations below are written by hand from the security model (docs/security.md), not
read from the code's permission table, so a change to either shows up here. A route missing
from ``EXPECTED`` fails the test: a new route needs a decision about who may call it.

Besides the status, every answer of every role is scanned for customer ids and ID numbers:
an RM's and a manager's answers name no customer outside their scope, and no answer but the
deliberate ones (unmasking, the data-subject export) carries an ID number in clear."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from bankcrm.api.app import create_app
from bankcrm.crm import contacts, needs, segments
from bankcrm.crm.contacts import ContactChannel, ContactInput, ContactOutcome
from bankcrm.crm.segments_rules import parse_rule
from bankcrm.domain.actor import SYSTEM, Role
from bankcrm.domain.crm_settings import CrmSettings
from bankcrm.domain.security_settings import SecuritySettings
from bankcrm.security.passwords import hash_password
from bankcrm.security.sessions import Kind, issue, now
from bankcrm.store.models import Assignment, AuthSession, Customer, Task, User
from tests.api.conftest import settings_for
from tests.auth_helpers import make_user
from tests.crm.branch import CrmStore

RM, BM, TELLER, ANALYST, AUDITOR, ADMIN = (
    Role.RELATIONSHIP_MANAGER,
    Role.BRANCH_MANAGER,
    Role.TELLER,
    Role.ANALYST,
    Role.AUDITOR,
    Role.ADMIN,
)
ANYONE = frozenset(Role)
MANAGER_BRANCH = "B0100"  # the city branch: every outlet with customers is below it
CUSTOMER_ID = re.compile(r"C\d{10}")
ON = "2021-01-05"


@dataclass
class World:
    """What the requests refer to: an RM with a book, their customer and records, another RM,
    a manager's subtree, a counter visit."""

    rm: str
    other_rm: str
    customer: str  # in the RM's book, below the manager's branch
    customer_name: str
    customer_id_number: str
    visible: dict[Role, set[str]] = field(default_factory=dict)
    ids: dict[str, int | str] = field(default_factory=dict)


def _csv(crm: CrmStore, name: str) -> pd.DataFrame:
    return pd.read_csv(crm.extract / f"{name}.csv", dtype=str)


def _subtree(branches: pd.DataFrame, root: str) -> set[str]:
    found, frontier = {root}, {root}
    while frontier:
        frontier = set(branches.loc[branches["parent_id"].isin(frontier), "branch_id"]) - found
        found |= frontier
    return found


def _world(crm: CrmStore) -> World:
    customers, branches = _csv(crm, "customers"), _csv(crm, "branches")
    under = set(customers.loc[customers["branch_id"].isin(_subtree(branches, MANAGER_BRANCH)),
                              "customer_id"])  # fmt: skip
    a = _csv(crm, "assignments")
    books = a[a["end_on"].isna()].groupby("employee_id")["customer_id"].apply(set)
    books = books[books.apply(lambda b: b <= under and len(b) >= 2)]
    rm, other = books.index[0], books.index[1]
    customer = sorted(books[rm])[0]
    row = customers.set_index("customer_id").loc[customer]
    return World(
        rm=rm,
        other_rm=other,
        customer=customer,
        customer_name=row["name"],
        customer_id_number=row["id_number"],
        visible={RM: set(books[rm]), BM: under},
    )


def _seed(crm: CrmStore, w: World) -> None:
    """Records for the routes that take an id, made by the system as an import or a job would."""
    with crm.sessions() as s:
        contact = contacts.log_contact(
            s,
            SYSTEM,
            w.customer,
            ContactInput(
                channel=ContactChannel.CALL,
                outcome=ContactOutcome.INTERESTED,
                occurred_at=pd.Timestamp("2021-01-04 10:00").to_pydatetime(),
                notes="对理财有兴趣",
            ),
        )
        need = needs.record_need(s, SYSTEM, crm_settings(), w.customer, "retirement")
        segment = segments.save_segment(
            s, SYSTEM, "高净值", parse_rule({"field": "tier", "op": "in", "value": ["gold"]})
        )
        branch = s.scalar(select(Customer.branch_id).where(Customer.customer_id == w.customer))
        task = Task(
            rule="maturity", customer_id=w.customer, employee_id=w.rm, branch_id=branch,
            title="到期提醒", created_on=date(2021, 1, 4), due_on=date(2021, 1, 31),
            status="open", run_key="matrix-task",
        )  # fmt: skip
        s.add(task)
        s.commit()
        w.ids.update(contact=contact.id, need=need.id, segment=segment.id, task=task.id)


def crm_settings() -> CrmSettings:
    return CrmSettings()


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # the OpenAPI path template
    allowed: frozenset[Role]
    url: Callable[[World], str]
    body: Callable[[World], dict[str, Any] | None] = lambda w: None
    params: dict[str, Any] = field(default_factory=dict)
    deliberate_clear: bool = False  # the answer shows personal data in clear, by design


V1 = "/api/v1"


def _c(w: World) -> str:
    return f"{V1}/customers/{w.customer}"


def _contact(w: World) -> dict[str, Any]:
    return {"channel": "call", "outcome": "interested", "occurred_at": "2021-01-05T09:00:00"}


RULE = {"field": "tier", "op": "in", "value": ["standard", "gold", "platinum", "diamond"]}
CAMPAIGN = {
    "name": "矩阵测试",
    "rule": RULE,
    "as_of": "2020-12-31",
    "start_on": "2021-01-01",
    "product_type": "wealth_management",
    "control_share": 0,
    "seed": 1,
}
VISIT = {"terminal_id": "T-01"}

# Read routes first, then changes, then what moves customers or ends sessions: a call may change
# what the next one sees, never whether it is permitted.
EXPECTED: list[Call] = [
    Call("GET", "/api/v1/auth/me", ANYONE, lambda w: f"{V1}/auth/me"),
    Call("GET", "/api/v1/users", frozenset({ADMIN}), lambda w: f"{V1}/users"),
    Call("GET", "/api/v1/customers", frozenset({RM, BM, ANALYST}), lambda w: f"{V1}/customers",
         params={"page_size": 200}),
    Call("GET", "/api/v1/customers/{customer_id}", frozenset({RM, BM}), _c),
    Call("GET", "/api/v1/customers/{customer_id}/transactions", frozenset({RM, BM}),
         lambda w: f"{_c(w)}/transactions"),
    Call("GET", "/api/v1/customers/{customer_id}/contacts", frozenset({RM, BM}),
         lambda w: f"{_c(w)}/contacts"),
    Call("GET", "/api/v1/customers/{customer_id}/needs", frozenset({RM, BM}),
         lambda w: f"{_c(w)}/needs"),
    Call("GET", "/api/v1/customers/{customer_id}/assignments", frozenset({RM, BM}),
         lambda w: f"{_c(w)}/assignments"),
    Call("GET", "/api/v1/customers/{customer_id}/subject-export", frozenset({BM}),
         lambda w: f"{_c(w)}/subject-export", params={"reason": "客户申请查阅个人信息"},
         deliberate_clear=True),
    Call("GET", "/api/v1/contacts", frozenset({RM, BM}), lambda w: f"{V1}/contacts",
         params={"employee_id": "E00001"}),
    Call("GET", "/api/v1/contacts/{contact_id}", frozenset({RM, BM}),
         lambda w: f"{V1}/contacts/{w.ids['contact']}"),
    Call("GET", "/api/v1/needs/catalogue", ANYONE, lambda w: f"{V1}/needs/catalogue"),
    Call("GET", "/api/v1/needs/aggregate", frozenset({RM, BM, ANALYST}),
         lambda w: f"{V1}/needs/aggregate", params={"by": "tier"}),
    Call("GET", "/api/v1/needs/{need_id}", frozenset({RM, BM}),
         lambda w: f"{V1}/needs/{w.ids['need']}"),
    Call("GET", "/api/v1/assignments/workload", frozenset({BM}),
         lambda w: f"{V1}/assignments/workload"),
    Call("GET", "/api/v1/tasks", frozenset({RM, BM}), lambda w: f"{V1}/tasks"),
    Call("GET", "/api/v1/tasks/{task_id}", frozenset({RM, BM}),
         lambda w: f"{V1}/tasks/{w.ids['task']}"),
    Call("GET", "/api/v1/segments/fields", ANYONE, lambda w: f"{V1}/segments/fields"),
    Call("GET", "/api/v1/segments", frozenset({RM, BM, ANALYST}), lambda w: f"{V1}/segments"),
    Call("GET", "/api/v1/segments/{segment_id}", frozenset({RM, BM, ANALYST}),
         lambda w: f"{V1}/segments/{w.ids['segment']}"),
    Call("GET", "/api/v1/segments/{segment_id}/export", frozenset({BM, ANALYST}),
         lambda w: f"{V1}/segments/{w.ids['segment']}/export"),
    Call("GET", "/api/v1/campaigns", frozenset({RM, BM, ANALYST}), lambda w: f"{V1}/campaigns"),
    Call("GET", "/api/v1/analytics", frozenset({BM, ANALYST}), lambda w: f"{V1}/analytics",
         params={"from_year": 2020, "to_year": 2020}),
    Call("GET", "/api/v1/diagnosis", frozenset({BM, ANALYST}), lambda w: f"{V1}/diagnosis"),
    Call("GET", "/api/v1/report", frozenset({BM, ANALYST}), lambda w: f"{V1}/report",
         params={"format": "xlsx"}),
    Call("GET", "/api/v1/audit", frozenset({AUDITOR}), lambda w: f"{V1}/audit"),
    Call("GET", "/api/v1/audit/export", frozenset({AUDITOR}), lambda w: f"{V1}/audit/export",
         params={"format": "csv"}),
    Call("GET", "/api/v1/audit/verify", frozenset({AUDITOR}), lambda w: f"{V1}/audit/verify"),
    Call("GET", "/api/v1/counter/policy", ANYONE, lambda w: f"{V1}/counter/policy"),
    # -- changes ------------------------------------------------------------------------
    Call("POST", "/api/v1/users", frozenset({ADMIN}), lambda w: f"{V1}/users",
         lambda w: {"username": "matrix.new", "role": "analyst"}),
    Call("POST", "/api/v1/auth/totp/enrol", frozenset({ADMIN, BM}),
         lambda w: f"{V1}/auth/totp/enrol"),
    Call("POST", "/api/v1/auth/totp/confirm", frozenset({ADMIN, BM}),
         lambda w: f"{V1}/auth/totp/confirm", lambda w: {"code": "000000"}),
    Call("POST", "/api/v1/customers/{customer_id}/contacts", frozenset({RM, BM}),
         lambda w: f"{_c(w)}/contacts", _contact),
    Call("POST", "/api/v1/customers/{customer_id}/needs", frozenset({RM, BM}),
         lambda w: f"{_c(w)}/needs", lambda w: {"need_code": "asset_growth"}),
    Call("POST", "/api/v1/customers/{customer_id}/unmask", frozenset({RM, BM}),
         lambda w: f"{_c(w)}/unmask",
         lambda w: {"fields": ["id_number", "phone"], "reason": "客户来电核实身份"},
         deliberate_clear=True),
    Call("PATCH", "/api/v1/contacts/{contact_id}", frozenset({RM, BM}),
         lambda w: f"{V1}/contacts/{w.ids['contact']}", lambda w: {**_contact(w), "version": 1}),
    Call("PATCH", "/api/v1/needs/{need_id}", frozenset({RM, BM}),
         lambda w: f"{V1}/needs/{w.ids['need']}",
         lambda w: {"version": 1, "status": "in_progress"}),
    Call("PATCH", "/api/v1/tasks/{task_id}", frozenset({RM, BM}),
         lambda w: f"{V1}/tasks/{w.ids['task']}", lambda w: {"version": 1, "outcome": "已联系"}),
    Call("POST", "/api/v1/segments/preview", frozenset({RM, BM, ANALYST}),
         lambda w: f"{V1}/segments/preview", lambda w: {"rule": RULE}),
    Call("POST", "/api/v1/segments/from-finding", ANYONE,
         lambda w: f"{V1}/segments/from-finding", lambda w: {"segment": {"dormant": True}}),
    Call("POST", "/api/v1/segments", frozenset({RM, BM, ANALYST}), lambda w: f"{V1}/segments",
         lambda w: {"name": f"客群 {id(w)}", "rule": RULE}),
    Call("POST", "/api/v1/segments/{segment_id}/refresh", frozenset({RM, BM, ANALYST}),
         lambda w: f"{V1}/segments/{w.ids['segment']}/refresh", lambda w: {}),
    Call("PATCH", "/api/v1/segments/{segment_id}", frozenset({BM}),  # not their own: see docs
         lambda w: f"{V1}/segments/{w.ids['segment']}",
         lambda w: {"version": 1, "description": "改"}),
    Call("POST", "/api/v1/campaigns", frozenset({BM}), lambda w: f"{V1}/campaigns",
         lambda w: CAMPAIGN),
    Call("GET", "/api/v1/campaigns/{campaign_id}", frozenset({RM, BM, ANALYST}),
         lambda w: f"{V1}/campaigns/{w.ids.get('campaign', 1)}"),
    Call("GET", "/api/v1/campaigns/{campaign_id}/members", frozenset({RM, BM, ANALYST}),
         lambda w: f"{V1}/campaigns/{w.ids.get('campaign', 1)}/members"),
    Call("GET", "/api/v1/campaigns/{campaign_id}/results", frozenset({RM, BM, ANALYST}),
         lambda w: f"{V1}/campaigns/{w.ids.get('campaign', 1)}/results"),
    Call("PATCH", "/api/v1/campaigns/{campaign_id}/members/{customer_id}", frozenset({RM, BM}),
         lambda w: f"{V1}/campaigns/{w.ids.get('campaign', 1)}/members/{w.customer}",
         lambda w: {"version": 1, "contacted": True}),
    Call("POST", "/api/v1/campaigns/detect", frozenset({BM}), lambda w: f"{V1}/campaigns/detect",
         lambda w: {"as_of": "2020-12-31"}),
    Call("POST", "/api/v1/campaigns/do-not-contact", frozenset({RM, BM}),
         lambda w: f"{V1}/campaigns/do-not-contact", lambda w: {"customer_id": w.customer}),
    Call("POST", "/api/v1/counter/sessions", frozenset({TELLER}),
         lambda w: f"{V1}/counter/sessions",
         lambda w: {**VISIT, "customer_id": w.customer, "name": w.customer_name,
                    "id_number": w.customer_id_number}),
    Call("POST", "/api/v1/counter/sessions/{session_id}/verifications", frozenset({TELLER}),
         lambda w: f"{V1}/counter/sessions/{w.ids['visit']}/verifications",
         lambda w: {"customer_id": w.customer, "name": w.customer_name,
                    "id_number": w.customer_id_number}),
    Call("POST", "/api/v1/counter/sessions/{session_id}/cache", frozenset({TELLER}),
         lambda w: f"{V1}/counter/sessions/{w.ids['visit']}/cache",
         lambda w: {**VISIT, "customer_id": w.customer, "name": w.customer_name,
                    "id_number": w.customer_id_number, "consent": True}),
    Call("POST", "/api/v1/counter/sessions/{session_id}/transactions", frozenset({TELLER}),
         lambda w: f"{V1}/counter/sessions/{w.ids['visit']}/transactions",
         lambda w: {**VISIT, "txn_type": "statement"}),
    Call("GET", "/api/v1/counter/sessions/{session_id}/transactions", frozenset({TELLER}),
         lambda w: f"{V1}/counter/sessions/{w.ids['visit']}/transactions"),
    Call("POST", "/api/v1/counter/sessions/{session_id}/confirmations", frozenset({TELLER}),
         lambda w: f"{V1}/counter/sessions/{w.ids['visit']}/confirmations",
         lambda w: {"signature_ref": "sig-matrix"}),
    # -- what moves customers, deletes, or ends sessions ------------------------------------
    Call("POST", "/api/v1/assignments/handover/preview", frozenset({BM}),
         lambda w: f"{V1}/assignments/handover/preview",
         lambda w: {"from_employee_id": w.other_rm, "to_employee_id": w.rm, "on": ON}),
    Call("POST", "/api/v1/customers/{customer_id}/assignments", frozenset({BM}),
         lambda w: f"{_c(w)}/assignments", lambda w: {"employee_id": w.other_rm, "on": ON}),
    Call("POST", "/api/v1/assignments/handover", frozenset({BM}),
         lambda w: f"{V1}/assignments/handover",
         lambda w: {"from_employee_id": w.other_rm, "to_employee_id": w.rm, "on": ON}),
    Call("DELETE", "/api/v1/segments/{segment_id}", frozenset({BM}),
         lambda w: f"{V1}/segments/{w.ids['segment']}"),
    Call("POST", "/api/v1/users/{username}/reset-password", frozenset({ADMIN}),
         lambda w: f"{V1}/users/matrix.new/reset-password"),
    Call("POST", "/api/v1/users/{username}/disable", frozenset({ADMIN}),
         lambda w: f"{V1}/users/matrix.new/disable"),
    Call("POST", "/api/v1/users/{username}/enable", frozenset({ADMIN}),
         lambda w: f"{V1}/users/matrix.new/enable"),
    Call("POST", "/api/v1/auth/password", ANYONE, lambda w: f"{V1}/auth/password",
         lambda w: {"old_password": "not-the-password", "new_password": "Xin-Mima-2026!"}),
    Call("POST", "/api/v1/counter/sessions/{session_id}/end", frozenset({TELLER}),
         lambda w: f"{V1}/counter/sessions/{w.ids['visit']}/end"),
    Call("POST", "/api/v1/counter/logout", frozenset({TELLER}),
         lambda w: f"{V1}/counter/logout"),
    Call("POST", "/api/v1/auth/logout", ANYONE, lambda w: f"{V1}/auth/logout"),
]  # fmt: skip
PUBLIC = {("GET", "/api/health"), ("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/login")}
# A wrong old password is a 401 of its own (the caller is logged in); everything else that a
# permitted role calls must get past authentication.
OWN_401 = {("POST", "/api/v1/auth/password")}


class Logins:
    """A fresh bearer token per call, so a logout in the walk ends only its own session."""

    def __init__(self, client: TestClient, crm: CrmStore, w: World) -> None:
        self.sessions = crm.sessions
        self.users = {}
        with crm.sessions() as s:
            for role, (name, employee, branch) in {
                RM: ("m.rm", w.rm, None),
                BM: ("m.bm", None, MANAGER_BRANCH),
                TELLER: ("m.teller", None, None),
                ANALYST: ("m.analyst", None, None),
                AUDITOR: ("m.auditor", None, None),
                ADMIN: ("m.admin", None, None),
            }.items():
                user = make_user(s, name, role, employee, branch)
                user.password_hash = hash_password(f"Matrix-{name}-2026")
                self.users[role] = user.id
            s.commit()
        del client

    def headers(self, role: Role) -> dict[str, str]:
        with self.sessions() as s:
            user = s.get(User, self.users[role])
            assert user is not None
            token = issue(s, user, Kind.API, SecuritySettings()).token
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def walk(crm: CrmStore, tmp_path: Path) -> Iterator[tuple[TestClient, World, Logins]]:
    w = _world(crm)
    _seed(crm, w)
    with TestClient(create_app(settings_for(crm, tmp_path))) as client:
        logins = Logins(client, crm, w)
        visit = client.post(
            f"{V1}/counter/sessions",
            json={**VISIT, "customer_id": w.customer, "name": w.customer_name,
                  "id_number": w.customer_id_number},
            headers=logins.headers(TELLER),
        )  # fmt: skip
        assert visit.status_code == 201, visit.text
        w.ids["visit"] = visit.json()["session_id"]
        yield client, w, logins


def _routes(client: TestClient) -> set[tuple[str, str]]:
    paths = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    return {(m.upper(), p) for p, ops in paths.items() for m in ops}


def test_every_route_has_an_expectation(walk: tuple[TestClient, World, Logins]) -> None:
    client, _, _ = walk
    covered = {(c.method, c.path) for c in EXPECTED} | PUBLIC
    assert _routes(client) == covered


def _send(client: TestClient, call: Call, w: World, headers: dict[str, str]) -> Any:
    return client.request(
        call.method, call.url(w), json=call.body(w), params=call.params, headers=headers
    )


def test_each_role_gets_what_its_job_needs_and_nothing_else(
    walk: tuple[TestClient, World, Logins],
) -> None:
    client, w, logins = walk
    every_customer = _customers(client)
    id_numbers = _id_numbers(client)
    failures: list[str] = []
    for call in EXPECTED:
        # denied roles first: they must change nothing the permitted roles then rely on
        for role in sorted(Role, key=lambda r: r in call.allowed):
            response = _send(client, call, w, logins.headers(role))
            got, where = response.status_code, f"{call.method} {call.path} as {role.value}"
            if role in call.allowed:
                bad = got == 403 or got >= 500 or (got == 401 and (call.method, call.path)
                                                     not in OWN_401)  # fmt: skip
                if bad:
                    failures.append(f"{where}: {got} {response.text[:200]}")
                if call.path == "/api/v1/campaigns" and call.method == "POST" and got == 201:
                    w.ids["campaign"] = response.json()["campaign"]["id"]
            elif got != 403:
                failures.append(f"{where}: expected 403, got {got} {response.text[:200]}")
            scope = _rm_scope(client, w.rm) if role is RM else w.visible.get(role)
            failures += _leaks(response, role, call, scope, every_customer, id_numbers)
    assert not failures, "\n".join(failures)


def _customers(client: TestClient) -> set[str]:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        return set(s.scalars(select(Customer.customer_id)))


def _id_numbers(client: TestClient) -> set[str]:
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        return set(s.scalars(select(Customer.id_number)))


def _rm_scope(client: TestClient, rm: str) -> set[str]:
    """The RM's customers now, read straight from the tables: their current book, and the
    customers of the open campaign tasks given to them (campaigns made during the walk)."""
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        book = s.scalars(
            select(Assignment.customer_id).where(
                Assignment.employee_id == rm, Assignment.end_on.is_(None)
            )
        )
        tasks = s.scalars(
            select(Task.customer_id).where(
                Task.employee_id == rm, Task.campaign_id.is_not(None), Task.status == "open"
            )
        )
        return set(book) | set(tasks)


def _leaks(
    response: Any,
    role: Role,
    call: Call,
    scope: set[str] | None,
    everyone: set[str],
    id_numbers: set[str],
) -> list[str]:
    text = response.text if response.headers.get("content-type", "").startswith(
        ("application/json", "text/")
    ) else ""  # fmt: skip
    found: list[str] = []
    if scope is not None:
        outside = {c for c in CUSTOMER_ID.findall(text) if c in everyone} - scope
        if outside:
            found.append(f"{call.method} {call.path} as {role.value} names {sorted(outside)[:3]}")
    if not call.deliberate_clear:
        clear = {n for n in re.findall(r"\d{17}[\dX]", text) if n in id_numbers}
        if clear:
            found.append(f"{call.method} {call.path} as {role.value} shows ID numbers in clear")
    return found


@pytest.mark.parametrize("credential", ["none", "expired", "tampered", "revoked"])
def test_without_a_valid_login_every_route_answers_401(
    walk: tuple[TestClient, World, Logins], credential: str
) -> None:
    client, w, logins = walk
    token = logins.headers(BM)["Authorization"].removeprefix("Bearer ")
    with client.app.state.sessions() as s:  # type: ignore[attr-defined]
        if credential == "expired":
            s.execute(update(AuthSession).values(expires_at=now() - timedelta(seconds=1)))
        if credential == "revoked":
            s.execute(update(AuthSession).values(revoked_at=now()))
        s.commit()
    headers = {
        "none": {},
        "expired": {"Authorization": f"Bearer {token}"},
        "revoked": {"Authorization": f"Bearer {token}"},
        "tampered": {"Authorization": f"Bearer {token[:-1]}{'A' if token[-1] != 'A' else 'B'}"},
    }[credential]
    wrong = [
        f"{c.method} {c.path}: {r.status_code}"
        for c in EXPECTED
        if (r := _send(client, c, w, headers)).status_code != 401
    ]
    assert not wrong, wrong
    assert client.get("/api/health").status_code == 200  # public, for the load balancer
