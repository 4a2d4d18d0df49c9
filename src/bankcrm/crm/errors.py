"""Errors of the CRM services, each mapped by the API to one status and one error body.

They live here, not in the API, because the services raise them and the services sit below
the API; ``bankcrm.api.common`` re-exports them for the routes."""

from __future__ import annotations

from typing import Any

from bankcrm.domain.errors import BankcrmError


class CrmError(BankcrmError):
    """A request the CRM refuses: ``field`` names the offending input (None: the request as a
    whole), ``reason`` says why, in words a member of staff can act on."""

    status_code = 400

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


class BadRequest(CrmError):  # noqa: N818  (named after the HTTP status it maps to)
    """Input that is well-formed but not acceptable (an unknown RM, a need not in the
    catalogue, a handover to oneself)."""

    status_code = 400

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason, field)


class NotFound(CrmError):  # noqa: N818  (named after the HTTP status it maps to)
    """The entity the request names does not exist (or, once the security issue lands, is
    outside the actor's scope: both answer 404, so scope does not leak existence)."""

    status_code = 404

    def __init__(self, entity: str, key: object, field: str = "id") -> None:
        super().__init__(f"{entity} {key} not found", field)


class Conflict(CrmError):  # noqa: N818  (named after the HTTP status it maps to)
    """The request clashes with the current state: a stale version, a duplicate."""

    status_code = 409

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason, field)


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
