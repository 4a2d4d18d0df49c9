"""customer scores: the output of bankcrm score per customer, snapshot and model

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 11:15:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add customer_scores."""
    op.create_table(
        "customer_scores",
        sa.Column("customer_id", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_customer_scores_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", "as_of", "model", name=op.f("pk_customer_scores")),
    )


def downgrade() -> None:
    """Drop customer_scores."""
    op.drop_table("customer_scores")
