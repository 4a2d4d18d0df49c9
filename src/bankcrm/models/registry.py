"""The model registry: each fitted model under ``<data_dir>/models/<name>/<version>/`` with a
JSON card (version, created_at, training snapshots, parameters or features, validation
metrics) and the artefact (``model.pkl``).

Artefacts are pickles (the only format scikit-learn models round-trip in without a new
dependency; skops would be the safer choice and is not in the stack). Loading a pickle runs
code, so: the card records the artefact's SHA-256 and ``load`` refuses an artefact that does not
match, which catches corruption and a swapped file; it does not stop someone who can rewrite
both, so the models folder must be writable only by the service account that runs ``score``.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bankcrm.domain.errors import BankcrmError

CARD = "card.json"
ARTEFACT = "model.pkl"


@dataclass(frozen=True)
class Entry:
    """One registered version: its folder and its card."""

    name: str
    version: int
    folder: Path
    card: dict[str, Any]


class Registry:
    """Fitted models under ``root`` (``<data_dir>/models``)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def versions(self, name: str) -> list[Entry]:
        """Every version of ``name``, oldest first."""
        folder = self.root / name
        if not folder.is_dir():
            return []
        found = [p for p in folder.iterdir() if p.name.isdigit() and (p / CARD).is_file()]
        return [self._entry(name, p) for p in sorted(found, key=lambda p: int(p.name))]

    def names(self) -> list[str]:
        """The model names with at least one version, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self.versions(p.name))

    def latest(self, name: str) -> Entry | None:
        """The newest version of ``name``, or None."""
        versions = self.versions(name)
        return versions[-1] if versions else None

    def save(self, name: str, artefact: Any, card: dict[str, Any]) -> Entry:
        """Register ``artefact`` as the next version of ``name`` with ``card`` (JSON-able)."""
        latest = self.latest(name)
        version = 1 if latest is None else latest.version + 1
        folder = self.root / name / str(version)
        folder.mkdir(parents=True)
        data = pickle.dumps(artefact, protocol=5)
        (folder / ARTEFACT).write_bytes(data)
        full = {
            "name": name,
            "version": version,
            "created_at": datetime.now().isoformat(timespec="seconds"),
            **card,
            "artefact_sha256": hashlib.sha256(data).hexdigest(),
        }
        text = json.dumps(full, ensure_ascii=False, indent=2, default=_jsonable)
        (folder / CARD).write_text(text + "\n", encoding="utf-8")
        return Entry(name, version, folder, json.loads(text))

    def load(self, entry: Entry) -> Any:
        """The artefact of ``entry``, after checking its SHA-256 against the card."""
        data = (entry.folder / ARTEFACT).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.card.get("artefact_sha256"):
            raise BankcrmError(
                f"model {entry.name} version {entry.version}: {ARTEFACT} does not match the "
                "SHA-256 in its card; refusing to load it (refit with bankcrm score)"
            )
        return pickle.loads(data)  # noqa: S301  verified against the card above

    def get(self, name: str, version: int | None = None) -> Entry:
        """A version of ``name`` (the latest by default); a clear error when there is none."""
        versions = self.versions(name)
        if not versions:
            known = ", ".join(self.names()) or "none yet (run bankcrm score)"
            raise BankcrmError(f"no model named {name!r} in {self.root}; registered: {known}")
        if version is None:
            return versions[-1]
        for entry in versions:
            if entry.version == version:
                return entry
        raise BankcrmError(f"model {name!r} has no version {version}")

    def _entry(self, name: str, folder: Path) -> Entry:
        card = json.loads((folder / CARD).read_text(encoding="utf-8"))
        return Entry(name, int(folder.name), folder, card)


def _jsonable(value: Any) -> Any:
    """numpy scalars and dates in cards."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
