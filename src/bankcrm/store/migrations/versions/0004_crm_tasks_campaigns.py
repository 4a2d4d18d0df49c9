"""crm tasks, do-not-contact, segments, campaigns and campaign members

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 11:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, key: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.{key}"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _index(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def upgrade() -> None:
    """Add segments, campaigns, campaign_members, tasks and do_not_contact."""
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(), nullable=True),
        sa.Column("refreshed_as_of", sa.Date(), nullable=True),
        sa.Column("customers", sa.Integer(), nullable=True),
        sa.Column("aum_fen", sa.BigInteger(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("name", name=op.f("uq_segments_name")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("product_type", sa.String(length=40), nullable=True),
        sa.Column("goal_aum_fen", sa.BigInteger(), nullable=True),
        sa.Column("control_share", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("exclusion_days", sa.Integer(), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("campaigns", "segment_id", "segments", "id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    _index("campaigns", "segment_id")
    op.create_table(
        "campaign_members",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("group", sa.String(length=20), nullable=False),
        sa.Column("exclusion", sa.String(length=40), nullable=True),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("employee_id", sa.Text(), nullable=True),
        sa.Column("baseline_aum_fen", sa.BigInteger(), nullable=False),
        sa.Column("latest_aum_fen", sa.BigInteger(), nullable=True),
        sa.Column("contacted", sa.Boolean(), nullable=False),
        sa.Column("responded", sa.Boolean(), nullable=False),
        sa.Column("converted", sa.Boolean(), nullable=False),
        sa.Column("converted_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("outcome_source", sa.String(length=20), nullable=True),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("campaign_members", "branch_id", "branches", "branch_id"),
        _fk("campaign_members", "campaign_id", "campaigns", "id"),
        _fk("campaign_members", "customer_id", "customers", "customer_id"),
        _fk("campaign_members", "employee_id", "employees", "employee_id"),
        sa.PrimaryKeyConstraint("campaign_id", "customer_id", name=op.f("pk_campaign_members")),
    )
    _index("campaign_members", "group")
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("employee_id", sa.Text(), nullable=True),
        sa.Column("branch_id", sa.Text(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("open_key", sa.Text(), nullable=True),
        sa.Column("run_key", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _fk("tasks", "branch_id", "branches", "branch_id"),
        _fk("tasks", "campaign_id", "campaigns", "id"),
        _fk("tasks", "customer_id", "customers", "customer_id"),
        _fk("tasks", "employee_id", "employees", "employee_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("open_key", name=op.f("uq_tasks_open_key")),
        sa.UniqueConstraint("run_key", name=op.f("uq_tasks_run_key")),
    )
    _index("tasks", "branch_id", "campaign_id", "customer_id", "due_on", "employee_id")
    _index("tasks", "rule", "status")
    op.create_table(
        "do_not_contact",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        _fk("do_not_contact", "customer_id", "customers", "customer_id"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_do_not_contact")),
    )


def downgrade() -> None:
    """Drop them, dependants first."""
    for table in ("do_not_contact", "tasks", "campaign_members", "campaigns", "segments"):
        op.drop_table(table)
