"""planning: an unplanned order's detail holds the capacity bound's note (up to 500 characters)

Revision ID: 0024_unplanned_reason_length
Revises: 0023_planning_prices
Create Date: 2026-12-02 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_unplanned_reason_length"
down_revision: str | None = "0023_planning_prices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_unplanned", schema=None) as batch_op:
        batch_op.alter_column(
            "reason",
            existing_type=sa.VARCHAR(length=200),
            type_=sa.String(length=500),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_unplanned", schema=None) as batch_op:
        batch_op.alter_column(
            "reason",
            existing_type=sa.String(length=500),
            type_=sa.VARCHAR(length=200),
            existing_nullable=False,
        )
