"""ECharts options for the analysis screens, built from the ``bankcrm analyze`` JSON contract
(docs/analytics.md) and the campaign results. Amounts are shown in 万元 (the contract holds yuan
strings); animation is off so screenshots and tests see the final picture."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bankcrm.reports.shape import VALUES_ZH

Option = dict[str, Any]
NONZERO = "p => (p.value ? p.value : '')"  # a waterfall step shows one of its two bars
TIERS = ("standard", "gold", "platinum", "diamond", "private")
BRIDGE = ("start", "new", "closed", "increase", "decrease", "end")
BRIDGE_ZH = {"start": "期初", "new": "新增客户", "closed": "销户客户", "increase": "存量增加",
             "decrease": "存量减少", "end": "期末"}  # fmt: skip
BRIDGE_EN = {"start": "Start", "new": "New", "closed": "Closed", "increase": "Increase",
             "decrease": "Decrease", "end": "End"}  # fmt: skip


def name(code: str, lang: str) -> str:
    """A code name (tier, channel, age band) in the screen's language."""
    return VALUES_ZH.get(code, code) if lang == "zh" else code


def wan(yuan: str | Decimal | float | None) -> float:
    """Yuan as 万元 for a chart axis (two decimals)."""
    return 0.0 if yuan is None else round(float(Decimal(str(yuan))) / 10_000, 2)


def pct(share: float | None) -> float:
    return 0.0 if share is None else round(share * 100, 2)


def _base(title: str) -> Option:
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "top": 0, "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 40, "top": 70, "bottom": 30, "containLabel": True},
    }


def pyramid(rows: list[dict[str, Any]], key: str, title: str, lang: str) -> Option:
    """Customers' share (left) against AUM share (right) per group, bottom group first: the
    shape shows where the customers are and where the money is."""
    labels = [name(str(r[key]), lang) for r in rows]
    longest = max(
        [pct(r.get("share")) for r in rows] + [pct(r.get("aum_share")) for r in rows] + [0]
    )
    reach = min(100, (int(longest) // 10 + 2) * 10)
    customers = "客户数占比" if lang == "zh" else "Customers"
    money = "AUM占比" if lang == "zh" else "AUM"
    option = _base(title)
    option.update({
        "legend": {"top": 30, "data": [customers, money]},
        # symmetric, with room beyond the longest bar for its label
        "xAxis": {"type": "value", "min": -reach, "max": reach,
                  "axisLabel": {":formatter": "v => Math.abs(v) + '%'"}},
        "yAxis": {"type": "category", "data": labels, "axisTick": {"show": False}},
        "series": [
            {"name": customers, "type": "bar", "stack": "s",
             "data": [_left(pct(r.get("share")), reach) for r in rows],
             "label": {"show": True, "position": "left",
                       ":formatter": "p => Math.abs(p.value) + '%'"}},
            {"name": money, "type": "bar", "stack": "s",
             "data": [pct(r.get("aum_share")) for r in rows],
             "label": {"show": True, "position": "right", "formatter": "{c}%"}},
        ],
    })  # fmt: skip
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    return option


def _left(value: float, reach: int) -> dict[str, Any]:
    """A bar drawn leftwards; a long one carries its label inside, clear of the axis names."""
    item: dict[str, Any] = {"value": -value}
    if value > reach * 0.6:
        item["label"] = {"position": "insideLeft", "color": "#fff"}
    return item


def trends(
    years: list[str], customers: list[int], aum: list[float], title: str, lang: str
) -> Option:
    """Customers (bars) and AUM in 万元 (line, right axis) at each year-end."""
    option = _base(title)
    c_name = "客户数" if lang == "zh" else "Customers"
    a_name = "AUM（万元）" if lang == "zh" else "AUM (10k CNY)"
    option.update({
        "legend": {"top": 30, "data": [c_name, a_name]},
        "xAxis": {"type": "category", "data": years},
        "yAxis": [{"type": "value", "name": c_name}, {"type": "value", "name": a_name}],
        "series": [
            {"name": c_name, "type": "bar", "data": customers, "label": {"show": True}},
            {"name": a_name, "type": "line", "yAxisIndex": 1, "data": aum,
             "label": {"show": True}},
        ],
    })  # fmt: skip
    return option


def heatmap(rows: list[dict[str, Any]], title: str, lang: str) -> Option:
    """The tier migration matrix: from (rows) → to (columns), customers in each cell."""
    froms = [t for t in (*TIERS, "new") if any(r["from"] == t for r in rows)]
    tos = [t for t in (*TIERS, "closed") if any(r["to"] == t for r in rows)]
    cells = [[tos.index(r["to"]), froms.index(r["from"]), r["customers"]] for r in rows]
    top = max((r["customers"] for r in rows), default=1)
    option = _base(title)
    option.update({
        "tooltip": {"position": "top"},
        "xAxis": {"type": "category", "data": [name(t, lang) for t in tos],
                  "name": "期末" if lang == "zh" else "to", "splitArea": {"show": True}},
        "yAxis": {"type": "category", "data": [name(t, lang) for t in froms],
                  "name": "期初" if lang == "zh" else "from", "splitArea": {"show": True}},
        "visualMap": {"min": 0, "max": max(top, 1), "calculable": False, "orient": "horizontal",
                      "left": "center", "bottom": 0, "show": False},
        "series": [{"type": "heatmap", "data": cells, "label": {"show": True}}],
    })  # fmt: skip
    return option


def waterfall(bridge: dict[str, str], title: str, lang: str) -> Option:
    """The AUM bridge: start, the four movements floating on a hidden base, end (万元)."""
    labels = BRIDGE_ZH if lang == "zh" else BRIDGE_EN
    base, up, down = [], [], []
    level = 0.0
    for key in BRIDGE:  # six steps
        value = wan(bridge.get(key))
        if key in ("start", "end"):
            base.append(0.0)
            up.append(value)
            down.append(0.0)
            level = value
        elif value >= 0:
            base.append(round(level, 2))
            up.append(value)
            down.append(0.0)
            level += value
        else:
            level += value
            base.append(round(level, 2))
            up.append(0.0)
            down.append(-value)
    option = _base(title)
    option.update({
        "xAxis": {"type": "category", "data": [labels[k] for k in BRIDGE],
                  "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "name": "万元" if lang == "zh" else "10k CNY"},
        "series": [
            {"type": "bar", "stack": "w", "data": base,
             "itemStyle": {"color": "transparent"}, "tooltip": {"show": False}},
            {"name": "增加" if lang == "zh" else "up", "type": "bar", "stack": "w", "data": up,
             "itemStyle": {"color": "#2e7d32"},
             "label": {"show": True, "position": "top", ":formatter": NONZERO}},
            {"name": "减少" if lang == "zh" else "down", "type": "bar", "stack": "w",
             "data": down, "itemStyle": {"color": "#c62828"},
             "label": {"show": True, "position": "bottom", ":formatter": NONZERO}},
        ],
    })  # fmt: skip
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    return option


def lorenz(points: list[dict[str, Any]], title: str, lang: str) -> Option:
    """The Lorenz curve of AUM against the line of equality."""
    curve = [[pct(p["population_share"]), pct(p["aum_share"])] for p in points]
    option = _base(title)
    option.update({
        "tooltip": {"trigger": "item"},
        "xAxis": {"type": "value", "min": 0, "max": 100,
                  "name": "客户累计占比%" if lang == "zh" else "customers %"},
        "yAxis": {"type": "value", "min": 0, "max": 100,
                  "name": "AUM累计占比%" if lang == "zh" else "AUM %"},
        "series": [
            {"name": "洛伦兹曲线" if lang == "zh" else "Lorenz", "type": "line", "data": curve,
             "showSymbol": False, "areaStyle": {"opacity": 0.15}},
            {"name": "绝对平均" if lang == "zh" else "equality", "type": "line",
             "data": [[0, 0], [100, 100]], "showSymbol": False,
             "lineStyle": {"type": "dashed"}},
        ],
    })  # fmt: skip
    return option


def grouped(categories: list[str], series: dict[str, list[float]], title: str, unit: str) -> Option:
    """Bars per category, one series per year (the channel shift)."""
    option = _base(title)
    option.update({
        "legend": {"top": 30, "data": list(series)},
        "xAxis": {"type": "category", "data": categories, "axisLabel": {"interval": 0}},
        "yAxis": {"type": "value", "name": unit},
        "series": [{"name": k, "type": "bar", "data": v} for k, v in series.items()],
    })  # fmt: skip
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    return option


def outflow(years: list[str], amounts: list[float], shares: list[float], title: str,
            lang: str) -> Option:  # fmt: skip
    """Third-party payment outflow (万元, bars) and its share of all outflows (line, %)."""
    a_name = "第三方支付流出（万元）" if lang == "zh" else "Outflow (10k CNY)"
    s_name = "占全部流出%" if lang == "zh" else "Share of outflows %"
    option = _base(title)
    option.update({
        "legend": {"top": 30, "data": [a_name, s_name]},
        "xAxis": {"type": "category", "data": years},
        "yAxis": [{"type": "value", "name": "万元" if lang == "zh" else "10k CNY"},
                  {"type": "value", "name": "%", "max": 100}],
        "series": [
            {"name": a_name, "type": "bar", "data": amounts, "label": {"show": True}},
            {"name": s_name, "type": "line", "yAxisIndex": 1, "data": shares,
             "label": {"show": True, "position": "top", "formatter": "{c}%"}},
        ],
    })  # fmt: skip
    return option


def lift(target: float | None, control: float | None, lift_value: float | None,
         low: float | None, high: float | None, lang: str) -> Option:  # fmt: skip
    """Conversion of targets and control (bars), and the lift with its 95% interval (a box
    from the low to the high end, the estimate as a point), all in percentage points."""
    t = "目标组转化率" if lang == "zh" else "Target rate"
    c = "对照组转化率" if lang == "zh" else "Control rate"
    d = "提升（95%置信区间）" if lang == "zh" else "Lift (95% CI)"
    option = _base("转化率与提升" if lang == "zh" else "Conversion and lift")
    interval = [] if low is None or high is None else [[pct(low), pct(high), pct(low), pct(high)]]
    option.update({
        "tooltip": {"trigger": "item"},
        "xAxis": [{"type": "category", "data": [t, c], "gridIndex": 0},
                  {"type": "category", "data": [d], "gridIndex": 1}],
        "yAxis": [{"type": "value", "name": "%", "gridIndex": 0},
                  {"type": "value", "name": "%", "gridIndex": 1}],
        "grid": [{"left": 50, "right": "55%", "top": 60, "bottom": 40, "containLabel": True},
                 {"left": "55%", "right": 30, "top": 60, "bottom": 40, "containLabel": True}],
        "series": [
            {"type": "bar", "xAxisIndex": 0, "yAxisIndex": 0, "label": {"show": True},
             "data": [pct(target), pct(control)], "barMaxWidth": 60},
            {"name": d, "type": "candlestick", "xAxisIndex": 1, "yAxisIndex": 1,
             "data": interval, "barMaxWidth": 30,
             "itemStyle": {"color": "#90caf9", "color0": "#90caf9", "borderColor": "#1565c0",
                           "borderColor0": "#1565c0"}},
            {"name": d, "type": "scatter", "xAxisIndex": 1, "yAxisIndex": 1,
             "data": [] if lift_value is None else [pct(lift_value)], "symbolSize": 12,
             "itemStyle": {"color": "#0d47a1"}, "label": {"show": True, "position": "right"},
             "markLine": {"silent": True, "symbol": "none", "data": [{"yAxis": 0}],
                          "lineStyle": {"type": "dashed", "color": "#999"}}},
        ],
    })  # fmt: skip
    return option
