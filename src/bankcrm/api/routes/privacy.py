"""Personal data on request: unmasking a customer's fields with a stated reason (查看明文),
and the data-subject export of everything held about a customer (PIPL 查阅、复制). Both are
audited by the services; the routes only parse and render."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from bankcrm.api.common import ActorDep, SessionDep
from bankcrm.api.deps import WarehouseDep
from bankcrm.api.schemas import UnmaskIn, UnmaskOut
from bankcrm.security.masking import MAX_REASON, unmask
from bankcrm.security.privacy import subject_export

router = APIRouter(prefix="/customers", tags=["privacy"])
CustomerId = Annotated[str, Path(min_length=1, max_length=100)]


@router.post(
    "/{customer_id}/unmask",
    summary="Show masked fields in clear, with a reason (查看明文; audited)",
)
def unmask_fields(
    customer_id: CustomerId, body: UnmaskIn, session: SessionDep, actor: ActorDep
) -> UnmaskOut:
    values = unmask(session, actor, customer_id, body.fields, body.reason)
    return UnmaskOut(customer_id=customer_id, values=values)


@router.get(
    "/{customer_id}/subject-export",
    summary="Everything held about the customer (个人信息查阅/复制; audited)",
)
def export_subject(
    customer_id: CustomerId,
    session: SessionDep,
    actor: ActorDep,
    warehouse: WarehouseDep,
    reason: Annotated[
        str | None,
        Query(max_length=MAX_REASON, description="why (at least 4 characters): audited"),
    ] = None,
) -> dict[str, Any]:
    return subject_export(session, actor, warehouse, customer_id, reason)
