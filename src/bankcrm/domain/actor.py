"""Who is acting: every service call takes the acting user, so that data scope, masking and the
audit trail (``bankcrm.security``) are enforced in the services, never only in a screen."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    BRANCH_MANAGER = "branch_manager"
    RELATIONSHIP_MANAGER = "relationship_manager"
    TELLER = "teller"
    ANALYST = "analyst"
    AUDITOR = "auditor"


ROLE_LABELS_ZH: dict[Role, str] = {
    Role.ADMIN: "系统管理员",
    Role.BRANCH_MANAGER: "网点负责人",
    Role.RELATIONSHIP_MANAGER: "客户经理",
    Role.TELLER: "柜员",
    Role.ANALYST: "分析员",
    Role.AUDITOR: "审计员",
}


@dataclass(frozen=True)
class Actor:
    """The acting user: a login bound to an employee of the extract (``employee_id``), with a
    role and the branch the employee works in (a manager's scope is that branch's subtree)."""

    username: str
    role: Role
    employee_id: str | None = None
    branch_id: str | None = None
    client: str | None = None  # where the request came from (an IP), for the audit trail
    unrestricted: bool = False  # the system's batch jobs only: no login can carry it


# Batch jobs run by the operator on the server (imports, task generation, scoring): they see
# every customer, and their audit records say "system".
SYSTEM = Actor(username="system", role=Role.ADMIN, unrestricted=True)
