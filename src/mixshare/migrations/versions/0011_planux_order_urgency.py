"""orders.urgency: rush orders requested by members and decided by the center, with who and why

Revision ID: 0011_planux_order_urgency
Revises: 0010_lab_quality
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_planux_order_urgency"
down_revision: str | None = "0010_lab_quality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column("urgency", sa.String(length=10), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("urgency_reason", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("urgency_by", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("urgency_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            "fk_orders_urgency_by_app_user", "app_user", ["urgency_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("fk_orders_urgency_by_app_user", type_="foreignkey")
        batch.drop_column("urgency_at")
        batch.drop_column("urgency_by")
        batch.drop_column("urgency_reason")
        batch.drop_column("urgency")
