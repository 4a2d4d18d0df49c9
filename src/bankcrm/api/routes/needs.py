"""The needs register (客户需求): the catalogue, status changes with optimistic locking, and the
aggregate by tier, age band or segment. Recording a need is ``POST /customers/{id}/needs``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from bankcrm.api.common import ActorDep, EntityId, SessionDep
from bankcrm.api.deps import CrmSettingsDep
from bankcrm.api.schemas import NeedCountOut, NeedKindOut, NeedOut, NeedUpdate, need_out
from bankcrm.crm import needs

router = APIRouter(prefix="/needs", tags=["needs"])


@router.get("/catalogue", summary="The needs catalogue (需求目录)")
def catalogue(settings: CrmSettingsDep) -> list[NeedKindOut]:
    return [NeedKindOut(**n.model_dump()) for n in settings.needs]


@router.get("/aggregate", summary="Needs by tier, age band or segment")
def aggregate(
    session: SessionDep,
    actor: ActorDep,
    by: Literal["tier", "age_band", "segment"] = "tier",
) -> list[NeedCountOut]:
    return [NeedCountOut(**c.__dict__) for c in needs.aggregate(session, actor, by)]


@router.get("/{need_id}", summary="One need")
def get_need(
    need_id: EntityId, session: SessionDep, actor: ActorDep, settings: CrmSettingsDep
) -> NeedOut:
    return need_out(needs.get_need(session, actor, need_id), settings)


@router.patch("/{need_id}", summary="Change a need's status (409 on a stale version)")
def update_need(
    need_id: EntityId,
    body: NeedUpdate,
    session: SessionDep,
    actor: ActorDep,
    settings: CrmSettingsDep,
) -> NeedOut:
    need = needs.update_need(session, actor, need_id, body.version, body.status, body.notes)
    return need_out(need, settings)
