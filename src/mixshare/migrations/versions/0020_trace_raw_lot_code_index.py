"""trace: index the lot code of every weighing (a forward trace starts from it)

Revision ID: 0020_trace_raw_lot_code_index
Revises: 0019_ledger_member_baselines
Create Date: 2026-12-02 09:45:00

A forward trace looks weighings up by the lot code they name, which also finds weighings of a
lot the center has no receipt for (``raw_lot_id`` is null then). Without the index that is a
scan of every weighing of the year (about 1.4 million rows).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_trace_raw_lot_code_index"
down_revision: str | None = "0019_ledger_member_baselines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("batch_ingredient", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_batch_ingredient_raw_lot_code"), ["raw_lot_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("batch_ingredient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_ingredient_raw_lot_code"))
