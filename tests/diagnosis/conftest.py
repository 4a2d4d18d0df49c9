"""The demo and neutral branches, shared with the report suite (tests/diagnosis/branches.py)."""

from __future__ import annotations

import pytest

from tests.diagnosis.branches import Branch, branch


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Branch:
    return branch(tmp_path_factory, "default")


@pytest.fixture(scope="session")
def neutral(tmp_path_factory: pytest.TempPathFactory) -> Branch:
    return branch(tmp_path_factory, "neutral")
