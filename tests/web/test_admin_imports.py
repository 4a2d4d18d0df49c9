"""The administration screen's import helpers without a browser: uploaded zips are unpacked
safely, and downloaded rejects hide the customers' personal values."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from bankcrm.domain.errors import BadRequest
from bankcrm.web.imports import _masked, _unzip


def _zip(entries: dict[str, str], folder: Path) -> Path:
    path = folder / "upload.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return path


def test_a_zip_of_the_folder_itself_is_opened_to_the_extract(tmp_path: Path) -> None:
    folder = _unzip(
        _zip({"extract/customers.csv": "x", "extract/branches.csv": "y"}, tmp_path), tmp_path
    )
    assert sorted(p.name for p in folder.iterdir()) == ["branches.csv", "customers.csv"]


@pytest.mark.parametrize("name", ["../evil.csv", "/etc/evil.csv", "a/../../evil.csv"])
def test_a_path_out_of_the_folder_is_refused(tmp_path: Path, name: str) -> None:
    into = tmp_path / "in"
    into.mkdir()
    with pytest.raises(BadRequest, match="unsafe path"):
        _unzip(_zip({name: "x"}, tmp_path), into)
    assert not (tmp_path / "evil.csv").exists()


def test_not_a_zip_is_refused_in_words(tmp_path: Path) -> None:
    (tmp_path / "upload.zip").write_text("customer_id,name\n")
    with pytest.raises(BadRequest, match="not a zip"):
        _unzip(tmp_path / "upload.zip", tmp_path)


def test_rejected_personal_values_are_masked_and_others_kept() -> None:
    id_row = ["customers.csv", "7", "id_number", "36050219530727297X1",
              "bad_id_number", "id_number: '36050219530727297X1' has 19 characters"]  # fmt: skip
    masked = _masked(id_row)
    assert masked[3] == "360502*********97X1"
    assert "36050219530727297X1" not in masked[5]
    assert masked[3] in masked[5]
    phone = _masked(["customers.csv", "8", "phone", "1381234567", "bad_phone", "1381234567"])
    assert phone[3] == "**********"  # too short to keep both ends: all hidden
    branch = ["branches.csv", "5", "name", "新余分行", "blank", ""]
    assert _masked(branch) == branch  # a branch's name is not personal data
