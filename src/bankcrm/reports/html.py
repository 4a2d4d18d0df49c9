"""The customer-structure report as one self-contained HTML file (``report.html``): the
sections of an analyst's study, every chart an inline SVG with its data table below it, no
external resource at all (it opens offline and prints to PDF as it is)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import jinja2

from bankcrm.diagnosis.findings import COMPARISONS_ZH, SEVERITY_ZH, Finding
from bankcrm.domain.money import format_wan
from bankcrm.reports.charts import chart_svg
from bankcrm.reports.report_tables import Column, ReportTable, label, report_tables

SECTIONS_ZH = ("概况", "客户结构分布", "客户结构变化", "存在问题", "改进建议", "附录：指标口径")
SECTIONS_EN = (
    "Summary",
    "Customer structure",
    "Change over time",
    "Findings",
    "Recommendations",
    "Appendix: metric definitions",
)

# METRICS.md definitions of the figures the report shows (指标口径), short form:
# (name zh, name en, definition zh, definition en).
DEFINITIONS: tuple[tuple[str, str, str, str], ...] = (
    (
        "AUM（资产管理规模）",
        "AUM",
        "客户在快照日各资产类产品（活期、定期、大额存单、理财、基金、保险、国债、贵金属）余额之和。",
        (
            "Sum of the balances at the snapshot date of the customer's asset products "
            "(demand and time deposits, large CDs, wealth management, funds, insurance, "
            "bonds, precious metals)."
        ),
    ),
    (
        "客户基数",
        "customer base",
        "快照日已开户且未销户（销户日晚于快照日）的客户；其余指标均以客户基数为口径。",
        (
            "Customers opened on or before the snapshot date and not closed by it; every "
            "other figure is over the base."
        ),
    ),
    (
        "客户层级",
        "tier",
        "按快照日AUM划分，下限含：普通<5万，金卡5万–50万，白金50万–200万，钻石200万–600万，私人银行≥600万。",
        (
            "By AUM at the snapshot date, lower bound inclusive: standard < 50k, gold "
            "50k–500k, platinum 500k–2M, diamond 2M–6M, private ≥ 6M yuan."
        ),
    ),
    (
        "年龄段",
        "age band",
        "仅个人客户，按快照日周岁：<25、25-34、35-44、45-54、55-64、65+、未知。",
        (
            "Individuals only, age in whole years at the snapshot date: <25, 25-34, 35-44, "
            "45-54, 55-64, 65+, unknown."
        ),
    ),
    (
        "产品持有数",
        "product holding",
        "快照日客户持有的不同产品类型数；单一产品客户为持有数=1。",
        (
            "Number of distinct product types the customer holds at the snapshot date; "
            "single-product customers hold 1."
        ),
    ),
    (
        "层级迁移",
        "tier migration",
        "相邻两个年末之间客户层级的变化；新增与销户单列。",
        "Change of tier between two consecutive year-ends; new and closed customers shown apart.",
    ),
    (
        "AUM变动分解",
        "AUM bridge",
        "AUM变动=新增客户AUM−销户客户期初AUM+存量客户增加+存量客户减少，分项合计精确相等。",
        (
            "AUM change = AUM of new customers − opening AUM of closed customers + increases "
            "+ decreases of continuing customers; the parts add up exactly."
        ),
    ),
    (
        "电子渠道签约率",
        "e-channel adoption",
        "快照日客户基数中该渠道签约有效的客户占比。",
        "Share of the base with an active enrolment in the channel at the snapshot date.",
    ),
    (
        "渠道交易结构",
        "channel mix",
        "当年客户主动交易按渠道的笔数与金额占比。",
        "Shares of the year's customer-initiated transactions by channel, by count and by amount.",
    ),
    (
        "第三方支付流出",
        "third-party outflow",
        "当年流向第三方支付机构的流出金额及其占全部流出的比例。",
        "The year's outflows to third-party payment institutions, and their share of all outflows.",
    ),
    (
        "睡眠客户",
        "dormant customer",
        "快照日在客户基数中、近12个月无客户主动交易的客户。",
        (
            "In the base at the snapshot date with no customer-initiated transaction in the "
            "twelve months up to it."
        ),
    ),
    (
        "流失",
        "attrition",
        "两个年末均在客户基数中、期初AUM≥5万且期末AUM低于期初10%的客户。",
        (
            "In the base at both year-ends, AUM ≥ 50 000 at the first and below 10% of it at "
            "the second."
        ),
    ),
    (
        "客户经理覆盖率",
        "RM coverage",
        "某层级客户中快照日有有效客户经理分配的比例。",
        (
            "Share of a tier's customers with an active relationship-manager assignment at "
            "the snapshot date."
        ),
    ),
    (
        "到期资金流失",
        "maturity run-off",
        "当年到期且未续作的定期、大额存单、理财中，次月末客户AUM较到期前月末下降至少该笔余额一半的比例。",
        (
            "Of the time deposits, large CDs and wealth products maturing in the year and not"
            " renewed, the share after which the customer's AUM fell by at least half the "
            "balance by the next month-end."
        ),
    ),
    (
        "35岁以下新增客户",
        "young acquisition",
        "当年开户、开户日未满35周岁的个人客户数。",
        "Individuals opened in the year who were under 35 on their opening day.",
    ),
)


def _share(value: Any) -> str:
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


# column kind → how a value of it is shown (labels need the language: handled apart)
FORMATS: dict[str, Callable[[Any], str]] = {
    "wan": lambda v: format_wan(Decimal(v)),
    "share": _share,
    "int": lambda v: f"{int(v):,}",
    "ratio": lambda v: f"{float(v):.3f}",
    "text": str,
}


def cell_text(column: Column, value: Any, lang: str) -> str:
    """A value as the reader sees it: 万元 with two decimals, shares as percentages (one
    decimal), counts with thousands separators, code names translated."""
    if value is None:
        return "—"
    if column.kind == "label":
        return label(value, lang)
    return FORMATS[column.kind](value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bankcrm.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(cell_text=cell_text)
    return env


def evidence_text(value: Any, unit: str) -> str:
    """An evidence figure for the findings section."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{float(value) * 100:.1f}%"
    if unit == "yuan":
        return format_wan(Decimal(str(value)))
    if unit == "p_value":
        return f"{float(value):.2g}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def threshold_text(value: float | None, unit: str, comparison: str, lang: str) -> str:
    """The threshold with how it applies, e.g. ``升幅 ≥ 5.0%`` or ``≥ base × 2``."""
    if value is None:
        return ""
    # a share figure compared with a multiple (× base) keeps the plain number
    shown = f"{value * 100:.1f}%" if unit == "share" and "×" not in comparison else f"{value:g}"
    how = COMPARISONS_ZH.get(comparison, comparison) if lang == "zh" else comparison
    return f"{how} {shown}"


def render_html(
    data: dict[str, Any],
    findings: list[Finding],
    lang: str = "zh",
    tables: list[ReportTable] | None = None,
) -> str:
    """The whole report as an HTML string (one file, charts inline)."""
    tables = tables if tables is not None else report_tables(data, findings)
    charts = {t.key: chart_svg(t, lang) for t in tables if t.chart.kind != "none"}
    template = _environment().get_template("report.html.j2")
    return template.render(
        data=data,
        lang=lang,
        tables=tables,
        charts=charts,
        findings=findings,
        sections=SECTIONS_ZH if lang == "zh" else SECTIONS_EN,
        definitions=DEFINITIONS,
        severity_zh=SEVERITY_ZH,
        evidence_text=evidence_text,
        threshold_text=threshold_text,
    )
