"""Errors of the CRM services, each mapped by the API to one status and one error body.

They live here, not in the API, because the services raise them and the services sit below
the API; ``bankcrm.api.common`` re-exports them for the routes."""

from __future__ import annotations

from typing import Any

from bankcrm.domain.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    Unauthenticated,
)

__all__ = [
    "BadRequest",
    "Conflict",
    "CrmError",
    "Forbidden",
    "NotFound",
    "Unauthenticated",
    "bump",
    "check_version",
]

CrmError = ServiceError  # the CRM's refusals are the services' errors (domain.errors)


def check_version(entity: Any, expected: int) -> None:
    """Optimistic locking: refuse an update based on a version other than the stored one.

    ``entity`` is any row with an integer ``version``; the caller bumps the version in the
    same transaction as its change (see ``bump``), so two writers that read the same version
    cannot both succeed: the second one gets 409 and nothing is overwritten."""
    current = entity.version
    if current != expected:
        raise Conflict(
            f"version {expected} is stale: the record is at version {current}; reload it",
            field="version",
        )


def bump(entity: Any) -> None:
    """Advance an entity's version after a change (pairs with ``check_version``)."""
    entity.version = entity.version + 1
