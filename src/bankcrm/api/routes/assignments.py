"""Assignments (管户): bulk handover with a preview (离职移交), and the workload per RM.
Assigning one customer is ``POST /customers/{id}/assignments``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from bankcrm.api.common import ActorDep, SessionDep
from bankcrm.api.schemas import (
    HandoverIn,
    HandoverOut,
    HandoverPreviewOut,
    WorkloadOut,
    yuan,
)
from bankcrm.crm import assignments

router = APIRouter(prefix="/assignments", tags=["assignments"])


def _preview(p: assignments.HandoverPreview) -> HandoverPreviewOut:
    return HandoverPreviewOut(
        from_employee_id=p.from_employee_id,
        to_employee_id=p.to_employee_id,
        customers=len(p.customer_ids),
        customer_ids=p.customer_ids,
        aum_yuan=yuan(p.aum_fen) or 0,
    )


@router.post("/handover/preview", summary="What a handover would move (no change)")
def preview_handover(body: HandoverIn, session: SessionDep, actor: ActorDep) -> HandoverPreviewOut:
    preview = assignments.preview_handover(
        session, actor, body.from_employee_id, body.to_employee_id, body.on
    )
    return _preview(preview)


@router.post("/handover", status_code=201, summary="Hand over an RM's whole book (离职移交)")
def handover(body: HandoverIn, session: SessionDep, actor: ActorDep) -> HandoverOut:
    handover_id, moved = assignments.handover(
        session, actor, body.from_employee_id, body.to_employee_id, body.on, body.reason
    )
    return HandoverOut(handover_id=handover_id, **_preview(moved).model_dump())


@router.get("/workload", summary="Customers and AUM per RM and tier")
def workload(
    session: SessionDep,
    actor: ActorDep,
    branch_id: Annotated[str | None, Query(max_length=100)] = None,
) -> list[WorkloadOut]:
    return [
        WorkloadOut(
            employee_id=r.employee_id,
            employee_name=r.employee_name,
            tier=r.tier,
            customers=r.customers,
            aum_yuan=yuan(r.aum_fen) or 0,
        )
        for r in assignments.workload(session, actor, branch_id)
    ]
