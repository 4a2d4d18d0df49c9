"""Charts of the report as inline SVG (matplotlib, text kept as text), one per report table:
horizontal and vertical bars, lines over years, heatmaps and the AUM-bridge waterfall.

Chinese text needs the font family "Noto Sans CJK SC" by name: without it the renderer picks
the Japanese forms of the CJK font (STACK.md).
"""

from __future__ import annotations

import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: render to files only
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.typing import RcKeyType

from bankcrm.reports.report_tables import ReportTable, label, wan

FONT = "Noto Sans CJK SC"
COLOURS = ("#1f4e79", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f")
STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": [FONT, "DejaVu Sans"],
    "axes.unicode_minus": False,
    "svg.hashsalt": "bankcrm",  # the same SVG for the same data: stable files
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _values(table: ReportTable, column: str) -> list[float]:
    """A column as numbers for drawing: money in 万元, shares in percent, missing as 0."""
    col = next(c for c in table.columns if c.name == column)
    i = table.columns.index(col)
    out = []
    for r in table.rows:
        v = r[i]
        if col.kind == "wan":
            out.append(wan(v) or 0.0)
        elif col.kind == "share":
            out.append((v or 0.0) * 100)
        else:
            out.append(float(v or 0))
    return out


def _labels(table: ReportTable, column: str, lang: str) -> list[str]:
    i = [c.name for c in table.columns].index(column)
    return [label(r[i], lang) for r in table.rows]


def _series_name(table: ReportTable, column: str, lang: str) -> str:
    col = next(c for c in table.columns if c.name == column)
    return col.zh if lang == "zh" else col.en


def _draw(table: ReportTable, ax: Any, lang: str) -> None:
    chart = table.chart
    xs = _labels(table, chart.x, lang)
    if chart.kind == "heatmap":
        matrix = np.array([_values(table, c) for c in chart.y]).T
        ax.imshow(matrix, cmap="Blues", aspect="auto")
        ax.set_xticks(range(len(chart.y)), [_series_name(table, c, lang) for c in chart.y])
        ax.set_yticks(range(len(xs)), xs)
        for (i, j), v in np.ndenumerate(matrix):
            ax.text(
                j,
                i,
                f"{v:.0f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if v > matrix.max() * 0.6 else "black",
            )
        return
    if chart.kind == "waterfall":
        steps = _values(table, chart.y[0])
        level, bottoms, heights = 0.0, [], []
        for i, v in enumerate(steps):  # six bridge steps, not data rows
            total = i in (0, len(steps) - 1)
            bottoms.append(0.0 if total else (level + v if v < 0 else level))
            heights.append(abs(v))
            level = v if total else level + v
        colours = [
            COLOURS[0] if i in (0, len(steps) - 1) else (COLOURS[2] if v >= 0 else COLOURS[1])
            for i, v in enumerate(steps)
        ]
        ax.bar(xs, heights, bottom=bottoms, color=colours)
        return
    for k, column in enumerate(chart.y):
        values = _values(table, column)
        name = _series_name(table, column, lang)
        if chart.kind in ("barh", "bar"):
            draw = ax.barh if chart.kind == "barh" else ax.bar
            bars = draw(xs, values, color=COLOURS[k % len(COLOURS)], label=name)
            ax.bar_label(
                bars,
                fmt="{:,.1f}" if max(values, default=0) < 100 else "{:,.0f}",
                fontsize=7,
                padding=2,
            )
        else:
            ax.plot(xs, values, marker="o", color=COLOURS[k % len(COLOURS)], label=name)
    if len(chart.y) > 1:
        ax.legend(fontsize=7, frameon=False)


def chart_svg(table: ReportTable, lang: str = "zh") -> str:
    """The table's chart as an ``<svg>`` element (no XML prologue) with its title and unit."""
    unit = table.chart.unit_zh if lang == "zh" else table.chart.unit_en
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.4, 3.2), dpi=100)
        try:
            _draw(table, ax, lang)
            title = table.title(lang)
            if len(table.chart.y) == 1 and table.chart.kind != "waterfall":
                title += f" · {_series_name(table, table.chart.y[0], lang)}"
            ax.set_title(title, fontsize=11)
            axis = ax.set_xlabel if table.chart.kind == "barh" else ax.set_ylabel
            axis(f"单位：{unit}" if lang == "zh" else f"unit: {unit}", fontsize=8)
            ax.tick_params(labelsize=8)
            fig.tight_layout()
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None})  # same data, same file
        finally:
            plt.close(fig)
    svg = buffer.getvalue()
    return re.sub(r"^.*?(<svg)", r"\1", svg, count=1, flags=re.S)
