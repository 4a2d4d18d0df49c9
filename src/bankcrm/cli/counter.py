"""``bankcrm counter simulate``: what the consecutive-business cache saves at the counter."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import xlsxwriter
from rich.table import Table

from bankcrm.cli.app import Lang, OutputFormat, app, console, emit_json, err, fail, progress
from bankcrm.counter.simulation import SimOptions, simulate

counter_app = typer.Typer(help="The counter's verification cache (连续业务数据缓存).")
app.add_typer(counter_app, name="counter")

# metric → (Chinese, English, unit kind); counts are per day, times in seconds.
METRICS: dict[str, tuple[str, str, str]] = {
    "visits": ("到店客户数（日均）", "visits per day", "count"),
    "transactions": ("办理业务笔数（日均）", "transactions per day", "count"),
    "verifications": ("联网核查次数（日均）", "identity checks per day", "count"),
    "signatures": ("客户签名次数（日均）", "signatures per day", "count"),
    "mean_visit_seconds": ("平均柜台办理时长（秒）", "mean time at the counter (s)", "seconds"),
    "p90_visit_seconds": ("柜台办理时长P90（秒）", "p90 time at the counter (s)", "seconds"),
    "mean_wait_seconds": ("平均排队时长（秒）", "mean wait in the queue (s)", "seconds"),
    "p90_wait_seconds": ("排队时长P90（秒）", "p90 wait in the queue (s)", "seconds"),
    "teller_utilisation": ("柜员忙碌率", "teller utilisation", "share"),
}
HEADERS = {
    "zh": ("指标", "不使用缓存", "使用缓存", "节省"),
    "en": ("metric", "without cache", "with cache", "saved"),
}


def _cell(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return f"{value:.1%}"
    return f"{value:,.1f}" if kind == "count" else f"{value:,.0f}"


def _rows(result: dict[str, Any], lang: str) -> list[tuple[str, str, float, float, float | None]]:
    """(label, kind, without, with, saved) per metric."""
    rows = []
    for key, (zh, en, kind) in METRICS.items():
        saved = result["saved"].get(key)
        label = zh if lang == "zh" else en
        rows.append((label, kind, result["without_cache"][key], result["with_cache"][key], saved))
    return rows


def _table(result: dict[str, Any], lang: str) -> Table:
    options = result["parameters"]
    title = (
        f"柜台一日模拟：{options['tellers']} 名柜员，{options['hours']:g} 小时，"
        f"每小时到店 {options['arrival_rate']:g} 人，"
        f"{options['days']} 天平均（种子 {options['seed']}）"
        if lang == "zh"
        else f"A counter day: {options['tellers']} tellers, {options['hours']:g} h, "
        f"{options['arrival_rate']:g} visits/h, mean of {options['days']} days "
        f"(seed {options['seed']})"
    )
    table = Table(title=title)
    for i, name in enumerate(HEADERS[lang]):
        table.add_column(name, justify="left" if i == 0 else "right")
    for label, kind, without, with_, saved in _rows(result, lang):
        table.add_row(label, _cell(without, kind), _cell(with_, kind), _cell(saved, kind))
    return table


def _write_xlsx(result: dict[str, Any], path: Path, lang: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("模拟结果" if lang == "zh" else "simulation")
    formats = {
        "count": workbook.add_format({"num_format": "#,##0.0"}),
        "seconds": workbook.add_format({"num_format": "#,##0"}),
        "share": workbook.add_format({"num_format": "0.0%"}),
    }
    sheet.write_row(0, 0, HEADERS[lang])
    for row, (label, kind, *values) in enumerate(_rows(result, lang), start=1):
        sheet.write(row, 0, label)
        for column, value in enumerate(values, start=1):
            if value is not None:
                sheet.write_number(row, column, value, formats[kind])
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 3, 14)
    workbook.close()


@counter_app.command("simulate")
def simulate_command(
    tellers: Annotated[int, typer.Option(help="Counters open (柜员数).")] = 4,
    hours: Annotated[float, typer.Option(help="Opening hours of the day.")] = 8.0,
    arrival_rate: Annotated[float, typer.Option(help="Visits per hour, whole branch.")] = 30.0,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same result.")] = 0,
    days: Annotated[int, typer.Option(help="Days simulated and averaged.")] = 20,
    format: Annotated[OutputFormat, typer.Option(help="Output form.")] = OutputFormat.TABLE,
    out: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
    lang: Annotated[Lang, typer.Option(help="Language of the table.")] = Lang.ZH,
) -> None:
    """Simulate a counter day with and without the cache: identity checks, signatures, time
    at the counter and in the queue, teller utilisation (docs/counter.md explains)."""
    if format is OutputFormat.XLSX and out is None:
        raise fail("--format xlsx needs --out FILE.xlsx")
    options = SimOptions(
        tellers=tellers, hours=hours, arrival_rate=arrival_rate, seed=seed, days=days
    )
    try:
        options.check()
    except ValueError as error:
        field, _, reason = str(error).partition(": ")
        raise fail(f"bad --{field.replace('_', '-')}: {reason}") from None
    with progress() as bar:
        task = bar.add_task("模拟柜台营业日 simulating", total=1)
        result = simulate(options)
        bar.advance(task)
    if format is OutputFormat.JSON:
        emit_json(result, out)
    elif format is OutputFormat.XLSX:
        assert out is not None
        _write_xlsx(result, out, lang.value)
        err.print(f"written to {out}")
    else:
        console.print(_table(result, lang.value))
