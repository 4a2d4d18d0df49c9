"""Extracts generated once per test session, copied by tests that change them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bankcrm.synth import SynthOptions, generate

SMALL = SynthOptions(customers=400, start="2019-01", end="2020-12", seed=7)


@pytest.fixture(scope="session")
def small_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean 400-customer, 24-month extract (read-only: copy it to change it)."""
    out = tmp_path_factory.mktemp("small") / "extract"
    generate(out, SMALL)
    return out


@pytest.fixture(scope="session")
def dirty_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same extract with bad rows of every kind injected (listed in _truth/defects.csv)."""
    out = tmp_path_factory.mktemp("dirty") / "extract"
    generate(out, SynthOptions(**{**SMALL.__dict__, "dirty": 0.02}))
    return out


@pytest.fixture
def extract_copy(small_extract: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "extract"
    shutil.copytree(small_extract, copy)
    return copy
