"""Commands that fit, score and check the customer models: ``score``, ``models list|show``,
``churn evaluate`` and ``propensity evaluate``."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import inspect

from bankcrm.cli.app import OutputFormat, app, console, err, fail, parse_as_of, progress
from bankcrm.config import Settings
from bankcrm.domain.errors import BankcrmError
from bankcrm.domain.money import format_wan
from bankcrm.models.evaluation import cross_validate
from bankcrm.models.gbm import CHURN, PROPENSITY, Params, gbm, model_threads
from bankcrm.models.plain import prepare, read_table
from bankcrm.models.registry import Registry
from bankcrm.models.score import (
    card_json,
    parse_models,
    score_all,
    stage_scores,
    write_store,
)
from bankcrm.store.db import make_engine
from bankcrm.warehouse.engines import connect
from bankcrm.warehouse.layout import Warehouse

models_app = typer.Typer(help="The model registry: fitted models, their versions and metrics.")
app.add_typer(models_app, name="models")
churn_app = typer.Typer(help="Churn early warning (流失预警).")
app.add_typer(churn_app, name="churn")
propensity_app = typer.Typer(help="Next-best-product propensity (下一最佳产品).")
app.add_typer(propensity_app, name="propensity")


def _registry(settings: Settings) -> Registry:
    return Registry(settings.data_dir / "models")


@app.command("score")
def score_command(
    as_of: Annotated[str | None, typer.Option(help="Month-end to score, YYYY-MM-DD.")] = None,
    models: Annotated[
        str | None, typer.Option(help="Comma-separated: rfm,clv,churn,segments,nbp (default all).")
    ] = None,
    refit: Annotated[
        bool, typer.Option(help="Fit again even if a model for this date exists.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed of the fits.")] = 0,
    max_iter: Annotated[int | None, typer.Option(hidden=True, min=10)] = None,  # quick runs
) -> None:
    """Fit (or reuse) the models and score every customer of the base; write the scores to
    the warehouse (table scores) and the store (customer_scores)."""
    snapshot = parse_as_of(as_of)
    settings = Settings()
    engine = make_engine(settings.store_url)
    if "customer_scores" not in inspect(engine).get_table_names():
        raise fail(
            f"the store at {settings.store_url_safe} has no customer_scores: "
            "run `bankcrm db upgrade`"
        )
    warehouse = Warehouse(settings.warehouse_path)
    try:
        names = parse_models(models)
        with progress() as bar:
            task = bar.add_task("scoring", total=1.0)
            run = score_all(
                connect(settings.engine.value),
                warehouse,
                _registry(settings),
                snapshot,
                names,
                lambda what, done: bar.update(task, description=what, completed=done),
                refit=refit,
                seed=seed,
                max_iter=max_iter,
            )
            bar.update(task, description="writing", completed=1.0)
            wtx = stage_scores(run, warehouse)
            wtx.publish()
            try:
                written = write_store(engine, run)
            except Exception:
                wtx.rollback()
                raise
            wtx.finish()
    except (BankcrmError, LookupError, ValueError) as error:
        raise fail(str(error).strip("'\"")) from None
    table = Table(title=f"评分完成 scores at {run.as_of}: {len(run.scores):,} customers")
    for column in ("模型 model", "版本 version", "复用 reused", "已评分客户 scored"):
        table.add_column(column)
    for name in names:
        used = run.used.get(name, {})
        scored = run.scores.filter(
            regex=f"^({name}_|segment)" if name == "segments" else f"^{name}_"
        )
        table.add_row(
            name,
            str(used.get("version", "—")),
            "是" if used.get("reused") else "否" if used else "—",
            f"{int(scored.notna().any(axis=1).sum()):,}",
        )
    console.print(table)
    if "segments" in run.used:
        card = _registry(settings).get("segments", run.used["segments"]["version"]).card
        console.print(_segment_table(card.get("segments", [])))
    err.print(f"{written:,} rows written to the store's customer_scores")


def _segment_table(profiles: list[dict[str, Any]]) -> Table:
    """The segment profiles for staff: amounts in 万元 with the unit."""
    table = Table(title="客群画像 segments")
    for column in (
        "客群",
        "客户数",
        "占比",
        "平均资产(万元)",
        "资产中位数(万元)",
        "平均年龄",
        "平均产品数",
    ):
        table.add_column(column, justify="left" if column == "客群" else "right")
    for p in profiles:
        age = p.get("age_mean")
        table.add_row(
            p["name"],
            f"{p['customers']:,}",
            f"{p['share']:.1%}",
            format_wan(Decimal(str(p["aum_mean"]))),
            format_wan(Decimal(str(p["aum_median"]))),
            "—" if age is None or math.isnan(age) else f"{age:.0f}",  # NaN: corporate only
            f"{p['products_mean']:.2f}",
        )
    return table


@models_app.command("list")
def models_list() -> None:
    """Every registered model version: when, on which snapshots, and its headline metric."""
    registry = _registry(Settings())
    table = Table(title=f"模型登记 model registry ({registry.root})")
    for column in (
        "模型 model",
        "版本 version",
        "创建 created",
        "评分日 as of",
        "训练快照 snapshots",
        "验证 validation",
    ):
        table.add_column(column)
    for name in registry.names():
        for entry in registry.versions(name):
            card = entry.card
            table.add_row(
                name,
                str(entry.version),
                card.get("created_at", ""),
                card.get("scored_as_of", ""),
                ", ".join(card.get("training_snapshots", [])),
                _headline(card.get("validation", {})),
            )
    console.print(table)


def _headline(validation: dict[str, Any]) -> str:
    if "roc_auc" in validation:
        auc, lift = validation["roc_auc"], validation["top_decile_lift"]
        return f"ROC AUC {auc:.3f}, top-decile lift {lift:.2f}"
    if "hit_rate_at_2" in validation:
        return (
            f"hit@2 {validation['hit_rate_at_2']:.3f} vs popularity "
            f"{validation['popularity_hit_rate_at_2']:.3f}"
        )
    if "silhouette" in validation:
        best = max(validation["silhouette"].values())
        return f"silhouette {best:.3f}"
    return ""


@models_app.command("show")
def models_show(
    name: Annotated[str, typer.Argument(help="Model name, e.g. churn.")],
    version: Annotated[int | None, typer.Option(help="Version (default: the latest).")] = None,
) -> None:
    """A model's card: version, training snapshots, parameters or features, validation."""
    try:
        entry = _registry(Settings()).get(name, version)
    except BankcrmError as error:
        raise fail(str(error)) from None
    typer.echo(card_json(entry.card))


def _evaluate(
    table: Path,
    label: str,
    id_column: str | None,
    drop: list[str],
    params: Params,
    folds: int,
    format: OutputFormat,
) -> None:
    if format is OutputFormat.XLSX:
        raise fail("--format: evaluate prints table or json")
    try:
        x, y, ignored = prepare(read_table(table), label, id_column, drop)
        with model_threads():
            result: dict[str, Any] = cross_validate(x, y, lambda seed: gbm(seed, params), folds)
    except (ValueError, OSError) as error:
        raise fail(str(error)) from None
    result["features"] = list(x.columns)
    result["ignored_identifier_columns"] = ignored
    if format is OutputFormat.JSON:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    view = Table(title=f"{folds}-fold cross-validation of {table.name} (label {label})")
    view.add_column("metric")
    view.add_column("value", justify="right")
    for key, value in result.items():
        view.add_row(key, ", ".join(value) if isinstance(value, list) else str(value))
    console.print(view)


TableOpt = Annotated[
    Path, typer.Option("--table", help="Plain table: CSV (any separator), CSV.gz, Parquet, XLSX.")
]
LabelOpt = Annotated[str, typer.Option(help="The 0/1 (or yes/no) outcome column.")]
IdOpt = Annotated[str | None, typer.Option("--id", help="Customer id column (not a feature).")]
DropOpt = Annotated[
    list[str] | None, typer.Option("--drop", help="Column to leave out (repeatable), e.g. a leak.")
]
FoldsOpt = Annotated[int, typer.Option(min=2, max=20, help="Stratified folds.")]
FormatOpt = Annotated[OutputFormat, typer.Option(help="table or json.")]


def _register_evaluate(sub_app: typer.Typer, params: Params, what: str) -> None:
    """``<sub_app> evaluate``: the same command for each trainer, with its own parameters."""

    @sub_app.command("evaluate")
    def evaluate(
        table: TableOpt, label: LabelOpt, id: IdOpt = None, drop: DropOpt = None,
        folds: FoldsOpt = 5, format: FormatOpt = OutputFormat.TABLE,
    ) -> None:  # fmt: skip
        _evaluate(table, label, id, drop or [], params, folds, format)

    evaluate.__doc__ = f"Cross-validated ROC AUC and PR AUC of the {what} trainer on a plain table."


_register_evaluate(churn_app, CHURN, "churn")
_register_evaluate(propensity_app, PROPENSITY, "propensity")
