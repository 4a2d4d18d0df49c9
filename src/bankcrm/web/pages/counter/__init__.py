"""柜面连续业务 Counter: the teller's screen for one visit — verify the customer, ask for the
cache (with the idle-timeout countdown in sight), run transactions, take one signature, end.

Every step calls the counter service with the logged-in teller; the service applies the policy,
the scope (a teller sees only the visit they opened) and the audit."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import ui

from bankcrm.security.policy import Permission, allowed
from bankcrm.web.auth import to_login, visit_of
from bankcrm.web.layout import empty, frame
from bankcrm.web.pages.counter.screen import CounterScreen


@ui.page("/counter")
def counter_page(request: Request) -> Any:
    visit = visit_of(request)
    if visit is None:
        return to_login(request)
    with frame(visit, "柜面连续业务", "Counter"):
        if not allowed(visit.actor, Permission.COUNTER):
            empty(
                visit.t(
                    "您的角色不办理柜面业务：柜面连续业务仅供柜员使用。",
                    "Only tellers serve at the counter.",
                )
            )
            return None
        CounterScreen(visit).build()
    return None
