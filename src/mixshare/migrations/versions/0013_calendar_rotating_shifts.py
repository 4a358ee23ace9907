"""calendar.cycle_days/cycle_start and shift.cycle_days/crew: rotating shift patterns

Revision ID: 0013_calendar_rotating_shifts
Revises: 0012_calendar_holiday_hours
Create Date: 2026-12-02 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_calendar_rotating_shifts"
down_revision: str | None = "0012_calendar_holiday_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendar") as batch:
        batch.add_column(sa.Column("cycle_days", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cycle_start", sa.Date(), nullable=True))
    with op.batch_alter_table("shift") as batch:
        batch.add_column(
            sa.Column("cycle_days", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("crew", sa.String(length=40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("shift") as batch:
        batch.drop_column("crew")
        batch.drop_column("cycle_days")
    with op.batch_alter_table("calendar") as batch:
        batch.drop_column("cycle_start")
        batch.drop_column("cycle_days")
