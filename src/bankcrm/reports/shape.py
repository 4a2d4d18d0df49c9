"""The analysis JSON flattened into one list of rows per metric family, with the labels of
each column and value in Chinese and English (GLOSSARY.md, LABELS_ZH)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bankcrm.domain.enums import LABELS_ZH

Row = dict[str, Any]

# family → the names of its nesting keys (year, period, ...), in report order.
FAMILIES: dict[str, tuple[str, ...]] = {
    "per_outlet": (),
    "structure": ("year", "dimension"),
    "flows": ("year",),
    "migration": ("period",),
    "migration_rates": ("period",),
    "aum_bridge": ("period",),
    "concentration": ("year",),
    "lorenz": ("year",),
    "cohorts": (),
    "channel_adoption": ("year",),
    "channel_mix": ("year",),
    "third_party_outflow": ("year",),
    "dormancy": ("year",),
    "attrition": ("period",),
    "rm_coverage": ("year",),
}

TITLES: dict[str, tuple[str, str]] = {
    "per_outlet": ("网点分布", "Per outlet"),
    "structure": ("客户结构", "Customer structure"),
    "flows": ("新增与销户", "New and closed customers"),
    "migration": ("层级迁移", "Tier migration"),
    "migration_rates": ("升降级率", "Upgrade and downgrade rates"),
    "aum_bridge": ("资产变动分解", "AUM bridge"),
    "concentration": ("集中度", "Concentration"),
    "lorenz": ("洛伦兹曲线", "Lorenz curve"),
    "cohorts": ("开户年份留存", "Cohort retention"),
    "channel_adoption": ("电子渠道签约", "E-channel adoption"),
    "channel_mix": ("渠道交易结构", "Channel mix"),
    "third_party_outflow": ("第三方支付流出", "Third-party payment outflow"),
    "dormancy": ("睡眠客户", "Dormant customers"),
    "attrition": ("流失", "Attrition"),
    "rm_coverage": ("客户经理覆盖率", "RM coverage"),
}

HEADERS_ZH: dict[str, str] = {
    "year": "年份",
    "period": "期间",
    "dimension": "维度",
    "group": "分组",
    "tier": "层级",
    "customers": "客户数",
    "share": "占比",
    "aum": "AUM",
    "aum_share": "AUM占比",
    "mean_aum": "户均AUM",
    "median_aum": "AUM中位数",
    "product_type": "产品类型",
    "new": "新增",
    "closed": "销户",
    "from": "期初层级",
    "to": "期末层级",
    "upgraded": "升级",
    "downgraded": "降级",
    "upgrade_rate": "升级率",
    "downgrade_rate": "降级率",
    "start": "期初",
    "increase": "增加",
    "decrease": "减少",
    "end": "期末",
    "top1": "前1%占比",
    "top10": "前10%占比",
    "top20": "前20%占比",
    "gini": "基尼系数",
    "population_share": "客户累计占比",
    "cohort": "开户年份",
    "retained": "留存",
    "retention": "留存率",
    "channel": "渠道",
    "transactions": "交易笔数",
    "count_share": "笔数占比",
    "amount": "金额",
    "amount_share": "金额占比",
    "outflow": "第三方支付流出",
    "all_outflows": "全部流出",
    "base": "客户基数",
    "dormant": "睡眠客户",
    "eligible": "考察客户",
    "attrited": "流失",
    "rate": "比率",
    "assigned": "已分配",
    "coverage": "覆盖率",
    "branch_id": "机构号",
    "name": "名称",
    **{k: LABELS_ZH[k] for k in ("standard", "gold", "platinum", "diamond", "private")},
}

VALUES_ZH: dict[str, str] = {
    **LABELS_ZH,
    "M": "男",
    "F": "女",
    "unknown": "未知",
    "new": "新增",
    "closed": "销户",
    "all": "合计",
    "tier": "层级",
    "age_band": "年龄段",
    "gender": "性别",
    "customer_type": "客户类型",
    "product_holding": "产品持有数",
    "product_penetration": "产品渗透率",
    "counter": "柜面",
    "atm": "自助设备",
    "internet_banking": "网上银行",
    "mobile_banking": "手机银行",
    "wechat_banking": "微信银行",
    "sms_alerts": "短信通知",
    "third_party": "第三方",
    "pos": "POS",
    "batch": "批量",
    "other": "其他",
}

_MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")
# Columns whose values are code names to translate.
CODED = frozenset({"dimension", "group", "tier", "from", "to", "product_type", "channel"})


def is_money(value: Any) -> bool:
    """A contract money value: a string of decimal yuan with exactly two decimals."""
    return isinstance(value, str) and _MONEY.fullmatch(value) is not None


def as_decimal(value: str) -> Decimal:
    return Decimal(value)


def _walk(value: Any, keys: tuple[str, ...]) -> Iterator[Row]:
    if not keys:
        yield from (value if isinstance(value, list) else [value] if value else [])
        return
    for key, inner in value.items():
        for row in _walk(inner, keys[1:]):
            yield {keys[0]: key, **row}


def family_rows(result: dict[str, Any], family: str) -> list[Row]:
    """The rows of one family; in ``structure`` the grouping column is renamed ``group``."""
    rows = list(_walk(result.get(family, {}), FAMILIES[family]))
    if family != "structure":
        return rows
    renamed = []
    for row in rows:
        dimension = row["dimension"]
        group = dimension if dimension != "product_penetration" else "product_type"
        renamed.append({k if k != group else "group": v for k, v in row.items()})
    return renamed


def columns(rows: list[Row]) -> list[str]:
    """The union of the rows' columns, in order of first appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def money_columns(rows: list[Row], names: list[str]) -> set[str]:
    """Columns whose every non-empty value is a money string."""
    found = set()
    for name in names:
        values = [row.get(name) for row in rows if row.get(name) is not None]
        if values and all(is_money(v) for v in values):
            found.add(name)
    return found


def header(name: str, lang: str, money: bool) -> str:
    """A column header; money columns carry the unit (万元 on screen)."""
    text = HEADERS_ZH.get(name, name) if lang == "zh" else name
    if money:
        return f"{text}（万元）" if lang == "zh" else f"{text} (10k CNY)"
    return text


def title(family: str, lang: str) -> str:
    zh, en = TITLES[family]
    return zh if lang == "zh" else en


def label(column: str, value: Any, lang: str) -> Any:
    """A code name translated to Chinese where it is one (tiers, products, channels...)."""
    if lang == "zh" and column in CODED and isinstance(value, str):
        return VALUES_ZH.get(value, value)
    return value
