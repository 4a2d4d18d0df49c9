"""Fixtures of the security tests: the synthetic branch of ``tests.crm.branch`` (SQLite and
PostgreSQL)."""

from tests.crm.branch import branch_extract, branch_template, crm  # noqa: F401
