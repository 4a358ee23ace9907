"""holiday.open_shifts: a part-day holiday names the shifts (or clock windows) that still run

Revision ID: 0012_calendar_holiday_hours
Revises: 0011_planux_order_urgency
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_calendar_holiday_hours"
down_revision: str | None = "0011_planux_order_urgency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("holiday") as batch:
        batch.add_column(
            sa.Column("open_shifts", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("holiday") as batch:
        batch.drop_column("open_shifts")
