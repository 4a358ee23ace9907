"""plan_unplanned.reason_code: why an order is unplanned, as a code beside the detail text

Revision ID: 0008_planux_unplanned_reason_code
Revises: 0007_onboard_reference_rules
Create Date: 2026-12-02 04:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_planux_unplanned_reason_code"
down_revision: str | None = "0007_onboard_reference_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plan_unplanned") as batch:
        batch.add_column(
            sa.Column(
                "reason_code",
                sa.String(length=40),
                nullable=False,
                server_default="does_not_fit_horizon",
            )
        )
    # Rows stored before codes existed said "no line may run one of its stages" for the one
    # case that is not about time.
    op.execute(
        "UPDATE plan_unplanned SET reason_code = 'no_eligible_line'"
        " WHERE reason LIKE 'no line may run%'"
    )


def downgrade() -> None:
    with op.batch_alter_table("plan_unplanned") as batch:
        batch.drop_column("reason_code")
