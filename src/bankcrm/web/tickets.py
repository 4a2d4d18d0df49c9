"""One-time login tickets: the login screen checks the password on the server, then hands the
browser a ticket it exchanges at ``/login/complete`` for the HttpOnly session cookie. The session
token itself never appears in a URL or in the page's script, and a refused login costs the
browser no failed request (which it would report as an error).

Tickets live in this process only (the web UI runs in one process), for 30 seconds, once."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

TICKET_SECONDS = 30.0


@dataclass(frozen=True)
class _Entry:
    token: str
    next_path: str
    until: float


_tickets: dict[str, _Entry] = {}
_lock = threading.Lock()


def put(token: str, next_path: str) -> str:
    ticket = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for key in [k for k, e in _tickets.items() if e.until < now]:
            del _tickets[key]
        _tickets[ticket] = _Entry(token, next_path, now + TICKET_SECONDS)
    return ticket


def take(ticket: str) -> tuple[str, str] | None:
    """The session token and where to go, once; None for an unknown or stale ticket."""
    with _lock:
        entry = _tickets.pop(ticket, None)
    if entry is None or entry.until < time.monotonic():
        return None
    return entry.token, entry.next_path
