"""The saved segments: a page at a time, each loadable into the builder and (for the roles
that may) exportable as the members' workbook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import run, ui

from bankcrm.domain.errors import Forbidden, NotFound, ServiceError, Unauthenticated
from bankcrm.security.policy import Permission, allowed
from bankcrm.web.auth import Visit
from bankcrm.web.layout import empty
from bankcrm.web.pages.segments import work
from bankcrm.web.pages.segments.builder import Draft, draft_of
from bankcrm.web.pages.segments.work import SavedRow

PAGE_SIZE = 10


class Saved:
    def __init__(self, visit: Visit, load: Callable[[Draft], None]) -> None:
        self.visit = visit
        self.load_draft = load
        self.page_no = 1

    def _actor(self) -> Any:
        try:
            return self.visit.fresh()
        except Unauthenticated:
            ui.navigate.to("/login")
            return None

    def build(self) -> None:
        t = self.visit.t
        with (
            ui.expansion(t("已保存的客群", "Saved segments"), icon="bookmarks")
            .classes("w-full bg-white")
            .props('data-testid="saved-segments"')
        ):
            self.box = ui.column().classes("w-full gap-1")
            self.pager = ui.pagination(1, 1, direction_links=True, on_change=self._turn)

    async def _turn(self, e: Any) -> None:
        self.page_no = int(e.value or 1)
        await self.refresh()

    async def refresh(self) -> None:
        actor = self._actor()
        if actor is None:
            return
        client = self.box.client
        found = await run.io_bound(
            work.saved_page, actor, (self.page_no - 1) * PAGE_SIZE, PAGE_SIZE
        )
        if found is None or client.is_deleted:
            return
        rows, total = found
        self.pager.max = max(1, -(-total // PAGE_SIZE))
        self.box.clear()
        with self.box:
            if not rows:
                empty(self.visit.t("还没有保存的客群。", "No saved segments yet."))
            for row in rows:  # one page
                self._row(row)

    def _row(self, row: SavedRow) -> None:
        t = self.visit.t
        with ui.row().classes("items-center gap-3 w-full").props('data-testid="saved-row"'):
            ui.label(row.name).classes("text-body1")
            ui.label(t(f"创建人 {row.created_by}", f"by {row.created_by}")).classes(
                "text-caption text-grey-7"
            )
            ui.space()
            ui.button(
                t("载入规则", "Load"), icon="edit", on_click=lambda r=row: self._load(r)
            ).props('flat dense data-testid="saved-load"')
            if allowed(self.visit.actor, Permission.SEGMENT_EXPORT):
                ui.button(
                    t("导出名单", "Export"), icon="download", on_click=lambda r=row: self._export(r)
                ).props('flat dense data-testid="saved-export"')

    def _load(self, row: SavedRow) -> None:
        draft = draft_of(row.rule)
        if draft is None:
            ui.notify(self.visit.t("该客群规则含嵌套条件，请用接口或命令行修改。",
                                   "This rule nests groups: edit it through the API or the CLI."),
                      type="warning")  # fmt: skip
            return
        self.load_draft(draft)

    async def _export(self, row: SavedRow) -> None:
        t = self.visit.t
        actor = self._actor()
        if actor is None:
            return
        try:
            made = await run.io_bound(work.export, actor, row.id, self.visit.lang)
        except Forbidden:
            ui.notify(t("您的角色不能导出名单。", "Your role may not export."), type="negative")
            return
        except NotFound:
            ui.notify(t("该客群已被删除。", "The segment was deleted."), type="negative")
            return
        except ServiceError as error:
            ui.notify(t("导出失败：", "Export failed: ") + error.reason, type="negative")
            return
        if made is not None:
            data, filename = made
            ui.download.content(data, filename)
