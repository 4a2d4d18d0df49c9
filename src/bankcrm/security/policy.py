"""Who may do what: each role's permissions, checked by the services (``authorize``).

Which customers a permitted action reaches is the other half, decided in ``scope``."""

from __future__ import annotations

from enum import StrEnum

from bankcrm.domain.actor import Actor, Role
from bankcrm.domain.errors import Forbidden


class Permission(StrEnum):
    CUSTOMER_SEARCH = "customer.search"  # lists of customers (masked for an analyst)
    CUSTOMER_VIEW = "customer.view"  # the 360 view, transactions, contacts, needs, RM history
    CUSTOMER_WRITE = "customer.write"  # log contacts, record needs, work tasks, outcomes
    UNMASK = "customer.unmask"  # see a masked value in clear, with a stated reason
    SUBJECT_EXPORT = "customer.subject_export"  # everything held about one customer (PIPL)
    ASSIGN = "assignment.manage"  # assign customers, hand over a book, see workloads
    TASKS = "task.work"
    SEGMENTS = "segment.build"
    SEGMENT_EXPORT = "segment.export"
    CAMPAIGN_VIEW = "campaign.view"
    CAMPAIGN_MANAGE = "campaign.manage"
    ANALYTICS = "analytics.read"  # structure analysis, diagnosis, reports (scoped)
    COUNTER = "counter.serve"
    COUNTER_SUPERVISE = "counter.supervise"  # authorise what the counter policy reserves
    AUDIT_READ = "audit.read"
    USER_ADMIN = "user.admin"
    CONFIG = "config.manage"


P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.RELATIONSHIP_MANAGER: frozenset(
        {
            P.CUSTOMER_SEARCH,
            P.CUSTOMER_VIEW,
            P.CUSTOMER_WRITE,
            P.UNMASK,
            P.TASKS,
            P.SEGMENTS,
            P.CAMPAIGN_VIEW,
        }
    ),
    Role.BRANCH_MANAGER: frozenset(
        {
            P.CUSTOMER_SEARCH,
            P.CUSTOMER_VIEW,
            P.CUSTOMER_WRITE,
            P.UNMASK,
            P.SUBJECT_EXPORT,
            P.ASSIGN,
            P.TASKS,
            P.SEGMENTS,
            P.SEGMENT_EXPORT,
            P.CAMPAIGN_VIEW,
            P.CAMPAIGN_MANAGE,
            P.ANALYTICS,
            P.COUNTER_SUPERVISE,
        }
    ),
    Role.TELLER: frozenset({P.COUNTER}),
    Role.ANALYST: frozenset(
        {P.CUSTOMER_SEARCH, P.SEGMENTS, P.SEGMENT_EXPORT, P.CAMPAIGN_VIEW, P.ANALYTICS}
    ),
    Role.AUDITOR: frozenset({P.AUDIT_READ}),
    Role.ADMIN: frozenset({P.USER_ADMIN, P.CONFIG}),
}


def allowed(actor: Actor, permission: Permission) -> bool:
    return actor.unrestricted or permission in ROLE_PERMISSIONS[actor.role]


def authorize(actor: Actor, permission: Permission) -> None:
    """Refuse (403) an action the actor's role does not carry."""
    if not allowed(actor, permission):
        raise Forbidden(f"role {actor.role.value} may not do {permission.value}")
