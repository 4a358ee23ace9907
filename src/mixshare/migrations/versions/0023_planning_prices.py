"""planning: versioned planning prices of the money objective

Revision ID: 0023_planning_prices
Revises: 0022_billing_statements
Create Date: 2026-12-02 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_planning_prices"
down_revision: str | None = "0022_billing_statements"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "planning_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("cleaning_material_yuan", sa.Float(), nullable=False),
        sa.Column("cleaning_kwh", sa.Float(), nullable=False),
        sa.Column("changeover_hour_yuan", sa.Float(), nullable=False),
        sa.Column("lateness_tonne_hour_yuan", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planning_price")),
        sa.UniqueConstraint("code", name=op.f("uq_planning_price_code")),
        sa.UniqueConstraint("valid_from", name=op.f("uq_planning_price_valid_from")),
    )


def downgrade() -> None:
    op.drop_table("planning_price")
