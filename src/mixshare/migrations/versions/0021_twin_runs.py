"""twin: store every twin compare / twin claims run (its JSON, parameters and seed)

Revision ID: 0021_twin_runs
Revises: 0020_trace_raw_lot_code_index
Create Date: 2026-12-02 14:00:00

The twin page (/twin) shows the latest stored run of each kind, so what it charts is always
the output of a real run with its parameters and seed beside it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_twin_runs"
down_revision: str | None = "0020_trace_raw_lot_code_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "twin_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("replications", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("assumptions_version", sa.String(length=200), nullable=False),
        sa.Column("scenario", sa.String(length=200), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
            name=op.f("fk_twin_run_created_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_twin_run")),
    )
    op.create_index("ix_twin_run_kind_created", "twin_run", ["kind", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_twin_run_kind_created", table_name="twin_run")
    op.drop_table("twin_run")
