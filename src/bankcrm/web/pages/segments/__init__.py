"""客群与营销 Segments and campaigns: build a segment with a live count and AUM, save it,
create a campaign from it (a branch manager), and read the campaigns' results."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import run, ui
from pydantic import ValidationError

from bankcrm.crm.segments_rules import rule_json
from bankcrm.domain.errors import Conflict, Forbidden, ServiceError, Unauthenticated
from bankcrm.security.policy import Permission, allowed
from bankcrm.web import fmt
from bankcrm.web.auth import Visit, to_login, visit_of
from bankcrm.web.charts import TIERS, name
from bankcrm.web.layout import empty, frame
from bankcrm.web.pages.segments import work
from bankcrm.web.pages.segments.builder import Draft, Editor, rule_of
from bankcrm.web.pages.segments.campaigns_view import Campaigns
from bankcrm.web.pages.segments.saved_view import Saved


@ui.page("/segments")
def segments_page(request: Request) -> Any:
    visit = visit_of(request)
    if visit is None:
        return to_login(request)
    with frame(visit, "客群与营销", "Segments and campaigns"):
        if not allowed(visit.actor, Permission.SEGMENTS):
            empty(visit.t("您的角色不能使用客群与营销。", "Your role may not build segments."))
            return None
        Screen(visit).build()
    return None


def _problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
    return str(error)


class Screen:
    def __init__(self, visit: Visit) -> None:
        self.visit = visit
        self.draft = Draft()
        self.asked = 0  # previews answer out of order: only the latest is shown

    def build(self) -> None:
        t = self.visit.t
        self.timers = ui.element("div").classes("hidden")
        with ui.card().classes("w-full"):
            ui.label(t("客群规则", "Segment rule")).classes("text-subtitle1 text-weight-medium")
            self.editor = Editor(self.draft, self.visit.lang, self.changed)
            self.editor.build()
            with ui.row().classes("items-center gap-6 w-full q-mt-sm"):
                with ui.column().classes("gap-0"):
                    ui.label(t("符合条件客户数", "Customers")).classes("text-caption text-grey-7")
                    self.count = ui.label("…").classes("text-h6").props('data-testid="seg-count"')
                with ui.column().classes("gap-0"):
                    ui.label(t("资产规模 AUM", "AUM")).classes("text-caption text-grey-7")
                    self.aum = ui.label("…").classes("text-h6").props('data-testid="seg-aum"')
                self.tiers = ui.label("").classes("text-body2 text-grey-8")
                ui.space()
                self.seg_name = ui.input(t("客群名称", "Segment name")).classes("w-56").props(
                    'data-testid="segment-name"')  # fmt: skip
                ui.button(t("保存客群", "Save segment"), icon="save", on_click=self.save).props(
                    'outline data-testid="segment-save"')  # fmt: skip
            self.problem = ui.label("").classes("text-negative").props('data-testid="seg-error"')
            self.saved = Saved(self.visit, self.editor.load)
            self.saved.build()
        ui.timer(0.05, self.saved.refresh, once=True)
        self.campaigns = Campaigns(self.visit, self.rule)
        if allowed(self.visit.actor, Permission.CAMPAIGN_MANAGE):
            self.campaigns.form()
        if allowed(self.visit.actor, Permission.CAMPAIGN_VIEW):
            self.campaigns.listing()
            ui.timer(0.05, self.campaigns.load, once=True)
        ui.timer(0.05, self.preview, once=True)

    def rule(self) -> Any:
        """The builder's rule as JSON for a campaign (ValueError with the reason if invalid)."""
        try:
            return rule_json(rule_of(self.draft))
        except ValidationError as error:
            raise ValueError(_problem(error)) from None

    def changed(self) -> None:
        # The edit may have come from a row the editor just rebuilt: a timer made in that
        # row's (deleted) slot would never fire, so it lives in a container that stays.
        with self.timers:
            ui.timer(0.01, self.preview, once=True)

    def _actor(self) -> Any:
        try:
            return self.visit.fresh()
        except Unauthenticated:
            ui.navigate.to("/login")
            return None

    async def preview(self) -> None:
        t, lang = self.visit.t, self.visit.lang
        try:
            rule = rule_of(self.draft)
        except (ValueError, ValidationError) as error:
            self.problem.set_text(_problem(error))
            self.count.set_text("—")
            self.aum.set_text("—")
            self.tiers.set_text("")
            return
        actor = self._actor()
        if actor is None:
            return
        self.asked += 1
        mine = self.asked
        self.problem.set_text("")
        client = self.count.client
        try:
            p = await run.io_bound(work.preview, actor, rule)
        except (ServiceError, LookupError) as error:
            self.problem.set_text(t("无法计算：", "Cannot count: ") + str(error))
            return
        if p is None or mine != self.asked or client.is_deleted:
            return
        self.count.set_text(f"{p.customers:,}")
        self.aum.set_text(fmt.wan(p.aum, lang))
        mix = "，".join(f"{name(k, lang)} {p.by_tier.get(k, 0):,}" for k in TIERS)
        self.tiers.set_text(t(f"（{fmt.day(p.as_of, lang)}月末数据）{mix}",
                              f"(month-end {fmt.day(p.as_of, lang)}) {mix}"))  # fmt: skip

    async def save(self) -> None:
        t = self.visit.t
        label = (self.seg_name.value or "").strip()
        if not label:
            ui.notify(t("请填写客群名称。", "Give the segment a name."), type="warning")
            return
        try:
            rule = rule_of(self.draft)
        except (ValueError, ValidationError) as error:
            ui.notify(_problem(error), type="negative")
            return
        actor = self._actor()
        if actor is None:
            return
        try:
            await run.io_bound(work.save, actor, label, rule)
        except Forbidden:
            ui.notify(
                t("您的角色不能保存客群。", "Your role may not save segments."), type="negative"
            )
            return
        except Conflict:
            taken = t(
                f"已有名为“{label}”的客群，请换一个名称。", f"“{label}” exists: choose another."
            )
            ui.notify(taken, type="negative")
            return
        except ServiceError as error:
            ui.notify(t("未保存：", "Not saved: ") + error.reason, type="negative")
            return
        ui.notify(t(f"客群“{label}”已保存。", f"Segment “{label}” saved."), type="positive")
        await self.saved.refresh()
