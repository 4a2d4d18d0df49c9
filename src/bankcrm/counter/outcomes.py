"""What the counter service answers, and who may act at the counter."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bankcrm.domain.actor import Actor
from bankcrm.domain.counter.errors import CounterError
from bankcrm.security.policy import Permission, allowed


class Status(StrEnum):
    RECORDED = "recorded"
    NEEDS_VERIFICATION = "needs_verification"
    NEEDS_SUPERVISOR = "needs_supervisor"


@dataclass(frozen=True)
class TransactionOutcome:
    status: Status
    transaction_id: str | None = None
    verification_id: str | None = None  # the verification the transaction relied on
    via_cache: bool = False
    confirm_each: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class CacheGrant:
    granted: bool
    reason: str | None = None


def check_teller(actor: Actor) -> None:
    """Refuse an actor whose role does not serve at the counter (403)."""
    if not allowed(actor, Permission.COUNTER):
        raise CounterError(None, f"role {actor.role.value} does not serve at the counter", 403)


def supervises(supervisor: Actor | None, actor: Actor) -> bool:
    """A supervisor is an authenticated login that may supervise the counter (a branch
    manager), other than the teller (no self-authorization)."""
    return (
        supervisor is not None
        and allowed(supervisor, Permission.COUNTER_SUPERVISE)
        and supervisor.username != actor.username
    )
