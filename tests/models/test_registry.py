"""The model registry: versions, cards, loading with the SHA-256 check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bankcrm.domain.errors import BankcrmError
from bankcrm.models.registry import ARTEFACT, CARD, Registry


def test_versions_count_up_and_cards_are_written(tmp_path: Path) -> None:
    registry = Registry(tmp_path / "models")
    assert registry.names() == []
    first = registry.save("churn", {"weights": [1, 2]}, {"training_snapshots": ["2020-06-30"]})
    second = registry.save("churn", {"weights": [3]}, {"validation": {"roc_auc": 0.7}})
    registry.save("segments", [1], {})
    assert (first.version, second.version) == (1, 2)
    assert registry.names() == ["churn", "segments"]
    assert [e.version for e in registry.versions("churn")] == [1, 2]
    card = json.loads((tmp_path / "models" / "churn" / "1" / CARD).read_text(encoding="utf-8"))
    assert card["name"] == "churn"
    assert card["version"] == 1
    assert card["training_snapshots"] == ["2020-06-30"]
    assert len(card["artefact_sha256"]) == 64
    assert registry.get("churn").version == 2
    assert registry.load(registry.get("churn", 1)) == {"weights": [1, 2]}


def test_a_changed_artefact_is_refused(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    entry = registry.save("nbp", {"a": 1}, {})
    (entry.folder / ARTEFACT).write_bytes(b"not the pickle the card describes")
    with pytest.raises(BankcrmError, match="does not match the SHA-256"):
        registry.load(registry.get("nbp"))


def test_unknown_names_and_versions(tmp_path: Path) -> None:
    registry = Registry(tmp_path)
    registry.save("churn", 1, {})
    with pytest.raises(BankcrmError, match=r"no model named 'chrun'.*registered: churn"):
        registry.get("chrun")
    with pytest.raises(BankcrmError, match="has no version 7"):
        registry.get("churn", 7)
