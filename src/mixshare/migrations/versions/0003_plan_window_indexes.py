"""plan window indexes: lots and changeovers by (plan, start), lots by (plan, order, end)

Revision ID: 5b7e2c9d1f03
Revises: 4ac596dc3c75
Create Date: 2026-12-01 09:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b7e2c9d1f03"
down_revision: str | None = "4ac596dc3c75"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_plan_lot_plan_start", "plan_lot", ["plan_id", "start"])
    op.create_index("ix_plan_lot_plan_order_end", "plan_lot", ["plan_id", "order_id", "end"])
    op.create_index("ix_plan_lot_plan_member_start", "plan_lot", ["plan_id", "member_id", "start"])
    op.create_index("ix_plan_changeover_plan_start", "plan_changeover", ["plan_id", "start"])


def downgrade() -> None:
    op.drop_index("ix_plan_changeover_plan_start", table_name="plan_changeover")
    op.drop_index("ix_plan_lot_plan_member_start", table_name="plan_lot")
    op.drop_index("ix_plan_lot_plan_order_end", table_name="plan_lot")
    op.drop_index("ix_plan_lot_plan_start", table_name="plan_lot")
