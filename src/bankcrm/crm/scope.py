"""Customer lookups of the CRM services within the actor's data scope.

Which customers an actor sees is decided once, in ``bankcrm.security.scope``; these helpers
apply it to fetching one customer, or one record about a customer, by key (404 when out of
scope, exactly as when absent)."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bankcrm.crm.errors import NotFound
from bankcrm.domain.actor import Actor
from bankcrm.security.scope import visible_customers
from bankcrm.store.models import Contact, Customer, Employee, Need

__all__ = ["get_customer", "get_employee", "get_of_customer", "visible_customers"]

Owned = TypeVar("Owned", Contact, Need)  # records that belong to one customer


def get_customer(session: Session, actor: Actor, customer_id: str) -> Customer:
    """The customer, if it exists and the actor may see it; NotFound otherwise."""
    customer = session.scalars(
        visible_customers(actor).where(Customer.customer_id == customer_id)
    ).one_or_none()
    if customer is None:
        raise NotFound("customer", customer_id, field="customer_id")
    return customer


def get_of_customer(
    session: Session, actor: Actor, model: type[Owned], key: int, entity: str
) -> Owned:
    """A record about a customer (a contact, a need) by id, if the actor may see the customer;
    NotFound otherwise."""
    visible = visible_customers(actor).with_only_columns(Customer.customer_id)
    row = session.scalars(
        select(model).where(model.id == key, model.customer_id.in_(visible))
    ).one_or_none()
    if row is None:
        raise NotFound(entity, key)
    return row


def get_employee(session: Session, employee_id: str, field: str = "employee_id") -> Employee:
    """The employee, or NotFound naming the field that referred to it."""
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise NotFound("employee", employee_id, field=field)
    return employee
