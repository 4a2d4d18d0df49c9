"""What the counter screen needs besides widgets: the process's counter service, the
supervisor's authentication, and the service's answers in words a teller can act on."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

from bankcrm.counter.service import CounterService
from bankcrm.domain.actor import Actor
from bankcrm.domain.counter.policy import LABELS_ZH, TxnType
from bankcrm.security.login import authenticate
from bankcrm.security.sessions import actor_of
from bankcrm.web.fmt import wan
from bankcrm.web.runtime import runtime

_built: list[CounterService] = []
_lock = threading.Lock()


def counter_service() -> CounterService:
    """The API's counter service: one cache for the screens and the terminals."""
    return runtime().counter


def supervisor_actor(username: str, password: str, totp: str | None, client: str | None) -> Actor:
    """The supervisor's login, checked now like a login (lockout, rate limit and audit
    included), as the API's ``_authenticated_supervisor`` does; Unauthenticated otherwise."""
    rt = runtime()
    with rt.sessions() as store:
        user = authenticate(
            store,
            username,
            password,
            rt.settings.security,
            client,
            totp or None,
            limiter=rt.limiter,
        )
        return actor_of(user, client)


def type_label(txn_type: str, lang: str) -> str:
    try:
        kind = TxnType(txn_type)
    except ValueError:
        return txn_type
    return LABELS_ZH[kind] if lang == "zh" else kind.value.replace("_", " ")


GRANT_ZH = {
    None: "已缓存：本次服务的后续业务可沿用这次核验。",
    "already_cached": "已缓存（此前已申请，未作改变）。",
    "held_elsewhere": "未缓存：该客户正在另一柜台办理业务，本次后续业务需逐笔核验。",
    "cache_unavailable": "未缓存：缓存服务暂不可用（系统已告警），本次后续业务需逐笔核验。",
}
GRANT_EN = {
    None: "Cached: the visit's later transactions may rely on this verification.",
    "already_cached": "Cached already: nothing changed.",
    "held_elsewhere": "Not cached: the customer is being served at another counter.",
    "cache_unavailable": "Not cached: the cache is unavailable (alert raised); verify each time.",
}
_ABOVE = re.compile(r"above (?P<limit>[0-9.]+) yuan")
_MISS_ZH = {
    "cache idle": "缓存已因闲置超时被清除，需重新核验身份。",
    "cache absolute": "缓存已超过最长保留时间被清除，需重新核验身份。",
    "cache absent": "没有可用的缓存（未申请或已清除），需重新核验身份。",
    "cache terminal_change": "终端已变更，缓存已清除，需重新核验身份。",
    "cache unavailable": "缓存服务暂不可用，需重新核验身份。",
}


def need_text(status: str, reason: str | None, lang: str) -> str:
    """Why a transaction was not recorded yet, and what to do."""
    reason = reason or ""
    if status == "needs_supervisor":
        if lang != "zh":
            return (
                "A branch manager must authorize this: they type their own username and password."
            )
        return "该业务需网点负责人授权：请负责人在本机输入其本人的用户名和密码。"
    if lang != "zh":
        return f"A fresh identity verification is needed ({reason})."
    if "always needs a fresh" in reason:
        return "按规定，该业务每次都须重新核验客户身份（不可沿用缓存）。"
    above = _ABOVE.search(reason)
    if above:
        return f"金额超过{wan(Decimal(above['limit']))}，须重新核验客户身份。"
    return _MISS_ZH.get(reason, "需重新核验客户身份。")


def error_text(reason: str, lang: str) -> str:
    """A refused counter request (CounterError's reason) in the teller's language."""
    if lang != "zh":
        return reason
    known = {
        "not yet confirmed by the customer": "还有业务未经客户签名确认，不能结束服务。",
        "nothing of this visit awaits that signature": "没有待客户签名确认的业务。",
        "no passed identity verification to cache": "身份核验未通过，不能申请缓存。",
        "the visit has ended": "本次服务已结束，请重新核验开始新的服务。",
        "does not serve at the counter": "您的角色不能办理柜面业务。",
        "already relied on": "这次核验已用于一笔业务，请重新核验。",
        "no counter session": "找不到本次服务，请重新核验开始服务。",
    }
    for english, chinese in known.items():
        if english in reason:
            return chinese
    return f"操作未完成：{reason}"
