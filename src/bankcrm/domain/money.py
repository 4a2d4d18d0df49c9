"""Money: decimal yuan in the contract, integer fen (分) in storage, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100
YUAN_PER_WAN = 10_000


def parse_yuan(text: str) -> Decimal:
    """Parse a contract money value: decimal yuan with at most two decimals.

    Raises ValueError naming the problem.
    """
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {text!r}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValueError(f"more than 2 decimals: {text!r}")
    return value


def yuan_to_fen(value: Decimal) -> int:
    """Exact integer fen of a yuan amount with at most two decimals."""
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} yuan is not a whole number of fen")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    """Decimal yuan with exactly two decimals."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_wan(yuan: Decimal | int, decimals: int = 2) -> str:
    """Format an amount in 万元 with thousands separators, e.g. ``1,234.57``; unit not included."""
    wan = (Decimal(yuan) / YUAN_PER_WAN).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return f"{wan:,.{decimals}f}"
