"""sharing: versioned parameters of the fixed-cost model (cost game)

Revision ID: 0015_costgame_cost_model
Revises: 0014_simline_collector_checkpoint
Create Date: 2026-12-02 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_costgame_cost_model"
down_revision: str | None = "0014_simline_collector_checkpoint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cost_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("line_fixed_cost", sa.Float(), nullable=False),
        sa.Column("staff_cost_per_line_shift", sa.Float(), nullable=False),
        sa.Column("treatment_unit_cost", sa.Float(), nullable=False),
        sa.Column("lines_per_treatment_unit", sa.Integer(), nullable=False),
        sa.Column("overhead_cost", sa.Float(), nullable=False),
        sa.Column("target_utilisation", sa.Float(), nullable=False),
        sa.Column("shift_hours", sa.Float(), nullable=False),
        sa.Column("max_shifts", sa.Integer(), nullable=False),
        sa.Column("maintenance_hours_per_line", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
            name=op.f("fk_cost_model_created_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_model")),
        sa.UniqueConstraint("valid_from", name=op.f("uq_cost_model_valid_from")),
    )


def downgrade() -> None:
    op.drop_table("cost_model")
