"""The counter screen's state and widgets: one visit at a time, as the service sees it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from nicegui import ui

from bankcrm.counter.identity import IdentityRequest
from bankcrm.domain.actor import Actor
from bankcrm.domain.counter.errors import CounterError
from bankcrm.domain.counter.policy import AMOUNT_TYPES, TxnType
from bankcrm.domain.errors import BankcrmError, Unauthenticated
from bankcrm.web.auth import Visit
from bankcrm.web.pages.counter.service import (
    GRANT_EN,
    GRANT_ZH,
    counter_service,
    error_text,
    need_text,
    supervisor_actor,
    type_label,
)
from bankcrm.web.pages.counter.widgets import CounterWidgets
from bankcrm.web.runtime import runtime

OUTCOME_ZH = {"passed": "核查通过", "mismatch": "核查不符", "unavailable": "核查系统暂不可用"}
OUTCOME_EN = {"passed": "passed", "mismatch": "mismatch", "unavailable": "check unavailable"}


@dataclass
class Pending:
    """A transaction waiting for what the policy asks first (a supervisor, a fresh check)."""

    txn_type: str
    amount: Decimal | None
    supervisor: Actor | None = None


class CounterScreen(CounterWidgets):
    def __init__(self, visit: Visit) -> None:
        self.visit = visit
        self.t = visit.t
        # The terminal is the teller's workstation; the screen knows it by its address.
        self.terminal = f"web-{visit.client or 'local'}"
        self.session_id: str | None = None
        self.cached_at: float | None = None  # monotonic, for the countdown only
        self.used_at: float | None = None
        self.pending: Pending | None = None
        settings = runtime().settings.counter
        self.idle = settings.idle_timeout_seconds
        self.absolute = settings.absolute_timeout_seconds

    def build(self) -> None:
        super().build()
        self._act(self._resume)

    # -- actions -----------------------------------------------------------------------

    def _act(self, step: Callable[[Actor], None]) -> None:
        """Run one step with the teller re-checked; refusals shown in words."""
        try:
            actor = self.visit.fresh()
        except Unauthenticated:
            ui.navigate.to("/login?next=/counter")
            return
        try:
            step(actor)
        except CounterError as error:
            ui.notify(error_text(error.reason, self.visit.lang), type="warning", multi_line=True)
        except BankcrmError as error:
            ui.notify(self.t(f"操作未完成：{error}", f"Not done: {error}"), type="warning")

    def _identity(self) -> IdentityRequest | None:
        """What the teller read from the ID card, as typed (the screen keeps no copy)."""
        values = [(v or "").strip() for v in
                  (self.customer_id.value, self.name.value, self.id_number.value)]  # fmt: skip
        if not all(values):
            ui.notify(self.t("请填写客户号、姓名和证件号码。",
                             "Fill in the customer number, name and ID number."),
                      type="warning")  # fmt: skip
            return None
        return IdentityRequest(*values)

    def _resume(self, actor: Actor) -> None:
        """After a reload, carry on with the teller's open visit rather than lose it."""
        service = counter_service()
        open_ = service.repository.active_sessions(actor.username)
        if not open_:
            return
        session = max(open_, key=lambda s: s.started_at)
        self.session_id = session.session_id
        self.customer_id.set_value(session.customer_id)
        if session.cache_requested_at is not None and session.cache_cleared_at is None:
            rows = service.repository.transactions(session.session_id)
            used = max([t.recorded_at for t in rows if t.via_cache] + [session.cache_requested_at])
            now = datetime.now(UTC).replace(tzinfo=None)
            # the countdown runs on this process's monotonic clock: place the times on it
            self.cached_at = time.monotonic() - (now - session.cache_requested_at).total_seconds()
            self.used_at = time.monotonic() - (now - used).total_seconds()
        self.state.set_text(self.t(
            f"继续服务客户 {session.customer_id}（刷新前开始的服务）。申请缓存或重新核验时，"
            "请再次填写姓名和证件号码。",
            f"Carrying on with customer {session.customer_id}.",
        ))  # fmt: skip
        self._refresh_list(actor)
        self._tick()

    def _start(self, actor: Actor) -> None:
        identity = self._identity()
        if identity is None:
            return
        session, verification = counter_service().start_session(
            actor, identity, self.terminal, None
        )
        self.session_id = session.session_id
        self.cached_at = self.used_at = None
        self.pending = None
        self._hide_needs()
        texts = OUTCOME_ZH if self.visit.lang == "zh" else OUTCOME_EN
        score = f"{verification.photo_score:.2f}" if verification.photo_score is not None else "—"
        self.verify_result.set_text(
            self.t(
                f"{texts[verification.outcome]}（人像比对 {score}）",
                f"{texts[verification.outcome]} (photo match {score})",
            )
        )
        self.cache_result.set_text("")
        self.state.set_text(
            self.t(
                f"正在服务客户 {session.customer_id}。", f"Serving customer {session.customer_id}."
            )
        )
        self._refresh_list(actor)

    def _need_visit(self) -> str | None:
        if self.session_id is None:
            ui.notify(
                self.t("请先核验客户身份，开始服务。", "Verify the customer first."), type="warning"
            )
        return self.session_id

    def _cache(self, actor: Actor) -> None:
        session_id = self._need_visit()
        identity = self._identity() if session_id else None
        if session_id is None or identity is None:
            return
        consent = bool(self.consent.value)
        grant = counter_service().request_cache(actor, session_id, self.terminal, identity, consent)
        texts = GRANT_ZH if self.visit.lang == "zh" else GRANT_EN
        self.cache_result.set_text(texts.get(grant.reason, grant.reason or ""))
        if grant.granted and self.cached_at is None:
            self.cached_at = self.used_at = time.monotonic()
        self._tick()

    def _submit(self, actor: Actor) -> None:
        kind = TxnType(self.txn_type.value)
        amount: Decimal | None = None
        if kind in AMOUNT_TYPES:
            try:
                amount = Decimal(str(self.amount.value).replace(",", "").strip())
            except InvalidOperation:
                amount = None
            if amount is None or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
                ui.notify(
                    self.t(
                        "请输入大于零、最多两位小数的金额（元）。",
                        "Enter an amount above zero, at most two decimals.",
                    ),
                    type="warning",
                )
                return
        self.pending = Pending(kind.value, amount)
        self._transact(actor, None)

    def _transact(self, actor: Actor, fresh_id: str | None) -> None:
        session_id, pending = self._need_visit(), self.pending
        if session_id is None or pending is None:
            return
        outcome = counter_service().transact(
            actor,
            session_id,
            self.terminal,
            pending.txn_type,
            pending.amount,
            fresh_id,
            pending.supervisor,
        )
        self._hide_needs()
        label = type_label(pending.txn_type, self.visit.lang)
        if outcome.status == "recorded":
            how = (
                self.t("沿用缓存核验", "relied on the cache")
                if outcome.via_cache
                else self.t("使用本次重新核验", "on a fresh verification")
            )
            own = self.t("；该笔须客户单独签名", "; the customer signs it on its own")
            self.txn_result.set_text(
                self.t(
                    f"已办理：{label}（{how}{own if outcome.confirm_each else ''}）",
                    f"Recorded: {label} ({how})",
                )
            )
            if outcome.via_cache:
                self.used_at = time.monotonic()
            self.pending = None
        else:
            self.txn_result.set_text(
                f"{label}：{need_text(outcome.status, outcome.reason, self.visit.lang)}"
            )
            self.fresh_row.visible = outcome.status == "needs_verification"
            self.super_row.visible = outcome.status == "needs_supervisor"
            if "cache" in (outcome.reason or ""):
                self.cached_at = self.used_at = None  # the service cleared it
        self._refresh_list(actor)
        self._tick()

    def _authorize(self, actor: Actor) -> None:
        if self.pending is None:
            return
        try:
            supervisor = supervisor_actor(
                self.sup_user.value or "",
                self.sup_password.value or "",
                self.sup_totp.value,
                self.visit.client,
            )
        except Unauthenticated:
            ui.notify(
                self.t(
                    "负责人用户名或密码不正确（或已锁定），未授权。",
                    "Supervisor credentials refused.",
                ),
                type="negative",
            )
            return
        finally:
            self.sup_password.set_value("")
        self.pending.supervisor = supervisor
        self._transact(actor, None)

    def _fresh(self, actor: Actor) -> None:
        session_id = self._need_visit()
        identity = self._identity() if session_id else None
        if session_id is None or identity is None or self.pending is None:
            return
        verification = counter_service().verify(actor, session_id, identity, None)
        if verification.outcome != "passed":
            texts = OUTCOME_ZH if self.visit.lang == "zh" else OUTCOME_EN
            self.txn_result.set_text(
                self.t(
                    f"重新核验未通过：{texts[verification.outcome]}，不能办理。",
                    "The fresh verification did not pass.",
                )
            )
            return
        self._transact(actor, verification.verification_id)

    def _sign(self, actor: Actor, transaction_id: str | None = None) -> None:
        session_id = self._need_visit()
        if session_id is None:
            return
        signature = f"sig-web-{uuid.uuid4().hex[:16]}"  # the signature pad's reference
        counter_service().confirm(actor, session_id, signature, transaction_id)
        ui.notify(self.t("客户已签名确认。", "Signed."), type="positive")
        self.state.set_text(self.t("客户已签名确认。", "The customer signed."))
        self._refresh_list(actor)

    def _end(self, actor: Actor) -> None:
        session_id = self._need_visit()
        if session_id is None:
            return
        counter_service().end(actor, session_id)
        self.session_id = None
        self.cached_at = self.used_at = None
        self.pending = None
        self._hide_needs()
        self.state.set_text(
            self.t("服务已结束，缓存已清除。可以接待下一位客户。", "Visit ended; cache cleared.")
        )
        self.verify_result.set_text("")
        self.cache_result.set_text("")
        self._tick()

    def _hide_needs(self) -> None:
        self.fresh_row.visible = False
        self.super_row.visible = False

    def _refresh_list(self, actor: Actor) -> None:
        if self.session_id is None:
            return
        service = counter_service()
        service.check_session(actor, self.session_id)
        self._render_list(service.repository.transactions(self.session_id))
