"""execution: the OPC UA collector's checkpoint per line (last stored sequence number)

Revision ID: 0014_simline_collector_checkpoint
Revises: 0013_calendar_rotating_shifts
Create Date: 2026-12-02 05:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_simline_collector_checkpoint"
down_revision: str | None = "0013_calendar_rotating_shifts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collector_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=200), nullable=False),
        sa.Column("epoch", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("documents", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"], ["line.id"], name=op.f("fk_collector_checkpoint_line_id_line")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collector_checkpoint")),
        sa.UniqueConstraint("line_id", name=op.f("uq_collector_checkpoint_line_id")),
    )


def downgrade() -> None:
    op.drop_table("collector_checkpoint")
