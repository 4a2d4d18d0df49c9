"""The counter's verification cache over HTTP (mounted under /api/v1/counter): open a visit with
an identity check, ask to cache it, record transactions, confirm, end, log out.

Thin: each route parses, calls one CounterService method and shapes the answer. The service is
``app.state.counter`` (built by ``bankcrm.counter.wiring.build_service``)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from bankcrm.api.auth import client_of, security_settings
from bankcrm.api.common import ActorDep, ErrorBody, ErrorDetail, SessionDep
from bankcrm.api.routes.auth import login_limiter
from bankcrm.api.schemas import UtcDateTime
from bankcrm.counter.identity import IdentityRequest
from bankcrm.counter.outcomes import Status
from bankcrm.counter.service import CounterService
from bankcrm.domain.actor import Actor
from bankcrm.domain.counter.errors import CounterError
from bankcrm.domain.counter.policy import LABELS_ZH, PolicyRule, TxnType
from bankcrm.security.login import authenticate
from bankcrm.security.sessions import actor_of
from bankcrm.store.models import CounterTransaction, CounterVerification


class CounterRoute(APIRoute):
    """Turns a refused counter request into the API's error body (field and reason)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except CounterError as error:
                body = ErrorBody(
                    status=error.status_code,
                    errors=[ErrorDetail(field=error.field, reason=error.reason)],
                )
                return JSONResponse(body.model_dump(), status_code=error.status_code)

        return route


router = APIRouter(
    route_class=CounterRoute,
    responses={
        400: {"model": ErrorBody},
        403: {"model": ErrorBody, "description": "The role does not serve at the counter"},
    },
)


def get_service(request: Request) -> CounterService:
    service: CounterService = request.app.state.counter
    return service


ServiceDep = Annotated[CounterService, Depends(get_service)]
Text = Annotated[str, Field(min_length=1, max_length=100)]


class Identity(BaseModel):
    """What the teller read from the customer's ID card."""

    customer_id: Text
    name: Text
    id_number: Annotated[str, Field(pattern=r"^[0-9]{17}[0-9Xx]$|^[A-Z0-9]{5,20}$")]

    def request(self) -> IdentityRequest:
        return IdentityRequest(self.customer_id, self.name, self.id_number)


class SessionCreate(Identity):
    terminal_id: Text
    signature_ref: Text | None = None
    branch_id: Text | None = None


class VerificationCreate(Identity):
    signature_ref: Text | None = None


class VerificationPublic(BaseModel):
    verification_id: str
    outcome: str
    photo_score: float | None
    signature_ref: str | None
    verified_at: UtcDateTime

    @classmethod
    def of(cls, row: CounterVerification) -> VerificationPublic:
        return cls.model_validate(row, from_attributes=True)


class SessionPublic(BaseModel):
    session_id: str
    verification: VerificationPublic


class CacheRequest(Identity):
    terminal_id: Text
    consent: bool | None = None


class CacheGrantPublic(BaseModel):
    granted: bool
    reason: str | None


class Supervisor(BaseModel):
    """The authorizing supervisor's own credentials, typed in at the teller's terminal (授权):
    checked like a login (lockout and audit included), never trusted as sent."""

    username: Text
    password: Annotated[str, Field(min_length=1, max_length=200)]
    totp: Annotated[str | None, Field(max_length=10)] = None


class TransactionCreate(BaseModel):
    terminal_id: Text
    txn_type: TxnType
    amount: Annotated[Decimal | None, Field(gt=0, decimal_places=2, description="yuan")] = None
    fresh_verification_id: Text | None = None
    supervisor: Supervisor | None = None


class TransactionOutcomePublic(BaseModel):
    status: Status
    transaction_id: str | None
    verification_id: str | None
    via_cache: bool
    confirm_each: bool
    reason: str | None


class TransactionPublic(BaseModel):
    transaction_id: str
    txn_type: str
    txn_type_zh: str
    amount_fen: int | None
    verification_id: str
    via_cache: bool
    supervisor: str | None
    confirm_each: bool
    confirmation_id: str | None
    recorded_at: UtcDateTime

    @classmethod
    def of(cls, row: CounterTransaction) -> TransactionPublic:
        return cls.model_validate({**row.__dict__, "txn_type_zh": LABELS_ZH[TxnType(row.txn_type)]})


class ConfirmationCreate(BaseModel):
    signature_ref: Text
    transaction_id: Text | None = None  # None: one signature for the visit's list


class ConfirmationPublic(BaseModel):
    confirmation_id: str
    scope: str
    confirmed_at: UtcDateTime


class PolicyEntry(PolicyRule):
    txn_type: TxnType
    label_zh: str


@router.post("/sessions", status_code=status.HTTP_201_CREATED)
def start_session(body: SessionCreate, actor: ActorDep, service: ServiceDep) -> SessionPublic:
    """Open a visit with the identity check (联网核查 and photo match)."""
    session, verification = service.start_session(
        actor, body.request(), body.terminal_id, body.signature_ref, body.branch_id
    )
    return SessionPublic(
        session_id=session.session_id, verification=VerificationPublic.of(verification)
    )


@router.post("/sessions/{session_id}/verifications", status_code=status.HTTP_201_CREATED)
def verify(
    session_id: str, body: VerificationCreate, actor: ActorDep, service: ServiceDep
) -> VerificationPublic:
    """A fresh identity check within the visit."""
    row = service.verify(actor, session_id, body.request(), body.signature_ref)
    return VerificationPublic.of(row)


@router.post("/sessions/{session_id}/cache")
def request_cache(
    session_id: str, body: CacheRequest, actor: ActorDep, service: ServiceDep
) -> CacheGrantPublic:
    """The teller asks to cache the visit's verification (连续业务数据缓存)."""
    grant = service.request_cache(actor, session_id, body.terminal_id, body.request(), body.consent)
    return CacheGrantPublic(granted=grant.granted, reason=grant.reason)


@router.post("/sessions/{session_id}/transactions")
def transact(
    request: Request,
    session_id: str,
    body: TransactionCreate,
    actor: ActorDep,
    service: ServiceDep,
    store: SessionDep,
) -> TransactionOutcomePublic:
    """Record a transaction, or answer what it needs first (a fresh check, a supervisor)."""
    supervisor = None
    if body.supervisor is not None:
        supervisor = _authenticated_supervisor(request, store, body.supervisor)
    outcome = service.transact(
        actor, session_id, body.terminal_id, body.txn_type.value, body.amount,
        body.fresh_verification_id, supervisor,
    )  # fmt: skip
    return TransactionOutcomePublic.model_validate(outcome, from_attributes=True)


def _authenticated_supervisor(request: Request, store: Session, given: Supervisor) -> Actor:
    """The supervisor's login, authenticated now (401 on wrong credentials)."""
    user = authenticate(
        store,
        given.username,
        given.password,
        security_settings(request),
        client_of(request),
        given.totp,
        limiter=login_limiter(request),
    )
    return actor_of(user, client_of(request))


@router.get("/sessions/{session_id}/transactions")
def transactions(session_id: str, actor: ActorDep, service: ServiceDep) -> list[TransactionPublic]:
    """The visit's transactions, each with the verification it relied on."""
    service.check_session(actor, session_id)
    return [TransactionPublic.of(t) for t in service.repository.transactions(session_id)]


@router.post("/sessions/{session_id}/confirmations", status_code=status.HTTP_201_CREATED)
def confirm(
    session_id: str, body: ConfirmationCreate, actor: ActorDep, service: ServiceDep
) -> ConfirmationPublic:
    """The customer's signature over the visit's list, or over one transaction."""
    row = service.confirm(actor, session_id, body.signature_ref, body.transaction_id)
    return ConfirmationPublic.model_validate(row, from_attributes=True)


@router.post("/sessions/{session_id}/end", status_code=status.HTTP_204_NO_CONTENT)
def end(session_id: str, actor: ActorDep, service: ServiceDep) -> None:
    """The teller ends the visit; its cache is cleared."""
    service.end(actor, session_id)


@router.post("/logout")
def logout(actor: ActorDep, service: ServiceDep) -> dict[str, int]:
    """The teller logs out: every open visit ends and its cache is cleared."""
    return {"ended_sessions": service.logout(actor)}


@router.get("/policy")
def policy(service: ServiceDep) -> list[PolicyEntry]:
    """The policy table: what each transaction type needs."""
    table = service.policy
    return [
        PolicyEntry(txn_type=t, label_zh=LABELS_ZH[t], **table[t].model_dump()) for t in TxnType
    ]
