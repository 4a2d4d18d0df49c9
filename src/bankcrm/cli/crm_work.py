"""Commands for the RMs' work: ``tasks`` (generate, list), ``segments`` (preview, save, export)
and ``campaigns`` (create, results, detect)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.orm import Session

from bankcrm.analytics.base import Tables
from bankcrm.cli.app import app, console, err, fail, operator, parse_as_of, progress
from bankcrm.config import Settings
from bankcrm.crm import campaigns, campaigns_results, segments
from bankcrm.crm.campaigns import CampaignSpec
from bankcrm.crm.campaigns_outcomes import detect_outcomes_in
from bankcrm.crm.errors import CrmError
from bankcrm.crm.segments_export import export_members
from bankcrm.crm.segments_rules import Rule, parse_rule
from bankcrm.crm.tasks import STATUS_LABELS_ZH, TaskFilter, TaskStatus, list_tasks
from bankcrm.crm.tasks_generate import generate_tasks
from bankcrm.domain.actor import Actor
from bankcrm.domain.enums import LABELS_ZH
from bankcrm.domain.money import fen_to_yuan, format_wan
from bankcrm.domain.task_rules import RULE_TITLES_ZH
from bankcrm.store.db import is_current, make_engine, session_factory
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse

tasks_app = typer.Typer(help="Tasks for relationship managers (任务).")
app.add_typer(tasks_app, name="tasks")
segments_app = typer.Typer(help="Customer segments (客群).")
app.add_typer(segments_app, name="segments")
campaigns_app = typer.Typer(help="Marketing campaigns (营销活动).")
app.add_typer(campaigns_app, name="campaigns")

RuleOption = Annotated[str, typer.Option(help="The rule: JSON text, or @FILE with the JSON.")]


def _actor() -> Actor:
    return operator()


def _open(settings: Settings) -> tuple[Session, Tables]:
    """A store session and the warehouse on DuckDB, or a clear error."""
    engine = make_engine(settings.store_url)
    if not is_current(engine):
        raise fail(
            f"the store at {settings.store_url_safe} has no schema: run `bankcrm db upgrade`"
        )
    try:
        tables = Tables.load(connect("duckdb"), Warehouse(settings.warehouse_path))
    except LookupError as error:
        raise fail(str(error)) from None
    return session_factory(engine)(), tables


def _json_arg(text: str, option: str) -> Any:
    raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, OSError) as error:
        raise fail(f"bad {option}: {error}") from None


def _rule(text: str) -> Rule:
    try:
        return parse_rule(_json_arg(text, "--rule"))
    except ValidationError as error:
        raise fail(f"bad --rule: {_first_error(error)}") from None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}"


@tasks_app.command("generate")
def tasks_generate(
    as_of: Annotated[str, typer.Option(help="The day to run the rules for, YYYY-MM-DD.")],
) -> None:
    """Run every task rule at --as-of and create the tasks (idempotent: a re-run creates only
    what is new)."""
    day = parse_as_of(as_of)
    assert day is not None
    settings = Settings()
    rules = settings.tasks
    session, tables = _open(settings)
    with session, progress() as bar:
        job = bar.add_task("任务规则", total=len(RULE_TITLES_ZH) - 1)
        try:
            report = generate_tasks(
                session,
                _actor(),
                tables,
                day,
                rules,
                settings.tiers.ladder(),
                on_rule=lambda _name: bar.advance(job),
            )
        except CrmError as error:
            raise fail(str(error)) from None
    table = Table(title=f"任务生成 {day}（月末数据 {report.month_end}）")
    for header in ("规则", "rule", "命中客户", "新建任务"):
        table.add_column(header, justify="right" if header in ("命中客户", "新建任务") else "left")
    for name, hits in report.fired.items():
        table.add_row(RULE_TITLES_ZH[name], name, str(hits), str(report.created[name]))
    console.print(table)


@tasks_app.command("list")
def tasks_list(
    employee: Annotated[str | None, typer.Option(help="An RM's employee id.")] = None,
    status: Annotated[TaskStatus | None, typer.Option(help="open, done or cancelled.")] = None,
    overdue_on: Annotated[str | None, typer.Option(help="Open tasks due before this day.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    out: Annotated[Path | None, typer.Option(help="Also write an .xlsx here.")] = None,
) -> None:
    """List tasks, earliest due first."""
    f = TaskFilter(employee_id=employee, status=status, overdue_on=parse_as_of(overdue_on))
    session, _ = _open(Settings())
    with session:
        rows, total = list_tasks(session, _actor(), f, 0, limit)
        frame = pd.DataFrame(
            {
                "任务号": [t.id for t in rows],
                "规则": [RULE_TITLES_ZH.get(t.rule, t.rule) for t in rows],
                "客户号": [t.customer_id for t in rows],
                "客户经理": [t.employee_id or f"{t.branch_id} 网点队列" for t in rows],
                "到期日": [t.due_on.isoformat() for t in rows],
                "状态": [STATUS_LABELS_ZH[t.status] for t in rows],
            }
        )
    table = Table(title=f"任务（共 {total} 条，显示 {len(rows)} 条）")
    for column in frame.columns:
        table.add_column(column)
    for record in frame.itertuples(index=False):  # at most --limit rows, for display
        table.add_row(*(str(v) for v in record))
    console.print(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_excel(out, index=False, engine="xlsxwriter")
        err.print(f"written {out}")


@segments_app.command("preview")
def segments_preview(
    rule: RuleOption,
    as_of: Annotated[
        str | None, typer.Option(help="Month-end, YYYY-MM-DD (default latest).")
    ] = None,
) -> None:
    """How many customers a rule selects, and their AUM (万元), per tier."""
    parsed = _rule(rule)
    session, tables = _open(Settings())
    with session:
        try:
            p = segments.preview(session, _actor(), tables, parsed, parse_as_of(as_of))
        except CrmError as error:
            raise fail(str(error)) from None
    table = Table(title=f"客群预览（{p.as_of}）")
    table.add_column("客户层级")
    table.add_column("客户数", justify="right")
    for tier, n in p.by_tier.items():
        table.add_row(LABELS_ZH.get(tier, tier), str(n))
    table.add_row("合计", str(p.customers))
    console.print(table)
    console.print(f"AUM 合计：{format_wan(p.aum)} 万元")


@segments_app.command("save")
def segments_save(
    name: Annotated[str, typer.Option(help="A unique name.")],
    rule: RuleOption,
    description: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Save a segment and count it at the latest month-end."""
    parsed = _rule(rule)
    session, tables = _open(Settings())
    with session:
        try:
            saved = segments.save_segment(session, _actor(), name, parsed, description)
            saved = segments.refresh_segment(session, _actor(), tables, saved.id)
        except CrmError as error:
            raise fail(str(error)) from None
        console.print(
            f"客群 #{saved.id} {saved.name}：{saved.customers} 位客户，"
            f"AUM {format_wan(fen_to_yuan(saved.aum_fen or 0))} 万元"
        )


@segments_app.command("export")
def segments_export(
    segment_id: Annotated[int, typer.Argument(help="The saved segment's id.")],
    out: Annotated[Path, typer.Option(help="The .xlsx file to write.")],
    as_of: Annotated[str | None, typer.Option(help="Month-end, YYYY-MM-DD.")] = None,
    marketing: Annotated[
        bool,
        typer.Option(
            "--marketing/--all",
            help="Leave out customers without marketing consent or on the do-not-contact "
            "list (the default), or write every member.",
        ),
    ] = True,
) -> None:
    """Write a saved segment's members to Excel (AUM in 万元)."""
    session, tables = _open(Settings())
    with session:
        try:
            saved = segments.get_segment(session, _actor(), segment_id)
            d, rows = segments.members(
                session, _actor(), tables, segments.saved_rule(saved), parse_as_of(as_of)
            )
            done = export_members(session, _actor(), rows, out, f"{saved.name}（{d}）",
                                  marketing=marketing, segment_id=saved.id)  # fmt: skip
        except CrmError as error:
            raise fail(str(error)) from None
    left = ", ".join(f"{reason} {n}" for reason, n in done.left_out.items())
    err.print(
        f"{done.written} customers written to {out}" + (f" (left out: {left})" if left else "")
    )


@campaigns_app.command("create")
def campaigns_create(
    spec: Annotated[str, typer.Option(help="The campaign as JSON text, or @FILE.")],
) -> None:
    """Create a campaign: exclusions, the control group, tasks for the RMs."""
    try:
        parsed = CampaignSpec.model_validate(_json_arg(spec, "--spec"))
    except ValidationError as error:
        raise fail(f"bad --spec: {_first_error(error)}") from None
    session, tables = _open(Settings())
    with session:
        try:
            made = campaigns.create_campaign(session, _actor(), tables, parsed)
        except CrmError as error:
            raise fail(str(error)) from None
    c = made.campaign
    console.print(f"营销活动 #{c.id} {c.name}（客群月末 {c.as_of}，随机种子 {c.seed}）")
    for group, n in made.groups.items():
        console.print(f"  {campaigns.GROUP_LABELS_ZH[group]}：{n}")
    for reason, n in made.exclusions.items():
        console.print(f"    {campaigns.EXCLUSION_LABELS_ZH[reason]}：{n}")
    console.print(f"  新建任务：{made.tasks}")


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2%}"


@campaigns_app.command("results")
def campaign_results_command(
    campaign_id: Annotated[int, typer.Argument()],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Conversion of targets vs control, lift with its 95% CI, incremental AUM and ROI."""
    session, _ = _open(Settings())
    with session:
        try:
            r = campaigns_results.results(session, _actor(), campaign_id)
        except CrmError as error:
            raise fail(str(error)) from None
    s = r.stats
    if json_out:
        typer.echo(json.dumps(s, default=lambda o: o.__dict__, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"营销活动 #{campaign_id} 效果")
    table.add_column("指标")
    table.add_column("值", justify="right")
    ci = "—" if s.lift_ci is None else f"[{_pct(s.lift_ci.low)}, {_pct(s.lift_ci.high)}]"
    inc = (
        "—" if s.incremental_aum is None else f"{format_wan(Decimal(str(s.incremental_aum)))} 万元"
    )
    for label, value in (
        ("目标组转化", f"{s.target_conversions}/{s.targets}（{_pct(s.target_rate)}）"),
        ("对照组转化", f"{s.control_conversions}/{s.controls}（{_pct(s.control_rate)}）"),
        ("提升（绝对值）", _pct(s.lift)),
        ("95% 置信区间（Newcombe）", ci),
        ("增量 AUM", inc),
        ("投入产出比 ROI", "—" if s.roi is None else f"{s.roi:.2f}"),
    ):
        table.add_row(label, value)
    console.print(table)


@campaigns_app.command("detect")
def campaigns_detect(
    as_of: Annotated[str, typer.Option(help="Read outcomes at this day's month-end.")],
) -> None:
    """Detect conversions of started campaigns from the latest extract."""
    day = parse_as_of(as_of)
    assert day is not None
    session, tables = _open(Settings())
    with session:
        try:
            found = detect_outcomes_in(session, tables, day)
        except CrmError as error:
            raise fail(str(error)) from None
    for d in found:
        console.print(f"营销活动 #{d.campaign_id}：{d.members} 位成员，新识别转化 {d.converted}")
