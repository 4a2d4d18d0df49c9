"""``bankcrm score``: fit (or reuse) every model and score every customer of the base at a
month-end; the scores go to the warehouse table ``scores`` (one partition per month-end, wide:
one column per figure) and, in long form (one row per customer and model), to the store.

Each model is one entry of ``SCORERS`` (name → function of the run's context), so adding one
is one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend
from sqlalchemy import Engine, delete, insert

from bankcrm.models import churn, propensity, segments
from bankcrm.models.features import FEATURE_LABELS, SnapshotFeatures, month_end, snapshot_tables
from bankcrm.models.gbm import CHURN, PROPENSITY, model_threads
from bankcrm.models.registry import Registry
from bankcrm.store.models import CustomerScore
from bankcrm.warehouse.layout import Warehouse

SCORES = "scores"  # the warehouse table
HISTORY_MONTHS = 36  # loaded before as_of: churn's oldest training snapshot and its trends
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class _Attributes:
    """The tables as attributes, the form the RFM and CLV functions take."""

    customers: ibis.Table
    accounts: ibis.Table
    customer_month: ibis.Table
    transactions: ibis.Table | None
    customer_day: ibis.Table | None


@dataclass
class Context:
    """What every scorer gets: the snapshot, its features, the registry, the options."""

    as_of: date
    features: SnapshotFeatures
    registry: Registry
    refit: bool = False
    seed: int = 0
    max_iter: int | None = None  # fewer trees, for tests
    used: dict[str, dict[str, Any]] = field(default_factory=dict)  # model → card summary

    @property
    def attributes(self) -> _Attributes:
        t = self.features.tables
        return _Attributes(
            t["customers"],
            t["accounts"],
            t["customer_month"],
            t.get("transactions"),
            t.get("customer_day"),
        )


def _fitted(
    ctx: Context, name: str, fit: Callable[[], Any], card: Callable[[Any], dict[str, Any]]
) -> Any:
    """The registered model fitted for this snapshot, or a new fit registered as the next
    version (``--refit`` always fits)."""
    latest = ctx.registry.latest(name)
    if (
        not ctx.refit
        and latest is not None
        and latest.card.get("scored_as_of") == ctx.as_of.isoformat()
    ):
        ctx.used[name] = {"version": latest.version, "reused": True}
        return ctx.registry.load(latest)
    model = fit()
    entry = ctx.registry.save(name, model, {"scored_as_of": ctx.as_of.isoformat(), **card(model)})
    ctx.used[name] = {"version": entry.version, "reused": False}
    return model


def _boosted_card(model: churn.ChurnModel | propensity.PropensityModel) -> dict[str, Any]:
    """The card of a gradient-boosted model: snapshots, parameters, features, validation."""
    per_product = isinstance(model, propensity.PropensityModel)
    return {
        "kind": "HistGradientBoostingClassifier" + (" per product type" if per_product else ""),
        "training_snapshots": [d.isoformat() for d in model.snapshots],
        "parameters": PROPENSITY if per_product else CHURN,
        "features": {f: FEATURE_LABELS[f][0] for f in model.features},
        "validation": model.metrics,
    } | ({"takeup_rates": model.rates} if isinstance(model, propensity.PropensityModel) else {})


def _churn(ctx: Context) -> pd.DataFrame:
    fit = lambda: churn.fit_for(ctx.features, ctx.as_of, ctx.seed, ctx.max_iter)  # noqa: E731
    model: churn.ChurnModel = _fitted(ctx, "churn", fit, _boosted_card)
    return churn.score_at(model, ctx.features.at(ctx.as_of))


def _nbp(ctx: Context) -> pd.DataFrame:
    fit = lambda: propensity.fit_for(ctx.features, ctx.as_of, ctx.seed, ctx.max_iter)  # noqa: E731
    model: propensity.PropensityModel = _fitted(ctx, "nbp", fit, _boosted_card)
    return propensity.recommend(model, ctx.features.at(ctx.as_of))


def _segments(ctx: Context) -> pd.DataFrame:
    x = ctx.features.at(ctx.as_of)
    model: segments.SegmentModel = _fitted(
        ctx,
        "segments",
        lambda: segments.fit(x, seed=ctx.seed),
        lambda m: {
            "kind": "KMeans" if len(x) < segments.MINIBATCH_FROM else "MiniBatchKMeans",
            "training_snapshots": [ctx.as_of.isoformat()],
            "features": list(segments.BEHAVIOUR),
            "parameters": {"k": m.k, "k_range": list(segments.K_RANGE), "seed": ctx.seed},
            "validation": {"silhouette": m.silhouettes},
            "segments": m.profiles,
        },
    )
    number = model.assign(x)
    names = pd.Series(model.names)
    return pd.DataFrame(
        {"segment": number, "segment_name": names.to_numpy()[number.to_numpy()]}, index=x.index
    )


def _rfm(ctx: Context) -> pd.DataFrame:
    from bankcrm.models.rfm import rfm_at  # noqa: PLC0415  (another helper's module)

    return rfm_at(ctx.attributes, ctx.as_of).set_index("customer_id").add_prefix("rfm_")


def _clv(ctx: Context) -> pd.DataFrame:
    from bankcrm.models.clv import clv_at  # noqa: PLC0415  (another helper's module)

    return clv_at(ctx.attributes, ctx.as_of).set_index("customer_id").add_prefix("clv_")


SCORERS: dict[str, Callable[[Context], pd.DataFrame]] = {
    "rfm": _rfm,
    "clv": _clv,
    "churn": _churn,
    "segments": _segments,
    "nbp": _nbp,
}


def parse_models(text: str | None) -> list[str]:
    """``rfm,clv,churn`` → the names, in the order given; a clear error for unknown names."""
    if text is None:
        return list(SCORERS)
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCORERS]
    if unknown or not names:
        raise ValueError(
            f"--models: unknown model {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(SCORERS)}"
        )
    return names


def snapshot_of(warehouse: Warehouse, as_of: date | None) -> date:
    """The month-end to score: ``as_of`` (which must be a month-end in customer_month) or the
    newest one."""
    months = warehouse.months("customer_month")
    if not months:
        raise ValueError(f"the warehouse at {warehouse.root} has no customer_month: import first")
    if as_of is None:
        year, month = map(int, months[-1].split("-"))
        return month_end(date(year, month, 1), 0)
    if as_of != month_end(as_of, 0) or f"{as_of:%Y-%m}" not in months:
        raise ValueError(
            f"--as-of {as_of}: not a month-end with balances in the warehouse "
            f"({months[0]} … {months[-1]})"
        )
    return as_of


@dataclass
class ScoreRun:
    """The scores of one run (index: customer_id, every customer of the base at as_of) and
    the model versions used."""

    as_of: date
    scores: pd.DataFrame
    used: dict[str, dict[str, Any]]


def score_all(
    con: BaseBackend,
    warehouse: Warehouse,
    registry: Registry,
    as_of: date | None = None,
    models: Sequence[str] = tuple(SCORERS),
    progress: Progress | None = None,
    **options: Any,
) -> ScoreRun:
    """Fit or reuse ``models`` and score every customer of the base at ``as_of``."""
    report = progress or (lambda _what, _done: None)
    d = snapshot_of(warehouse, as_of)
    tables = snapshot_tables(con, warehouse, month_end(d, -HISTORY_MONTHS), d)
    ctx = Context(d, SnapshotFeatures(tables), registry, **options)
    report("features", 0.0)
    base = ctx.features.at(d).index
    frames = []
    with model_threads():
        for i, name in enumerate(models):
            report(name, (i + 1) / (len(models) + 1))
            frames.append(SCORERS[name](ctx).reindex(base))
    scores = pd.concat(frames, axis=1) if frames else pd.DataFrame(index=base)
    report("done", 1.0)
    return ScoreRun(d, scores, ctx.used)


def stage_scores(run: ScoreRun, warehouse: Warehouse) -> Any:
    """Write the wide scores to a staged ``scores`` partition; returns the open transaction
    (publish, then finish once the store has committed, or rollback)."""
    wtx = warehouse.begin()
    frame = run.scores.reset_index().rename(columns={"index": "customer_id"})
    frame.insert(1, "as_of", run.as_of)
    pq.write_table(
        pa.Table.from_pandas(frame, preserve_index=False), wtx.stage(SCORES, f"{run.as_of:%Y-%m}")
    )
    return wtx


# Model → (score column, label column, reasons column) of the long form in the store.
_LONG: dict[str, tuple[str | None, str | None, str | None]] = {
    "churn": ("churn_score", None, "churn_reasons"),
    "segments": (None, "segment_name", None),
    "nbp": ("nbp_1_probability", "nbp_1", "nbp_1_reason"),
    "rfm": (None, "rfm_segment_zh", None),
    "clv": ("clv_clv", None, None),
}


def long_scores(run: ScoreRun) -> pd.DataFrame:
    """One row per customer and model: customer_id, as_of, model, score, label, reasons and
    detail (every column of that model as JSON), for the store's customer_scores."""
    parts = []
    for model, (score, label, reasons) in _LONG.items():
        columns = _columns_of(model, run.scores)
        if not columns:
            continue
        own = run.scores[columns]
        parts.append(
            pd.DataFrame(
                {
                    "customer_id": own.index,
                    "as_of": run.as_of,
                    "model": model,
                    "score": own[score].astype("float64").to_numpy() if score else None,
                    "label": own[label].astype("object").to_numpy() if label else None,
                    "reasons": own[reasons].to_numpy() if reasons else None,
                    "detail": own.to_json(orient="records", lines=True, force_ascii=False)
                    .strip()
                    .split("\n"),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _columns_of(model: str, scores: pd.DataFrame) -> list[str]:
    prefixes = {"churn": ("churn_",), "segments": ("segment",), "nbp": ("nbp_",)}
    return [c for c in scores.columns if c.startswith(prefixes.get(model, (f"{model}_",)))]


def card_json(card: dict[str, Any]) -> str:
    """A card as indented JSON (Chinese kept readable)."""
    return json.dumps(card, ensure_ascii=False, indent=2)


INSERT_CHUNK = 50_000  # rows per executemany: bounded memory on a million customers


def write_store(engine: Engine, run: ScoreRun) -> int:
    """Replace the run's snapshot and models in customer_scores; rows written."""
    rows = long_scores(run)
    if rows.empty:
        return 0
    rows["model_version"] = rows["model"].map(lambda m: run.used.get(m, {}).get("version"))
    rows = rows.astype(object).where(rows.notna(), None)
    with engine.begin() as conn:
        conn.execute(
            delete(CustomerScore).where(
                CustomerScore.as_of == run.as_of,
                CustomerScore.model.in_(sorted(set(rows["model"]))),
            )
        )
        for start in range(0, len(rows), INSERT_CHUNK):  # chunks, not customers
            conn.execute(
                insert(CustomerScore), rows.iloc[start : start + INSERT_CHUNK].to_dict("records")
            )
    return len(rows)
