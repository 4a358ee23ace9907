"""order numbers unique per member (a center-wide unique number told members each other's)

Revision ID: 8d3f6a2b7c41
Revises: 5b7e2c9d1f03
Create Date: 2026-12-02 01:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8d3f6a2b7c41"
down_revision: str | None = "5b7e2c9d1f03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint("uq_orders_number", type_="unique")
        batch_op.create_unique_constraint("uq_orders_member_id_number", ["member_id", "number"])
        batch_op.create_index("ix_orders_number", ["number"], unique=False)


def downgrade() -> None:
    """Fails while two members have an order with the same number (rename one first)."""
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_number")
        batch_op.drop_constraint("uq_orders_member_id_number", type_="unique")
        batch_op.create_unique_constraint("uq_orders_number", ["number"])
