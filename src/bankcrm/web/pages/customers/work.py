"""The RM's work on one customer in the 360 view: the contacts timeline and logging a contact,
the needs register and recording a need, the open tasks and completing one. Each part reloads
itself from the services after a change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from nicegui import ui

from bankcrm.crm import contacts, needs, tasks
from bankcrm.crm.contacts import ContactChannel, ContactInput, ContactOutcome
from bankcrm.crm.needs import STATUS_LABELS_ZH as NEED_STATUS_ZH
from bankcrm.crm.tasks import TaskFilter, TaskStatus
from bankcrm.security.policy import Permission, allowed
from bankcrm.store.models import Need, Task
from bankcrm.web import fmt
from bankcrm.web.auth import Visit
from bankcrm.web.layout import empty
from bankcrm.web.pages.customers.common import attempt, local
from bankcrm.web.runtime import runtime

TIMELINE_STEP = 10
TASKS_SHOWN = 50  # one customer's open tasks: a handful in practice


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # the store keeps UTC without a zone


def today() -> date:
    return datetime.now(UTC).date()  # as the tasks API counts overdue


def contacts_panel(visit: Visit, customer_id: str) -> None:
    t = visit.t
    shown = {"limit": TIMELINE_STEP}
    if allowed(visit.actor, Permission.CUSTOMER_WRITE):
        ui.button(
            t("记录联系", "Log a contact"),
            icon="add_call",
            on_click=lambda: log_contact_dialog(visit, customer_id, timeline.refresh),
        ).props('data-testid="contact-new"')

    @ui.refreshable
    def timeline() -> None:
        found = attempt(
            visit,
            lambda actor, s: contacts.customer_timeline(s, actor, customer_id, 0, shown["limit"]),
        )
        if found is None:
            return
        rows, total = found
        if not rows:
            empty(t("还没有联系记录。联系客户后请点击“记录联系”。", "No contacts yet."))
            return
        with ui.timeline(side="right").props('data-testid="timeline"').classes("w-full"):
            for c in rows:
                title = _zh(visit, c.channel) + " · " + _zh(visit, c.outcome)
                with ui.timeline_entry(
                    title=title, subtitle=fmt.moment(local(c.occurred_at), visit.lang)
                ):
                    if c.notes:
                        ui.label(c.notes).classes("whitespace-pre-wrap")
                    if c.next_step:
                        when = fmt.day(c.next_step_on, visit.lang) if c.next_step_on else ""
                        ui.label(t(f"下一步：{c.next_step} {when}", f"Next: {c.next_step} {when}"))
                    ui.label(c.created_by).classes("text-caption text-grey-7")
        if total > len(rows):

            def more() -> None:
                shown["limit"] += TIMELINE_STEP
                timeline.refresh()

            ui.button(t(f"更多（共{total}条）", f"More ({total} in all)"), on_click=more).props(
                "flat"
            )

    timeline()


def _zh(visit: Visit, code: str) -> str:
    return contacts.LABELS_ZH.get(code, code) if visit.lang == "zh" else code.replace("_", " ")


def log_contact_dialog(visit: Visit, customer_id: str, done: Callable[[], object]) -> None:
    t = visit.t
    with ui.dialog() as dialog, ui.card().classes("w-[32rem]"):
        ui.label(t("记录联系", "Log a contact")).classes("text-h6")
        channel = (
            ui.select(
                {c.value: _zh(visit, c.value) for c in ContactChannel},
                value=ContactChannel.CALL.value,
                label=t("方式", "Channel"),
            )
            .classes("w-full")
            .props('data-testid="contact-channel"')
        )
        outcome = (
            ui.select(
                {o.value: _zh(visit, o.value) for o in ContactOutcome},
                value=ContactOutcome.REACHED.value,
                label=t("结果", "Outcome"),
            )
            .classes("w-full")
            .props('data-testid="contact-outcome"')
        )
        notes = (
            ui.textarea(t("备注", "Notes")).classes("w-full").props('data-testid="contact-notes"')
        )
        next_step = ui.input(t("下一步（可选）", "Next step (optional)")).classes("w-full")
        next_on = ui.date_input(t("下一步日期（可选）", "Next step date (optional)")).classes(
            "w-full"
        )

        def save() -> None:
            try:
                when = date.fromisoformat(next_on.value) if next_on.value else None
            except ValueError:
                ui.notify(t("下一步日期格式应为 2024-06-30。", "Use a date like 2024-06-30."))
                return
            data = ContactInput(
                channel=ContactChannel(channel.value),
                outcome=ContactOutcome(outcome.value),
                occurred_at=_now(),
                notes=(notes.value or "").strip() or None,
                next_step=(next_step.value or "").strip() or None,
                next_step_on=when,
            )
            saved = attempt(
                visit, lambda actor, s: contacts.log_contact(s, actor, customer_id, data).id
            )
            if saved is None:
                return
            dialog.close()
            ui.notify(t("联系已记录。", "Contact logged."), type="positive")
            done()

        with ui.row().classes("justify-end w-full"):
            ui.button(t("取消", "Cancel"), on_click=dialog.close).props("flat")
            ui.button(t("保存", "Save"), on_click=save).props('data-testid="contact-save"')
    dialog.open()


def needs_panel(visit: Visit, customer_id: str) -> None:
    t = visit.t
    catalogue = runtime().settings.crm

    def need_label(code: str) -> str:
        kind = catalogue.need(code)
        if kind is None:
            return code
        return kind.label_zh if visit.lang == "zh" else kind.label_en

    @ui.refreshable
    def register() -> None:
        found = attempt(visit, lambda actor, s: needs.customer_needs(s, actor, customer_id))
        if found is None:
            return
        if not found:
            empty(t("还没有记录客户需求。", "No needs recorded."))
            return
        with ui.column().classes("gap-1").props('data-testid="needs"'):
            for n in found:
                need_row(n)

    def need_row(n: Need) -> None:
        status = NEED_STATUS_ZH.get(n.status, n.status) if visit.lang == "zh" else n.status
        with ui.row().classes("items-baseline gap-3"):
            ui.label(need_label(n.need_code)).classes("text-bold")
            ui.badge(status).props("outline")
            ui.label(fmt.day(n.recorded_at, visit.lang)).classes("text-caption")
            if n.notes:
                ui.label(n.notes).classes("text-body2")

    def record() -> None:
        with ui.dialog() as dialog, ui.card().classes("w-[28rem]"):
            ui.label(t("记录客户需求", "Record a need")).classes("text-h6")
            options = {n.code: need_label(n.code) for n in catalogue.needs}
            code = (
                ui.select(options, label=t("需求", "Need"))
                .classes("w-full")
                .props('data-testid="need-code"')
            )
            notes = ui.textarea(t("备注", "Notes")).classes("w-full")

            def save() -> None:
                if not code.value:
                    ui.notify(t("请选择需求。", "Choose a need."), type="warning")
                    return
                done = attempt(
                    visit,
                    lambda actor, s: (
                        needs.record_need(
                            s, actor, catalogue, customer_id, code.value, notes.value or None
                        ).id
                    ),
                )
                if done is not None:
                    dialog.close()
                    register.refresh()

            with ui.row().classes("justify-end w-full"):
                ui.button(t("取消", "Cancel"), on_click=dialog.close).props("flat")
                ui.button(t("保存", "Save"), on_click=save).props('data-testid="need-save"')
        dialog.open()

    if allowed(visit.actor, Permission.CUSTOMER_WRITE):
        ui.button(t("记录需求", "Record a need"), icon="add", on_click=record).props(
            'data-testid="need-new"'
        )
    register()


def tasks_panel(visit: Visit, customer_id: str) -> None:
    """The customer's open tasks that the visitor works (their own; a manager's team's)."""
    t = visit.t
    if not allowed(visit.actor, Permission.TASKS):
        empty(t("您的角色不处理任务。", "Your role does not work tasks."))
        return

    @ui.refreshable
    def listing() -> None:
        which = TaskFilter(customer_id=customer_id, status=TaskStatus.OPEN)
        found = attempt(visit, lambda actor, s: tasks.list_tasks(s, actor, which, 0, TASKS_SHOWN))
        if found is None:
            return
        rows, _ = found
        if not rows:
            empty(t("该客户没有您的待办任务。", "No open tasks of yours for this customer."))
            return
        for task in rows:
            task_row(visit, task, listing.refresh, show_customer=False)

    listing()


def task_row(visit: Visit, task: Task, done: Callable[[], object], show_customer: bool) -> None:
    """One open task: title, due date (overdue in red), and the button that completes it."""
    t = visit.t
    overdue = tasks.is_overdue(task, today())
    with (
        ui.row().classes("items-center gap-3 w-full no-wrap").props(f'data-testid="task-{task.id}"')
    ):
        ui.label(task.title).classes("grow")
        if show_customer:
            ui.link(task.customer_id, f"/customers/{task.customer_id}")
        due = t(f"到期 {fmt.day(task.due_on, 'zh')}", f"due {task.due_on}")
        ui.label(due).classes("text-negative text-bold" if overdue else "text-grey-8")
        if overdue:
            ui.badge(t("已逾期", "overdue")).props("color=red")
        ui.button(
            t("完成", "Done"), icon="check", on_click=lambda: complete_dialog(visit, task, done)
        ).props(f'dense data-testid="task-done-{task.id}"')


def complete_dialog(visit: Visit, task: Task, done: Callable[[], object]) -> None:
    t = visit.t
    with ui.dialog() as dialog, ui.card().classes("w-[28rem]"):
        ui.label(t(f"完成任务：{task.title}", f"Complete: {task.title}")).classes("text-h6")
        outcome = (
            ui.textarea(t("处理结果", "Outcome"))
            .classes("w-full")
            .props('data-testid="task-outcome"')
        )

        def confirm() -> None:
            saved = attempt(
                visit,
                lambda actor, s: tasks.update_task(
                    s, actor, task.id, task.version, TaskStatus.DONE,
                    (outcome.value or "").strip() or None,
                ).id,
            )  # fmt: skip
            if saved is None:
                return
            dialog.close()
            ui.notify(t("任务已完成。", "Task completed."), type="positive")
            done()

        with ui.row().classes("justify-end w-full"):
            ui.button(t("取消", "Cancel"), on_click=dialog.close).props("flat")
            ui.button(t("完成任务", "Complete"), on_click=confirm).props(
                'data-testid="task-confirm"'
            )
    dialog.open()
