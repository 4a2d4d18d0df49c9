"""What the caller asks for (``SynthOptions``) and what it gets back (``SynthResult``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bankcrm.synth.timeline import Timeline

MAX_DIRTY_RATE = 0.5


@dataclass(frozen=True)
class SynthOptions:
    """A synthetic extract to generate.

    ``customers``: customers in the extract (everyone whose relationship overlaps the range).
    ``start``/``end``: first and last month, ``YYYY-MM``, inclusive. ``seed``: same seed and
    options, same bytes. ``format``: ``csv`` or ``parquet``. ``dirty``: injected bad rows per
    valid row of each file (0 = a clean extract; at most 0.5). ``scenario``: ``default`` (the
    planted phenomena of SCENARIO.md) or ``neutral`` (all of them switched off).
    """

    customers: int = 10_000
    start: str = "2015-01"
    end: str = "2020-12"
    seed: int = 20201231
    format: Literal["csv", "parquet"] = "csv"
    dirty: float = 0.0
    scenario: Literal["default", "neutral"] = "default"

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError(f"customers must be at least 1, not {self.customers}")
        Timeline.from_text(self.start, self.end)  # raises on a bad month or order
        if self.format not in ("csv", "parquet"):
            raise ValueError(f"format must be csv or parquet, not {self.format!r}")
        if not 0.0 <= self.dirty <= MAX_DIRTY_RATE:
            raise ValueError(f"dirty must be between 0 and {MAX_DIRTY_RATE}, not {self.dirty}")
        if self.scenario not in ("default", "neutral"):
            raise ValueError(f"scenario must be default or neutral, not {self.scenario!r}")
        if not 0 <= self.seed < 2**63:
            raise ValueError("seed must be a non-negative 64-bit integer")

    @property
    def timeline(self) -> Timeline:
        return Timeline.from_text(self.start, self.end)


@dataclass(frozen=True)
class SynthResult:
    """Where the extract is, the data rows written per table file (injected bad rows
    included), the bad rows injected per table, and the wall-clock seconds it took."""

    out: Path
    rows: dict[str, int]
    seconds: float
    defects: dict[str, int] = field(default_factory=dict)
