"""crm core: search indexes, customer summaries, handovers, assignment events, contacts, needs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 11:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the CRM tables and the customer search indexes."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_customers_name_trgm",
        "customers",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index("ix_customers_phone", "customers", ["phone"])
    op.create_table(
        "customer_summaries",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("aum_fen", sa.BigInteger(), nullable=False),
        sa.Column("loan_balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("dormant", sa.Boolean(), nullable=False),
        sa.Column("maturity_soon", sa.Boolean(), nullable=False),
        sa.Column("large_outflow", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_customer_summaries_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_summaries")),
    )
    op.create_index("ix_customer_summaries_aum_fen", "customer_summaries", ["aum_fen"])
    op.create_index("ix_customer_summaries_tier", "customer_summaries", ["tier"])
    op.create_index(
        "ix_customer_summaries_tier_aum",
        "customer_summaries",
        ["tier", sa.text("aum_fen DESC"), "customer_id"],
    )
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("from_employee_id", sa.Text(), nullable=False),
        sa.Column("to_employee_id", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("aum_fen", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_employee_id"],
            ["employees.employee_id"],
            name=op.f("fk_handovers_from_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["to_employee_id"],
            ["employees.employee_id"],
            name=op.f("fk_handovers_to_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    op.create_index("ix_handovers_from_employee_id", "handovers", ["from_employee_id"])
    op.create_index("ix_handovers_to_employee_id", "handovers", ["to_employee_id"])
    op.create_table(
        "assignment_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("from_employee_id", sa.Text(), nullable=True),
        sa.Column("to_employee_id", sa.Text(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_assignment_events_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["from_employee_id"],
            ["employees.employee_id"],
            name=op.f("fk_assignment_events_from_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["to_employee_id"],
            ["employees.employee_id"],
            name=op.f("fk_assignment_events_to_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["handover_id"],
            ["handovers.id"],
            name=op.f("fk_assignment_events_handover_id_handovers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_events")),
    )
    op.create_index("ix_assignment_events_customer_id", "assignment_events", ["customer_id"])
    op.create_index("ix_assignment_events_to_employee_id", "assignment_events", ["to_employee_id"])
    op.create_index("ix_assignment_events_handover_id", "assignment_events", ["handover_id"])
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("employee_id", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("next_step_on", sa.Date(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_contacts_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employees.employee_id"],
            name=op.f("fk_contacts_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index("ix_contacts_customer_occurred", "contacts", ["customer_id", "occurred_at"])
    op.create_index("ix_contacts_employee_occurred", "contacts", ["employee_id", "occurred_at"])
    op.create_index("ix_contacts_campaign_id", "contacts", ["campaign_id"])
    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("need_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("employee_id", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.customer_id"], name=op.f("fk_needs_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employees.employee_id"], name=op.f("fk_needs_employee_id_employees")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_needs")),
    )
    op.create_index("ix_needs_customer_id", "needs", ["customer_id"])
    op.create_index("ix_needs_code_status", "needs", ["need_code", "status"])


def downgrade() -> None:
    """Drop the CRM tables and the search indexes (pg_trgm stays: others may use it)."""
    op.drop_table("needs")
    op.drop_table("contacts")
    op.drop_table("assignment_events")
    op.drop_table("handovers")
    op.drop_table("customer_summaries")
    op.drop_index("ix_customers_phone", table_name="customers")
    op.drop_index("ix_customers_name_trgm", table_name="customers")
