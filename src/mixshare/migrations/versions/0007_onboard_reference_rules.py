"""onboard: polymer families and colour classes as reference data (seeded with the values
every center had so far); changeover rules may name specific compounds

Revision ID: 0007_onboard_reference_rules
Revises: 9c41d7a2e5b6
Create Date: 2026-12-02 04:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_onboard_reference_rules"
down_revision: str | None = "9c41d7a2e5b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FAMILIES = [
    ("NR", "天然橡胶 natural rubber"),
    ("SBR", "丁苯橡胶 styrene-butadiene rubber"),
    ("BR", "顺丁橡胶 butadiene rubber"),
    ("EPDM", "三元乙丙橡胶 EPDM"),
    ("NBR", "丁腈橡胶 nitrile rubber"),
    ("CR", "氯丁橡胶 chloroprene rubber"),
    ("IIR", "丁基橡胶 butyl rubber"),
]
COLOURS = [("black", "黑色 black"), ("light", "浅色 light"), ("coloured", "彩色 coloured")]


def upgrade() -> None:
    families = op.create_table(
        "polymer_family",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    colours = op.create_table(
        "colour_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.bulk_insert(families, [{"code": c, "name": n} for c, n in FAMILIES])
    op.bulk_insert(colours, [{"code": c, "name": n} for c, n in COLOURS])
    with op.batch_alter_table("changeover_rule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_compound", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("to_compound", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("changeover_rule", schema=None) as batch_op:
        batch_op.drop_column("to_compound")
        batch_op.drop_column("from_compound")
    op.drop_table("colour_class")
    op.drop_table("polymer_family")
