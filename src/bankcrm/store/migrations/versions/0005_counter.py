"""counter: sessions, verifications, transactions, confirmations and cache events (issue 8)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 11:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.DateTime()
PEOPLE = sa.String(length=100)
ID = sa.String(length=36)


def upgrade() -> None:
    """Add the counter tables."""
    op.create_table(
        "counter_sessions",
        sa.Column("session_id", ID, nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("teller", PEOPLE, nullable=False),
        sa.Column("terminal_id", PEOPLE, nullable=False),
        sa.Column("branch_id", sa.Text(), nullable=True),
        sa.Column("started_at", TIME, nullable=False),
        sa.Column("ended_at", TIME, nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("cache_requested_at", TIME, nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=True),
        sa.Column("cache_cleared_at", TIME, nullable=True),
        sa.Column("cache_clear_reason", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_counter_sessions")),
    )
    op.create_index(op.f("ix_counter_sessions_customer_id"), "counter_sessions", ["customer_id"])
    op.create_index(op.f("ix_counter_sessions_teller"), "counter_sessions", ["teller"])
    op.create_table(
        "counter_verifications",
        sa.Column("verification_id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("photo_score", sa.Float(), nullable=True),
        sa.Column("signature_ref", sa.Text(), nullable=True),
        sa.Column("provider_ref", sa.Text(), nullable=False),
        sa.Column("verified_at", TIME, nullable=False),
        _session_fk("counter_verifications"),
        sa.PrimaryKeyConstraint("verification_id", name=op.f("pk_counter_verifications")),
    )
    op.create_index(
        op.f("ix_counter_verifications_session_id"), "counter_verifications", ["session_id"]
    )
    op.create_table(
        "counter_confirmations",
        sa.Column("confirmation_id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("signature_ref", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("confirmed_at", TIME, nullable=False),
        _session_fk("counter_confirmations"),
        sa.PrimaryKeyConstraint("confirmation_id", name=op.f("pk_counter_confirmations")),
    )
    op.create_index(
        op.f("ix_counter_confirmations_session_id"), "counter_confirmations", ["session_id"]
    )
    _create_transactions()
    op.create_table(
        "counter_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("teller", PEOPLE, nullable=False),
        sa.Column("terminal_id", PEOPLE, nullable=False),
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("session_id", ID, nullable=True),
        sa.Column("transaction_id", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_events")),
    )
    for column in ("at", "teller", "customer_id"):
        op.create_index(op.f(f"ix_counter_events_{column}"), "counter_events", [column])


def _session_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["session_id"],
        ["counter_sessions.session_id"],
        name=op.f(f"fk_{table}_session_id_counter_sessions"),
    )


def _create_transactions() -> None:
    op.create_table(
        "counter_transactions",
        sa.Column("transaction_id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("txn_type", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("verification_id", ID, nullable=False),
        sa.Column("via_cache", sa.Boolean(), nullable=False),
        sa.Column("supervisor", PEOPLE, nullable=True),
        sa.Column("confirm_each", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", TIME, nullable=False),
        sa.Column("confirmation_id", ID, nullable=True),
        _session_fk("counter_transactions"),
        sa.ForeignKeyConstraint(
            ["verification_id"],
            ["counter_verifications.verification_id"],
            name=op.f("fk_counter_transactions_verification_id_counter_verifications"),
        ),
        sa.ForeignKeyConstraint(
            ["confirmation_id"],
            ["counter_confirmations.confirmation_id"],
            name=op.f("fk_counter_transactions_confirmation_id_counter_confirmations"),
        ),
        sa.PrimaryKeyConstraint("transaction_id", name=op.f("pk_counter_transactions")),
    )
    for column in ("session_id", "verification_id", "confirmation_id"):
        op.create_index(op.f(f"ix_counter_transactions_{column}"), "counter_transactions", [column])


def downgrade() -> None:
    """Drop the counter tables."""
    for table in (
        "counter_events",
        "counter_transactions",
        "counter_confirmations",
        "counter_verifications",
        "counter_sessions",
    ):
        op.drop_table(table)
