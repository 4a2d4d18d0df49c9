"""The counter screen's widgets: the four steps of a visit, the visit's list and the
countdown of the cache's idle timeout. The steps' actions are ``CounterScreen``'s."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from nicegui import ui

from bankcrm.domain.actor import Actor
from bankcrm.domain.counter.policy import AMOUNT_TYPES, LABELS_ZH, TxnType
from bankcrm.web.auth import Visit
from bankcrm.web.fmt import wan
from bankcrm.web.pages.counter.service import type_label


class CounterWidgets:
    """The layout; subclasses supply the actions the buttons run."""

    visit: Visit
    t: Callable[[str, str], str]
    idle: float
    absolute: float
    cached_at: float | None
    used_at: float | None

    def _act(self, step: Callable[[Actor], None]) -> None:
        raise NotImplementedError

    def _start(self, actor: Actor) -> None:
        raise NotImplementedError

    def _cache(self, actor: Actor) -> None:
        raise NotImplementedError

    def _submit(self, actor: Actor) -> None:
        raise NotImplementedError

    def _fresh(self, actor: Actor) -> None:
        raise NotImplementedError

    def _authorize(self, actor: Actor) -> None:
        raise NotImplementedError

    def _sign(self, actor: Actor, transaction_id: str | None = None) -> None:
        raise NotImplementedError

    def _end(self, actor: Actor) -> None:
        raise NotImplementedError

    # -- layout ------------------------------------------------------------------------

    def build(self) -> None:
        t = self.t
        with ui.row().classes("w-full gap-4 items-start no-wrap"):
            with ui.column().classes("gap-4").style("flex: 1 1 0; min-width: 380px"):
                self._identity_card()
                self._cache_card()
            with ui.column().classes("gap-4").style("flex: 2 1 0; min-width: 520px"):
                self._transaction_card()
                with ui.card().classes("w-full"):
                    ui.label(t("4. 客户签名确认与结束服务", "4. Signature and end")).classes(
                        "text-subtitle1"
                    )
                    self.list_area = ui.column().classes("w-full")
                    with ui.row():
                        ui.button(
                            t("客户签名确认（一次签名）", "Customer signs the list"),
                            on_click=lambda: self._act(self._sign),
                        ).props('data-testid="sign-visit"')
                        ui.button(
                            t("结束服务", "End visit"),
                            color="grey-8",
                            on_click=lambda: self._act(self._end),
                        ).props('data-testid="end-visit"')
        self.state = ui.label(t("尚未开始服务：请先核验客户身份。", "No visit yet: verify first."))
        self.state.props('data-testid="visit-state"').classes("text-body1")
        ui.timer(1.0, self._tick)
        self._render_list([])

    def _identity_card(self) -> None:
        t = self.t
        with ui.card().classes("w-full"):
            ui.label(t("1. 核验客户身份（联网核查）", "1. Verify identity")).classes(
                "text-subtitle1"
            )
            self.customer_id = (
                ui.input(t("客户号", "Customer number"))
                .props('data-testid="cust-id"')
                .classes("w-full")
            )
            self.name = (
                ui.input(t("姓名", "Name")).props('data-testid="cust-name"').classes("w-full")
            )
            self.id_number = (
                ui.input(t("证件号码", "ID number"))
                .props('data-testid="cust-idno"')
                .classes("w-full")
            )
            ui.button(
                t("联网核查并开始服务", "Verify and start the visit"),
                on_click=lambda: self._act(self._start),
            ).props('data-testid="verify"')
            self.verify_result = ui.label("").props('data-testid="verify-result"')

    def _cache_card(self) -> None:
        t = self.t
        with ui.card().classes("w-full"):
            ui.label(t("2. 连续业务数据缓存", "2. Consecutive-business cache")).classes(
                "text-subtitle1"
            )
            self.consent = ui.checkbox(t("客户已同意缓存本次核验结果", "The customer consents"))
            self.consent.props('data-testid="consent"')
            ui.button(
                t("申请缓存", "Request the cache"), on_click=lambda: self._act(self._cache)
            ).props('data-testid="cache-request"')
            self.cache_result = ui.label("").props('data-testid="cache-result"')
            self.countdown = (
                ui.label(t("未缓存", "Not cached"))
                .props('data-testid="cache-countdown"')
                .classes("text-h6")
            )
            ui.label(
                t(
                    f"缓存闲置 {self.idle / 60:g} 分钟"
                    f"或自创建起 {self.absolute / 60:g} 分钟后自动清除。",
                    f"Cleared after {self.idle:g} s idle or {self.absolute:g} s in all.",
                )
            ).classes("text-caption text-grey-7")

    def _transaction_card(self) -> None:
        t = self.t
        with ui.card().classes("w-full"):
            ui.label(t("3. 办理业务", "3. Transactions")).classes("text-subtitle1")
            options = {k.value: type_label(k.value, self.visit.lang) for k in TxnType}
            with ui.row().classes("items-end gap-4"):
                self.txn_type = (
                    ui.select(
                        options,
                        value=TxnType.DEPOSIT.value,
                        label=t("业务类型", "Type"),
                        on_change=lambda _: self._amount_shown(),
                    )
                    .props('data-testid="txn-type"')
                    .classes("w-48")
                )
                self.amount = (
                    ui.input(t("金额（元）", "Amount (yuan)"))
                    .props('data-testid="txn-amount"')
                    .classes("w-48")
                )
                ui.button(t("提交业务", "Submit"), on_click=lambda: self._act(self._submit)).props(
                    'data-testid="txn-submit"'
                )
            self.txn_result = ui.label("").props('data-testid="txn-result"')
            with ui.row() as self.fresh_row:
                ui.button(
                    t("重新核验并办理", "Verify again and submit"),
                    on_click=lambda: self._act(self._fresh),
                ).props('data-testid="fresh-verify" color=orange')
            self.fresh_row.visible = False
            with ui.row().classes("items-end gap-2") as self.super_row:
                self.sup_user = ui.input(t("负责人用户名", "Supervisor username")).props(
                    'data-testid="supervisor-user"'
                )
                self.sup_password = ui.input(
                    t("负责人密码", "Supervisor password"), password=True
                ).props('data-testid="supervisor-password"')
                self.sup_totp = ui.input(t("动态码（如已启用）", "Code (if enrolled)")).classes(
                    "w-32"
                )
                ui.button(
                    t("授权", "Authorize"), on_click=lambda: self._act(self._authorize)
                ).props('data-testid="supervisor-ok" color=orange')
            self.super_row.visible = False

    def _amount_shown(self) -> None:
        self.amount.visible = TxnType(self.txn_type.value) in AMOUNT_TYPES

    # -- the list and the countdown -----------------------------------------------------

    def _render_list(self, rows: list[Any]) -> None:
        t, lang = self.t, self.visit.lang
        self.list_area.clear()
        with self.list_area:
            if not rows:
                ui.label(t("本次服务尚未办理业务。", "No transactions in this visit yet.")).classes(
                    "text-grey-7"
                )
                return
            columns = [
                {"name": k, "label": label, "field": k, "align": "left"}
                for k, label in (
                    ("type", t("业务", "Type")),
                    ("amount", t("金额", "Amount")),
                    ("how", t("核验方式", "Verification")),
                    ("supervisor", t("授权人", "Supervisor")),
                    ("signed", t("签名", "Signature")),
                )
            ]
            table_rows = [
                {
                    "id": r.transaction_id,
                    "type": LABELS_ZH[TxnType(r.txn_type)] if lang == "zh" else r.txn_type,
                    "amount": wan(Decimal(r.amount_fen) / 100, lang) if r.amount_fen else "—",
                    "how": t("沿用缓存", "cache") if r.via_cache else t("重新核验", "fresh"),
                    "supervisor": r.supervisor or "—",
                    "signed": t("已签名", "signed")
                    if r.confirmation_id
                    else (
                        t("待单独签名", "own signature due")
                        if r.confirm_each
                        else t("待签名", "to sign")
                    ),
                }
                for r in rows
            ]
            ui.table(columns=columns, rows=table_rows, row_key="id").props(
                'flat bordered dense data-testid="txn-table"'
            ).classes("w-full")
            for r in rows:
                if r.confirm_each and r.confirmation_id is None:
                    label = type_label(r.txn_type, lang)
                    ui.button(
                        t(f"客户单独签名：{label}", f"Customer signs: {label}"),
                        on_click=lambda _, i=r.transaction_id: self._act(
                            lambda a: self._sign(a, i)
                        ),
                    ).props("outline")

    def _tick(self) -> None:
        t = self.t
        if self.cached_at is None or self.used_at is None:
            self.countdown.set_text(t("未缓存", "Not cached"))
            return
        now = time.monotonic()
        left = min(self.used_at + self.idle - now, self.cached_at + self.absolute - now)
        if left <= 0:
            self.countdown.set_text(
                t(
                    "缓存已超时清除：下一笔业务需重新核验。",
                    "Cache expired: the next transaction needs a check.",
                )
            )
            return
        minutes, seconds = divmod(int(left), 60)
        self.countdown.set_text(
            t(
                f"缓存有效，剩余 {minutes:d}分{seconds:02d}秒",
                f"Cached: {minutes:d}:{seconds:02d} left",
            )
        )
