"""The demo branch of the diagnosis suite (built once per session; see
tests/diagnosis/branches.py)."""

from tests.diagnosis.conftest import demo, neutral  # noqa: F401  (fixtures)
