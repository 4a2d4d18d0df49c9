"""Fixtures of the CRM service tests: see ``tests.crm.branch``."""

from tests.crm.branch import branch_extract, branch_template, crm  # noqa: F401
