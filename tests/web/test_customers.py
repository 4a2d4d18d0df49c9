"""客户查询 and 客户360 in a real browser: the RM's journey (find a customer of their book, open
the 360, show a masked value with a reason, log a contact, complete a task) and an RM who
cannot reach another RM's customer by URL or by search."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bankcrm.crm.customer360 import customer_transactions
from bankcrm.crm.search import SearchQuery, search
from bankcrm.crm.warehouse_reads import TransactionFilter
from bankcrm.domain.actor import Actor
from bankcrm.security.masking import mask_id_number, mask_name, mask_phone
from bankcrm.security.scope import visible_ids
from bankcrm.security.sessions import actor_of
from bankcrm.security.users import find_user
from bankcrm.store.db import make_engine, session_factory
from bankcrm.store.models import Assignment, Contact, Customer, CustomerSummary, Need, Task
from bankcrm.warehouse.layout import Warehouse
from bankcrm.web import fmt
from tests.web.conftest import Server, fill, shot


def store(server: Server) -> sessionmaker[Session]:
    """The server's own store (the same SQLite file; the server runs in another process)."""
    return session_factory(make_engine(f"sqlite:///{server.data}/bankcrm.sqlite3"))


def actor(session: Session, username: str) -> Actor:
    user = find_user(session, username)
    assert user is not None
    return actor_of(user)


def book_customer(session: Session, rm: Actor) -> tuple[Customer, CustomerSummary]:
    """The RM's largest customer with a month-end summary."""
    row = session.execute(
        select(Customer, CustomerSummary)
        .join(CustomerSummary, CustomerSummary.customer_id == Customer.customer_id)
        .join(Assignment, Assignment.customer_id == Customer.customer_id)
        .where(Assignment.employee_id == rm.employee_id, Assignment.end_on.is_(None))
        .order_by(CustomerSummary.aum_fen.desc(), Customer.customer_id)
        .limit(1)
    ).one()
    return row[0], row[1]


def give_task(session: Session, customer: Customer, rm: Actor, title: str) -> Task:
    """An open, overdue task for the RM (as a task rule would raise it)."""
    key = f"e2e:{customer.customer_id}:{uuid.uuid4().hex}"
    today = datetime.now(UTC).date()
    task = Task(
        rule="no_contact",
        customer_id=customer.customer_id,
        employee_id=rm.employee_id,
        branch_id=customer.branch_id,
        title=title,
        created_on=today - timedelta(days=10),
        due_on=today - timedelta(days=1),
        status="open",
        open_key=key,
        run_key=key,
        version=1,
    )
    session.add(task)
    session.commit()
    return task


def text_of(page: object, test_id: str) -> str:
    return str(page.get_by_test_id(test_id).inner_text()).strip()  # type: ignore[attr-defined]


def test_rm_finds_a_customer_shows_the_id_logs_a_contact_and_completes_a_task(
    server: Server, open_page: Callable[..., object]
) -> None:
    with store(server)() as session:
        rm = actor(session, "demo_rm")
        customer, summary = book_customer(session, rm)
        task = give_task(session, customer, rm, "高端客户长期未联系（测试）")
        _, expected_total = search(session, rm, SearchQuery(q=customer.name), 0, 1)
    page = open_page("demo_rm")
    page.goto(f"{server.url}/customers")  # type: ignore[attr-defined]
    page.get_by_test_id("search-total").get_by_text("共").wait_for()  # type: ignore[attr-defined]
    shot(page, "customer-search")
    fill(page, "search-q", customer.name)
    page.get_by_test_id("search-go").click()  # type: ignore[attr-defined]
    page.get_by_test_id("search-total").get_by_text(f"共 {expected_total:,} 位客户").wait_for()  # type: ignore[attr-defined]
    row = page.locator(f'.ag-row[row-id="{customer.customer_id}"]')  # type: ignore[attr-defined]
    assert fmt.wan(Decimal(summary.aum_fen) / 100) in row.inner_text()
    row.click()
    page.wait_for_url(f"**/customers/{customer.customer_id}")  # type: ignore[attr-defined]

    # masked on screen; in clear after "显示" with a stated reason
    masked = mask_id_number(customer.id_number)
    assert masked != customer.id_number
    assert text_of(page, "profile-id_number") == masked
    assert text_of(page, "profile-phone") == (mask_phone(customer.phone) or "—")
    assert customer.id_number not in page.content()  # type: ignore[attr-defined]
    assert fmt.wan(Decimal(summary.aum_fen) / 100) in text_of(page, "customer-aum")
    page.locator('[data-testid="aum-chart"] canvas').first.wait_for()  # type: ignore[attr-defined]
    shot(page, "customer-360")
    page.get_by_test_id("unmask").click()  # type: ignore[attr-defined]
    fill(page, "unmask-reason", "客户来电核实身份")
    page.get_by_test_id("unmask-confirm").click()  # type: ignore[attr-defined]
    page.get_by_test_id("profile-id_number").get_by_text(customer.id_number).wait_for()  # type: ignore[attr-defined]

    # log a contact: it shows in the timeline and is stored as the RM's
    note = f"客户确认下月到期资金续存 {uuid.uuid4().hex[:6]}"
    page.get_by_test_id("contact-new").click()  # type: ignore[attr-defined]
    fill(page, "contact-notes", note)
    page.wait_for_timeout(500)  # type: ignore[attr-defined]  # the dialog opening, for the picture
    shot(page, "customer-contact-dialog")
    page.get_by_test_id("contact-save").click()  # type: ignore[attr-defined]
    page.get_by_test_id("timeline").get_by_text(note).wait_for()  # type: ignore[attr-defined]

    # complete the task: it leaves the open list and is stored done
    page.get_by_test_id("tab-tasks").click()  # type: ignore[attr-defined]
    page.get_by_test_id(f"task-done-{task.id}").click()  # type: ignore[attr-defined]
    fill(page, "task-outcome", "已电话联系，客户满意")
    page.get_by_test_id("task-confirm").click()  # type: ignore[attr-defined]
    page.get_by_test_id(f"task-{task.id}").wait_for(state="detached")  # type: ignore[attr-defined]

    # record a need from the catalogue: it shows in the register
    page.get_by_test_id("tab-needs").click()  # type: ignore[attr-defined]
    page.get_by_test_id("need-new").click()  # type: ignore[attr-defined]
    page.get_by_test_id("need-code").click()  # type: ignore[attr-defined]
    page.locator(".q-item").get_by_text("养老规划", exact=True).click()  # type: ignore[attr-defined]
    page.get_by_test_id("need-save").click()  # type: ignore[attr-defined]
    page.get_by_test_id("needs").get_by_text("养老规划").wait_for()  # type: ignore[attr-defined]

    with store(server)() as session:
        need = session.scalars(select(Need).where(Need.customer_id == customer.customer_id)).one()
        assert (need.need_code, need.status) == ("retirement", "open")
        logged = session.scalars(select(Contact).where(Contact.notes == note)).one()
        assert (logged.customer_id, logged.employee_id) == (customer.customer_id, rm.employee_id)
        done = session.get(Task, task.id)
        assert done is not None
        assert (done.status, done.outcome) == ("done", "已电话联系，客户满意")


def test_an_rm_cannot_reach_another_rms_customer(
    server: Server, open_page: Callable[..., object]
) -> None:
    with store(server)() as session:
        rm = actor(session, "demo_rm")
        other = session.scalars(
            select(Customer)
            .where(Customer.customer_id.not_in(visible_ids(rm)))
            .order_by(Customer.customer_id)
            .limit(1)
        ).one()
    page = open_page("demo_rm")
    page.goto(f"{server.url}/customers/{other.customer_id}")  # type: ignore[attr-defined]
    page.get_by_test_id("not-found").wait_for()  # type: ignore[attr-defined]
    assert "客户不存在或不在您的管辖范围内" in text_of(page, "not-found")
    html = page.content()  # type: ignore[attr-defined]
    leaks = [other.name, other.id_number, mask_id_number(other.id_number), other.phone]
    assert not [v for v in leaks if v and v in html]
    assert page.get_by_test_id("profile-id_number").count() == 0  # type: ignore[attr-defined]
    shot(page, "customer-not-found")

    # nor by searching for them
    page.goto(f"{server.url}/customers")  # type: ignore[attr-defined]
    fill(page, "search-q", other.customer_id)
    page.get_by_test_id("search-go").click()  # type: ignore[attr-defined]
    page.get_by_test_id("search-total").get_by_text("共 0 位客户").wait_for()  # type: ignore[attr-defined]
    assert other.name not in page.content()  # type: ignore[attr-defined]


def test_the_360_pages_transactions_and_fits_a_wide_monitor(
    server: Server, open_page: Callable[..., object]
) -> None:
    with store(server)() as session:
        rm = actor(session, "demo_rm")
        customer, _ = book_customer(session, rm)
        warehouse = Warehouse(server.data / "warehouse")
        first, total = customer_transactions(
            session, rm, warehouse, customer.customer_id, TransactionFilter(), 0, 20
        )
    assert first, "the demo's largest customer has transactions"
    page = open_page("demo_rm", width=1920, height=1080)
    page.goto(f"{server.url}/customers/{customer.customer_id}")  # type: ignore[attr-defined]
    assert text_of(page, "customer-name") == customer.name  # an RM sees the name in clear
    if customer.birth_date:
        assert fmt.day(customer.birth_date) in page.content()  # type: ignore[attr-defined]
    page.get_by_test_id("tab-transactions").click()  # type: ignore[attr-defined]
    page.get_by_test_id("transactions-total").get_by_text(f"共 {total:,} 笔交易").wait_for()  # type: ignore[attr-defined]
    latest = f"{first[0].amount:+,.2f}"
    assert latest in text_of(page, "transactions")
    shot(page, "customer-360-transactions")


def test_an_analyst_sees_masked_names_and_no_customer_detail(
    server: Server, open_page: Callable[..., object]
) -> None:
    page = open_page("demo_analyst")
    page.goto(f"{server.url}/customers")  # type: ignore[attr-defined]
    first = page.locator('.ag-row[row-index="0"]')  # type: ignore[attr-defined]
    first.wait_for()
    customer_id = first.get_attribute("row-id")
    shown = first.locator('[col-id="name"]').inner_text().strip()
    with store(server)() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
    assert shown == mask_name(customer.name) != customer.name
    page.goto(f"{server.url}/customers/{customer_id}")  # type: ignore[attr-defined]
    page.get_by_text("您的角色不查看客户详情").wait_for()  # type: ignore[attr-defined]
    assert customer.name not in page.content()  # type: ignore[attr-defined]
