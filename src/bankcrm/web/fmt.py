"""How figures and dates are shown to staff: money in 万元 with thousands separators, dates in
Chinese (2020年12月31日), in English where the screen is in English."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from bankcrm.domain.money import format_wan

Number = Decimal | float | int


def wan(yuan: Number | None, lang: str = "zh") -> str:
    """Yuan as 万元 (ten-thousands), two decimals, thousands separators: 1,234.56万元; in
    English, whole yuan with separators."""
    if yuan is None:
        return "—"
    amount = Decimal(str(yuan))
    if lang == "zh":
        return f"{format_wan(amount)}万元"
    return f"¥{amount.quantize(Decimal(1), ROUND_HALF_UP):,}"  # half up, as 万元 rounds


def day(value: date | datetime | None, lang: str = "zh") -> str:
    if value is None:
        return "—"
    d = value.date() if isinstance(value, datetime) else value
    return f"{d.year}年{d.month}月{d.day}日" if lang == "zh" else d.isoformat()


def moment(value: datetime | None, lang: str = "zh") -> str:
    if value is None:
        return "—"
    return f"{day(value, lang)} {value:%H:%M}"


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
