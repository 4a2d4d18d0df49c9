"""Contacts (联系记录): an RM's timeline, one contact, and corrections with optimistic locking.
Logging a contact is under its customer: ``POST /customers/{id}/contacts``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bankcrm.api.common import ActorDep, BadRequest, EntityId, Page, PagingDep, SessionDep
from bankcrm.api.schemas import ContactOut, ContactUpdate, contact_data, contact_out
from bankcrm.crm import contacts

router = APIRouter(prefix="/contacts", tags=["contacts"])


@router.get("", summary="An RM's contact timeline")
def list_contacts(
    session: SessionDep,
    actor: ActorDep,
    paging: PagingDep,
    employee_id: Annotated[
        str | None, Query(max_length=100, description="default: the acting user's employee")
    ] = None,
) -> Page[ContactOut]:
    rm = employee_id or actor.employee_id
    if rm is None:
        raise BadRequest("employee_id", "required when the acting user is not an employee")
    rows, total = contacts.employee_timeline(session, actor, rm, paging.offset, paging.page_size)
    return paging.of([contact_out(c) for c in rows], total)


@router.get("/{contact_id}", summary="One contact")
def get_contact(contact_id: EntityId, session: SessionDep, actor: ActorDep) -> ContactOut:
    return contact_out(contacts.get_contact(session, actor, contact_id))


@router.patch("/{contact_id}", summary="Correct a contact (409 on a stale version)")
def update_contact(
    contact_id: EntityId, body: ContactUpdate, session: SessionDep, actor: ActorDep
) -> ContactOut:
    updated = contacts.update_contact(session, actor, contact_id, body.version, contact_data(body))
    return contact_out(updated)
