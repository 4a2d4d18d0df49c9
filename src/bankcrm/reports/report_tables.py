"""The tables of the customer-structure report, built once from the diagnosis input and the
findings, and rendered by both the HTML (with a chart each) and the xlsx workbook.

A table holds raw values (money as the contract's decimal yuan strings, shares as fractions,
counts as ints); each renderer formats them (万元 with the unit in the header, percentages).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from bankcrm.diagnosis.findings import Finding
from bankcrm.diagnosis.series import SENIOR_BANDS, TOP_TIERS, row, share_of
from bankcrm.reports.shape import VALUES_ZH

Kind = Literal["text", "label", "int", "wan", "share", "ratio"]
ChartKind = Literal["barh", "bar", "line", "heatmap", "waterfall", "none"]
Json = dict[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    en: str
    kind: Kind

    def header(self, lang: str) -> str:
        """The header with its unit: 万元 for money, % for shares."""
        text = self.zh if lang == "zh" else self.en
        if self.kind == "wan":
            return f"{text}（万元）" if lang == "zh" else f"{text} (10k CNY)"
        if self.kind == "share":
            return f"{text}（%）" if lang == "zh" else f"{text} (%)"
        return text


@dataclass(frozen=True)
class Chart:
    """How to draw a table: the kind, the label column and the value columns drawn."""

    kind: ChartKind
    x: str = ""
    y: tuple[str, ...] = ()
    unit_zh: str = ""
    unit_en: str = ""


@dataclass(frozen=True)
class ReportTable:
    key: str
    section: int
    title_zh: str
    title_en: str
    columns: tuple[Column, ...]
    rows: list[list[Any]]
    chart: Chart = field(default_factory=lambda: Chart("none"))

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


# Code names of the report's own rows (the AUM bridge steps, severities).
REPORT_ZH = {
    "start": "期初",
    "increase": "存量增加",
    "decrease": "存量减少",
    "end": "期末",
    "high": "高",
    "medium": "中",
    "low": "低",
}


def label(value: Any, lang: str) -> str:
    """A code name (tier, channel, product type, ...) in the report's language."""
    text = str(value)
    if lang != "zh":
        return text
    return REPORT_ZH.get(text) or VALUES_ZH.get(text, text)


def wan(value: str | None) -> float | None:
    """A contract money string (yuan) as a number of 万元, for charts and xlsx cells."""
    return None if value is None else float(Decimal(value) / 10_000)


C = Column
CUSTOMERS = C("customers", "客户数", "customers", "int")
SHARE = C("share", "占比", "share", "share")
AUM = C("aum", "AUM", "AUM", "wan")
AUM_SHARE = C("aum_share", "AUM占比", "AUM share", "share")


def _last_year(data: Json) -> str:
    return str(max(data["year_ends"]))


def headline(data: Json) -> ReportTable:
    """概况: the headline figures at each year-end."""
    rows = []
    for y in sorted(data["year_ends"]):
        s = data["structure"][y]
        tiers = s["tier"]
        total_aum = sum((Decimal(r["aum"]) for r in tiers), Decimal(0))
        dorm = row((data.get("dormancy") or {}).get(y, []), "tier", "all") or {}
        mobile = row((data.get("channel_adoption") or {}).get(y, []), "channel", "mobile_banking")
        rows.append(
            [
                y,
                sum(r["customers"] for r in tiers),
                str(total_aum.quantize(Decimal("0.01"))),
                sum(r["customers"] for r in tiers if r["tier"] in TOP_TIERS),
                share_of(s["product_holding"], "product_holding", (1,)),
                dorm.get("share"),
                (mobile or {}).get("share"),
                (data.get("concentration") or {}).get(y, {}).get("top10"),
            ]
        )
    columns = (
        C("year", "年份", "year", "text"),
        C("customers", "客户数", "customers", "int"),
        C("aum", "AUM合计", "total AUM", "wan"),
        C("top_tier", "白金及以上客户", "platinum+ customers", "int"),
        C("single_product", "单一产品客户占比", "single-product share", "share"),
        C("dormant", "睡眠客户占比", "dormant share", "share"),
        C("mobile", "手机银行签约率", "mobile adoption", "share"),
        C("top10", "前10%客户AUM占比", "top 10% AUM share", "share"),
    )
    return ReportTable(
        "headline",
        1,
        "主要指标",
        "Headline figures",
        columns,
        rows,
        Chart("line", "year", ("aum",), "万元", "10k CNY"),
    )


def _structure(data: Json, key: str, dim: str, zh: str, en: str, chart: ChartKind) -> ReportTable:
    y = _last_year(data)
    rows = [
        [r[dim], r["customers"], r["share"], r["aum"], r["aum_share"]]
        for r in data["structure"][y][dim]
    ]
    first = C(
        dim,
        {"tier": "层级", "age_band": "年龄段", "product_holding": "持有产品数"}[dim],
        dim.replace("_", " "),
        "label" if dim == "tier" else "text",
    )
    return ReportTable(
        key,
        2,
        f"{zh}（{y}年末）",
        f"{en} (end of {y})",
        (first, CUSTOMERS, SHARE, AUM, AUM_SHARE),
        rows,
        Chart(chart, dim, ("customers",), "户", "customers"),
    )


def channels(data: Json) -> ReportTable:
    y = _last_year(data)
    adoption = {r["channel"]: r["share"] for r in (data.get("channel_adoption") or {}).get(y, [])}
    mix = {r["channel"]: r for r in (data.get("channel_mix") or {}).get(y, [])}
    names = list(dict.fromkeys([*adoption, *mix]))
    rows = [
        [
            c,
            adoption.get(c),
            (mix.get(c) or {}).get("transactions"),
            (mix.get(c) or {}).get("count_share"),
            (mix.get(c) or {}).get("amount_share"),
        ]
        for c in names
    ]
    columns = (
        C("channel", "渠道", "channel", "label"),
        C("adoption", "签约率", "adoption", "share"),
        C("transactions", "主动交易笔数", "customer-initiated transactions", "int"),
        C("count_share", "笔数占比", "count share", "share"),
        C("amount_share", "金额占比", "amount share", "share"),
    )
    return ReportTable(
        "channels",
        2,
        f"渠道签约与交易结构（{y}年）",
        f"Channels ({y})",
        columns,
        rows,
        Chart("barh", "channel", ("count_share",), "%", "%"),
    )


def tier_trend(data: Json) -> ReportTable:
    years = sorted(data["year_ends"])
    tiers = [r["tier"] for r in data["structure"][years[0]]["tier"]]
    rows = [
        [
            y,
            *[
                (row(data["structure"][y]["tier"], "tier", t) or {}).get("customers", 0)
                for t in tiers
            ],
        ]
        for y in years
    ]
    columns = (
        C("year", "年份", "year", "text"),
        *(C(t, VALUES_ZH.get(t, t), t, "int") for t in tiers),
    )
    return ReportTable(
        "tier_trend",
        3,
        "各层级客户数变化",
        "Customers per tier by year",
        columns,
        rows,
        Chart("line", "year", tuple(tiers), "户", "customers"),
    )


def age_trend(data: Json) -> ReportTable:
    years = sorted(data["year_ends"])
    young = data.get("young_acquisition") or {}
    flows = data.get("flows") or {}
    rows = [
        [
            y,
            share_of(data["structure"][y]["age_band"], "age_band", SENIOR_BANDS),
            (flows.get(y) or {}).get("new"),
            (young.get(y) or {}).get("young"),
            (young.get(y) or {}).get("young_share"),
        ]
        for y in years
    ]
    columns = (
        C("year", "年份", "year", "text"),
        C("senior_share", "55岁及以上占比", "share aged 55+", "share"),
        C("new", "新增客户", "new customers", "int"),
        C("young", "35岁以下新增个人客户", "new individuals under 35", "int"),
        C("young_share", "35岁以下占新增比例", "under-35 share of new", "share"),
    )
    return ReportTable(
        "age_trend",
        3,
        "年龄结构与获客变化",
        "Age structure and acquisition",
        columns,
        rows,
        Chart("line", "year", ("senior_share", "young_share"), "%", "%"),
    )


def migration(data: Json) -> ReportTable | None:
    periods = sorted(data.get("migration") or {})
    if not periods:
        return None
    p = periods[-1]
    counts = {(r["from"], r["to"]): r["customers"] for r in data["migration"][p]}
    sources = list(dict.fromkeys(s for s, _ in counts))
    targets = list(dict.fromkeys(t for _, t in counts))
    # a pair the analytics has no cell for (new → closed) stays empty, not 0
    rows = [[s, *(counts.get((s, t)) for t in targets)] for s in sources]
    columns = (
        C("from", "期初＼期末", "from \\ to", "label"),
        *(C(t, VALUES_ZH.get(t, t), t, "int") for t in targets),
    )
    return ReportTable(
        "migration",
        3,
        f"层级迁移矩阵（{p}，客户数）",
        f"Tier migration ({p}, customers)",
        columns,
        rows,
        Chart("heatmap", "from", tuple(targets), "户", "customers"),
    )


def aum_bridge(data: Json) -> ReportTable | None:
    periods = sorted(data.get("aum_bridge") or {})
    if not periods:
        return None
    p = periods[-1]
    b = data["aum_bridge"][p]
    steps = ("start", "new", "closed", "increase", "decrease", "end")
    rows = [[s, b[s]] for s in steps]
    columns = (C("step", "项目", "step", "label"), C("amount", "金额", "amount", "wan"))
    return ReportTable(
        "aum_bridge",
        3,
        f"AUM变动分解（{p}）",
        f"AUM bridge ({p})",
        columns,
        rows,
        Chart("waterfall", "step", ("amount",), "万元", "10k CNY"),
    )


def cohorts(data: Json) -> ReportTable | None:
    cells = data.get("cohorts") or []
    if not cells:
        return None
    years = sorted({c["year"] for c in cells})
    groups = sorted({c["cohort"] for c in cells})
    rows = [
        [
            str(g),
            *[
                next((c["retention"] for c in cells if c["cohort"] == g and c["year"] == y), None)
                for y in years
            ],
        ]
        for g in groups
    ]
    columns = (
        C("cohort", "开户年份", "cohort", "text"),
        *(C(str(y), f"{y}年末", f"end {y}", "share") for y in years),
    )
    return ReportTable(
        "cohorts",
        3,
        "开户年份留存率",
        "Cohort retention",
        columns,
        rows,
        Chart("heatmap", "cohort", tuple(str(y) for y in years), "%", "%"),
    )


def outflow(data: Json) -> ReportTable | None:
    tp = data.get("third_party_outflow") or {}
    if not tp:
        return None
    rows = [
        [y, tp[y].get("outflow"), tp[y].get("all_outflows"), tp[y].get("share")] for y in sorted(tp)
    ]
    columns = (
        C("year", "年份", "year", "text"),
        C("outflow", "第三方支付流出", "third-party outflow", "wan"),
        C("all_outflows", "全部流出", "all outflows", "wan"),
        C("share", "第三方占比", "third-party share", "share"),
    )
    return ReportTable(
        "outflow",
        3,
        "第三方支付流出",
        "Third-party payment outflow",
        columns,
        rows,
        Chart("bar", "year", ("outflow",), "万元", "10k CNY"),
    )


def runoff(data: Json) -> ReportTable | None:
    mr = {y: r for y, r in (data.get("maturity_runoff") or {}).items() if r}
    if not mr:
        return None
    rows = [
        [y, r["matured"], r["left"], r["share_left"], r["matured_amount"], r["left_amount"]]
        for y, r in sorted(mr.items())
    ]
    columns = (
        C("year", "年份", "year", "text"),
        C("matured", "到期笔数", "matured", "int"),
        C("left", "流出笔数", "left", "int"),
        C("share_left", "流出比例", "share left", "share"),
        C("matured_amount", "到期金额", "matured amount", "wan"),
        C("left_amount", "流出金额", "amount that left", "wan"),
    )
    return ReportTable(
        "runoff",
        3,
        "到期资金留存",
        "Maturity run-off",
        columns,
        rows,
        Chart("line", "year", ("share_left",), "%", "%"),
    )


def findings_table(findings: list[Finding]) -> ReportTable:
    rows = [
        [f.code, f.severity.value, f.title_zh, f.title_en, f.explanation_zh, f.explanation_en]
        for f in findings
    ]
    columns = (
        C("code", "代码", "code", "text"),
        C("severity", "严重程度", "severity", "label"),
        C("title_zh", "问题", "problem (zh)", "text"),
        C("title_en", "问题（英文）", "problem", "text"),
        C("explanation_zh", "说明", "explanation (zh)", "text"),
        C("explanation_en", "说明（英文）", "explanation", "text"),
    )
    return ReportTable("findings", 4, "存在问题", "Findings", columns, rows)


def actions_table(findings: list[Finding]) -> ReportTable:
    rows = [
        [f.code, zh, en]
        for f in findings
        for zh, en in zip(f.actions_zh, f.actions_en, strict=True)
    ]
    columns = (
        C("code", "问题代码", "code", "text"),
        C("action_zh", "建议", "action (zh)", "text"),
        C("action_en", "建议（英文）", "action", "text"),
    )
    return ReportTable("actions", 5, "改进建议", "Recommendations", columns, rows)


def report_tables(data: Json, findings: list[Finding]) -> list[ReportTable]:
    """Every table of the report, in report order (section 1, 2, 3, 4, 5)."""
    built = [
        headline(data),
        _structure(data, "tiers", "tier", "客户层级结构", "Tier structure", "barh"),
        _structure(
            data, "ages", "age_band", "年龄结构（个人客户）", "Age bands (individuals)", "barh"
        ),
        _structure(data, "holding", "product_holding", "产品持有数分布", "Product holding", "bar"),
        channels(data),
        tier_trend(data),
        age_trend(data),
        migration(data),
        aum_bridge(data),
        cohorts(data),
        outflow(data),
        runoff(data),
        findings_table(findings),
        actions_table(findings),
    ]
    return [t for t in built if t is not None]
