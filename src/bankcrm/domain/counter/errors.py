"""The error the counter services raise for a request they refuse; the API maps ``status_code``
to the HTTP status and ``field``/``reason`` to the error body."""

from __future__ import annotations

from bankcrm.domain.errors import BankcrmError


class CounterError(BankcrmError):
    """A refused counter request: ``field`` names the offending input (None: the request as a
    whole) and ``reason`` says why, in words a teller can act on."""

    def __init__(self, field: str | None, reason: str, status_code: int = 400) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason
        self.status_code = status_code
