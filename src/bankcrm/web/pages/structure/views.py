"""The charts of the structure screen, each with the table it draws: built from one analysis
result (the ``bankcrm analyze`` JSON contract), so the chart, its table and its workbook show
the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from bankcrm.web import charts
from bankcrm.web.charts import TIERS, name

Kind = Literal["text", "int", "wan", "share", "num"]
Json = dict[str, Any]


@dataclass(frozen=True)
class Column:
    zh: str
    en: str
    kind: Kind


@dataclass(frozen=True)
class ChartView:
    key: str  # test ids and file names
    zh: str
    en: str
    option: dict[str, Any]
    columns: tuple[Column, ...]
    rows: list[list[Any]]  # raw values: yuan as Decimal strings, shares as 0..1

    def title(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def last_year(result: Json) -> str:
    return str(max(result["year_ends"]))


def headline(result: Json) -> dict[str, Any]:
    """Customers and AUM (yuan) at the last year-end, and the Gini coefficient."""
    year = last_year(result)
    tiers = result["structure"][year]["tier"]
    return {
        "year": year,
        "as_of": result["year_ends"][year],
        "customers": sum(int(r["customers"]) for r in tiers),
        "aum": sum((Decimal(r["aum"]) for r in tiers), Decimal(0)),
        "gini": (result.get("concentration", {}).get(year) or {}).get("gini"),
    }


def _structure(result: Json, dimension: str, key: str, lang: str, zh: str, en: str) -> ChartView:
    year = last_year(result)
    rows = result["structure"][year][dimension]
    title = f"{_t(lang, zh, en)}（{year}）"
    return ChartView(
        key, zh, en,
        charts.pyramid(rows, dimension, title, lang),
        (Column("分组", "group", "text"), Column("客户数", "customers", "int"),
         Column("客户占比", "share", "share"), Column("AUM", "AUM", "wan"),
         Column("AUM占比", "AUM share", "share"), Column("户均AUM", "mean AUM", "wan")),
        [[name(str(r[dimension]), lang), r["customers"], r["share"], r["aum"], r["aum_share"],
          r["mean_aum"]] for r in rows],
    )  # fmt: skip


def _trends(result: Json, lang: str) -> ChartView:
    years = sorted(result["year_ends"])
    customers = [sum(int(r["customers"]) for r in result["structure"][y]["tier"]) for y in years]
    aum = [sum((Decimal(r["aum"]) for r in result["structure"][y]["tier"]), Decimal(0))
           for y in years]  # fmt: skip
    flows = result.get("flows", {})
    return ChartView(
        "trends", "客户与资产趋势", "Customers and AUM",
        charts.trends(years, customers, [charts.wan(a) for a in aum],
                      _t(lang, "客户与资产趋势", "Customers and AUM"), lang),
        (Column("年份", "year", "text"), Column("客户数", "customers", "int"),
         Column("AUM", "AUM", "wan"), Column("新增", "new", "int"),
         Column("销户", "closed", "int")),
        [[y, c, str(a), flows.get(y, {}).get("new"), flows.get(y, {}).get("closed")]
         for y, c, a in zip(years, customers, aum, strict=True)],
    )  # fmt: skip


def _migration(result: Json, lang: str) -> ChartView | None:
    periods = sorted(result.get("migration", {}))
    if not periods:
        return None
    period = periods[-1]
    rows = [r for r in result["migration"][period] if r["customers"]]
    return ChartView(
        "migration", "层级迁移", "Tier migration",
        charts.heatmap(rows, f"{_t(lang, '层级迁移', 'Tier migration')}（{period}）", lang),
        (Column("期初层级", "from", "text"), Column("期末层级", "to", "text"),
         Column("客户数", "customers", "int"), Column("AUM", "AUM", "wan")),
        [[name(r["from"], lang), name(r["to"], lang), r["customers"], r["aum"]] for r in rows],
    )  # fmt: skip


def _bridge(result: Json, lang: str) -> ChartView | None:
    periods = sorted(result.get("aum_bridge", {}))
    if not periods:
        return None
    period = periods[-1]
    bridge = result["aum_bridge"][period]
    labels = charts.BRIDGE_ZH if lang == "zh" else charts.BRIDGE_EN
    return ChartView(
        "bridge", "资产变动分解", "AUM bridge",
        charts.waterfall(bridge, f"{_t(lang, '资产变动分解', 'AUM bridge')}（{period}）", lang),
        (Column("项目", "item", "text"), Column("金额", "amount", "wan")),
        [[labels[k], bridge[k]] for k in charts.BRIDGE],
    )  # fmt: skip


def _lorenz(result: Json, lang: str) -> ChartView:
    year = last_year(result)
    points = result.get("lorenz", {}).get(year, [])
    gini = (result.get("concentration", {}).get(year) or {}).get("gini")
    title = f"{_t(lang, '洛伦兹曲线', 'Lorenz curve')}（{year}，{_t(lang, '基尼系数', 'Gini')} " \
            f"{'—' if gini is None else f'{gini:.3f}'}）"  # fmt: skip
    return ChartView(
        "lorenz", "资产集中度", "Concentration",
        charts.lorenz(points, title, lang),
        (Column("客户累计占比", "customers", "share"), Column("AUM累计占比", "AUM", "share")),
        [[p["population_share"], p["aum_share"]] for p in points],
    )  # fmt: skip


def _channels(result: Json, lang: str) -> ChartView | None:
    mix = result.get("channel_mix", {})
    years = sorted(mix)
    if not years:
        return None
    channels = sorted({r["channel"] for y in years for r in mix[y]})
    shares = {y: {r["channel"]: r["count_share"] for r in mix[y]} for y in years}
    series = {y: [charts.pct(shares[y].get(c)) for c in channels] for y in years}
    return ChartView(
        "channels", "渠道交易结构", "Channel shift",
        charts.grouped([name(c, lang) for c in channels], series,
                       _t(lang, "渠道交易笔数占比", "Share of transactions by channel"), "%"),
        (Column("年份", "year", "text"), Column("渠道", "channel", "text"),
         Column("交易笔数", "transactions", "int"), Column("笔数占比", "count share", "share"),
         Column("金额", "amount", "wan"), Column("金额占比", "amount share", "share")),
        [[y, name(r["channel"], lang), r["transactions"], r["count_share"], r["amount"],
          r["amount_share"]] for y in years for r in mix[y]],
    )  # fmt: skip


def _outflow(result: Json, lang: str) -> ChartView | None:
    flows = result.get("third_party_outflow", {})
    years = sorted(flows)
    if not years:
        return None
    return ChartView(
        "outflow", "第三方支付流出", "Third-party outflow",
        charts.outflow(years, [charts.wan(flows[y]["outflow"]) for y in years],
                       [charts.pct(flows[y]["share"]) for y in years],
                       _t(lang, "第三方支付流出", "Third-party payment outflow"), lang),
        (Column("年份", "year", "text"), Column("第三方支付流出", "outflow", "wan"),
         Column("全部流出", "all outflows", "wan"), Column("占比", "share", "share")),
        [[y, flows[y]["outflow"], flows[y]["all_outflows"], flows[y]["share"]] for y in years],
    )  # fmt: skip


def views(result: Json, lang: str) -> list[ChartView]:
    """Every chart the result has data for, in the screen's order."""
    found = [
        _structure(result, "tier", "tier", lang, "客户层级金字塔", "Tier pyramid"),
        _structure(result, "age_band", "age", lang, "年龄结构", "Age pyramid"),
        _trends(result, lang),
        _migration(result, lang),
        _bridge(result, lang),
        _lorenz(result, lang),
        _channels(result, lang),
        _outflow(result, lang),
    ]
    return [v for v in found if v is not None]


__all__ = ["TIERS", "ChartView", "Column", "headline", "views"]
