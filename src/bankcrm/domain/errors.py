"""Errors and warnings of bankcrm's own, and the errors services raise at users: each maps to
one HTTP status and one error body in the API, and to one clear line in the CLI."""

from __future__ import annotations


class BankcrmError(Exception):
    """Base of the errors a user should see as a clear message, not a traceback."""


class BankcrmWarning(UserWarning):
    """Warnings of bankcrm's own (tests turn them into errors)."""


class ServiceError(BankcrmError):
    """A request a service refuses: ``field`` names the offending input (None: the request as
    a whole), ``reason`` says why, in words a member of staff can act on."""

    status_code = 400

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


class BadRequest(ServiceError):
    """Input that is well-formed but not acceptable (an unknown RM, a need not in the
    catalogue, a handover to oneself)."""

    status_code = 400

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason, field)


class NotFound(ServiceError):
    """The entity the request names does not exist, or is outside the actor's scope: both
    answer 404, so scope does not leak existence."""

    status_code = 404

    def __init__(self, entity: str, key: object, field: str = "id") -> None:
        super().__init__(f"{entity} {key} not found", field)


class Conflict(ServiceError):
    """The request clashes with the current state: a stale version, a duplicate."""

    status_code = 409

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason, field)


class Unauthenticated(ServiceError):
    """No valid login: a missing, expired, revoked or tampered token, or wrong credentials."""

    status_code = 401


class Forbidden(ServiceError):
    """The actor's role does not carry the permission the action needs. Customers outside the
    actor's scope are NotFound instead, so that scope does not leak existence."""

    status_code = 403


class TooManyRequests(ServiceError):
    """Too many attempts from one client (login rate limit)."""

    status_code = 429
