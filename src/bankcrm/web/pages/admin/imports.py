"""数据导入: import an extract uploaded as a zip of its folder, see what was rejected and
download it; the runs so far, newest first."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from nicegui import events, run, ui

from bankcrm.domain.actor import Actor
from bankcrm.domain.errors import BankcrmError, Unauthenticated
from bankcrm.web import imports as service
from bankcrm.web.auth import Visit
from bankcrm.web.fmt import moment
from bankcrm.web.pages.admin.common import guarded, pager
from bankcrm.web.runtime import runtime

PAGE_SIZE = 10
STATUS_ZH = {"succeeded": "成功", "failed": "失败", "running": "进行中"}


def build(visit: Visit) -> None:  # noqa: PLR0915  (one screen's widgets, in order)
    t, lang = visit.t, visit.lang
    rt = runtime()
    state: dict[str, Any] = {"page": 1}
    ui.label(
        t(
            "上传数据抽取文件夹的 zip 压缩包（各表的 CSV 或 Parquet 文件，格式见 extract-format）。"
            "导入与命令 bankcrm import 相同：逐个文件校验、入库，不合格的行被拒绝并可下载。",
            "Upload a zip of the extract folder; it is imported as `bankcrm import` does.",
        )
    ).classes("text-body2")
    upload = (
        ui.upload(
            label=t("选择 zip 文件", "Choose a zip file"),
            auto_upload=True,
            max_file_size=rt.settings.security.max_upload_bytes,
            on_upload=lambda e: handle(e),  # noqa: PLW0108  (defined below)
        )
        .props('accept=".zip" data-testid="import-upload"')
        .classes("w-96")
    )
    busy = ui.row().classes("items-center")
    with busy:
        ui.spinner()
        ui.label(t("正在导入，请稍候……", "Importing…"))
    busy.visible = False
    result = ui.column().classes("w-full")
    ui.separator()
    ui.label(t("导入记录", "Import runs")).classes("text-subtitle1")
    columns = [
        {"name": k, "label": label, "field": k, "align": "left"}
        for k, label in (
            ("id", t("批次", "Run")),
            ("started", t("开始时间", "Started")),
            ("source", t("来源", "Source")),
            ("operator", t("操作人", "Operator")),
            ("status", t("结果", "Status")),
            ("read", t("读取行数", "Read")),
            ("rejected", t("拒绝行数", "Rejected")),
        )
    ]
    table = ui.table(columns=columns, rows=[], row_key="id", selection="single")
    table.props('flat bordered dense data-testid="import-runs"').classes("w-full")
    update_pager = pager(visit, lambda page: load(page))  # noqa: PLW0108  (defined below)
    ui.button(
        t("下载选中批次的拒绝明细", "Download the selected run's rejects"),
        icon="download",
        on_click=lambda: download(table.selected[0]["id"] if table.selected else None),
    ).props('outline data-testid="import-rejects-selected"')

    def load(page: int) -> None:
        def fetch(actor: Actor) -> tuple[list[service.RunView], int]:
            with rt.sessions() as session:
                return service.list_runs(
                    session, actor, rt.settings, (page - 1) * PAGE_SIZE, PAGE_SIZE
                )

        found = guarded(visit, fetch)
        if found is None:
            return
        runs, total = found
        state["page"] = page
        table.rows = [
            {
                "id": r.id,
                "started": moment(r.started_at, lang),
                "source": r.source,
                "operator": r.operator,
                "status": STATUS_ZH.get(r.status, r.status) if lang == "zh" else r.status,
                "read": f"{r.read:,}",
                "rejected": f"{r.rejected:,}",
            }
            for r in runs
        ]
        table.update()
        update_pager(page, PAGE_SIZE, total)

    def download(run_id: int | None) -> None:
        if run_id is None:
            ui.notify(t("请先在表中选中一个导入批次。", "Select a run first."), type="warning")
            return

        def fetch(actor: Actor) -> bytes:
            with rt.sessions() as session:
                return service.rejects_of(session, actor, rt.settings, run_id)

        data = guarded(visit, fetch)
        if data is not None:
            ui.download.content(data, f"import-{run_id}-rejects.csv", "text/csv")

    async def handle(event: events.UploadEventArguments) -> None:
        try:
            actor = visit.fresh()
        except Unauthenticated:
            ui.navigate.to("/login?next=/admin")
            return
        busy.visible = True
        result.clear()
        upload_dir = tempfile.TemporaryDirectory(prefix="bankcrm-zip-")
        archive = Path(upload_dir.name) / "upload.zip"
        try:
            await event.file.save(archive)  # to disk: an extract may be hundreds of MB
            done = await run.io_bound(
                service.import_zip,
                rt.settings,
                rt.sessions.kw["bind"],
                actor,
                archive,
                event.file.name,
            )
        except BankcrmError as error:
            with result:
                ui.label(
                    t(f"导入未完成：{getattr(error, 'reason', error)}", f"Not imported: {error}")
                ).classes("text-negative").props('data-testid="import-error"')
            return
        finally:
            busy.visible = False
            upload.reset()
            upload_dir.cleanup()
        if done is not None:  # None: the server is shutting down
            show(done)
        load(1)

    def show(done: service.Imported) -> None:
        report = done.report
        with result:
            ok = report.ok
            ui.label(
                t(
                    f"导入批次 {report.run_id}：{'成功' if ok else '部分文件未能导入'}，"
                    f"拒绝 {done.rejected_rows:,} 行。",
                    f"Run {report.run_id}: {'done' if ok else 'some files failed'}, "
                    f"{done.rejected_rows:,} rows rejected.",
                )
            ).classes("text-body1").props('data-testid="import-summary"')
            rows = [
                {
                    "file": r.file,
                    "read": f"{r.read:,}",
                    "accepted": f"{r.accepted:,}",
                    "rejected": f"{r.rejected:,}",
                    "inserted": f"{r.inserted:,}",
                    "updated": f"{r.updated:,}",
                    "unchanged": f"{r.unchanged:,}",
                }
                for r in report.tables.values()
            ]
            ui.table(
                columns=[
                    {"name": k, "label": label, "field": k, "align": "left"}
                    for k, label in (
                        ("file", t("文件", "File")),
                        ("read", t("读取", "Read")),
                        ("accepted", t("接受", "Accepted")),
                        ("rejected", t("拒绝", "Rejected")),
                        ("inserted", t("新增", "Inserted")),
                        ("updated", t("更新", "Updated")),
                        ("unchanged", t("未变", "Unchanged")),
                    )
                ],
                rows=rows,
            ).props("flat bordered dense").classes("w-full")
            for file, why in report.failed.items():
                ui.label(t(f"未导入 {file}：{why}", f"Not loaded {file}: {why}")).classes(
                    "text-negative"
                )
            if done.rejects_file is not None and done.rejected_rows:
                ui.button(
                    t("下载拒绝明细（CSV）", "Download the rejects (CSV)"),
                    icon="download",
                    on_click=lambda: download(report.run_id),
                ).props('data-testid="import-rejects"')
            elif not done.rejected_rows:
                ui.label(t("没有被拒绝的行。", "Nothing was rejected."))

    load(1)
