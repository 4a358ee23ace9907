"""stock: locations, placements, deliveries and their batches

Revision ID: 0016_stock_deliveries
Revises: 0015_costgame_cost_model
Create Date: 2026-12-02 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_stock_deliveries"
down_revision: str | None = "0015_costgame_cost_model"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# every center has somewhere to rest masterbatch and to keep final batches
LOCATIONS = [
    {"code": "REST-1", "name": "停放区 1 / Rest area 1", "stages": "MB,RM"},
    {"code": "FB-1", "name": "终炼胶库 1 / Final batch store 1", "stages": "FB"},
]


def upgrade() -> None:
    location = op.create_table(
        "stock_location",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("stages", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_location")),
        sa.UniqueConstraint("code", name=op.f("uq_stock_location_code")),
    )
    op.bulk_insert(location, LOCATIONS)
    op.create_table(
        "stock_placement",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("placed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batch.id"],
            name=op.f("fk_stock_placement_batch_id_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["stock_location.id"],
            name=op.f("fk_stock_placement_location_id_stock_location"),
        ),
        sa.ForeignKeyConstraint(
            ["placed_by"],
            ["app_user.id"],
            name=op.f("fk_stock_placement_placed_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_stock_placement")),
    )
    op.create_index(
        op.f("ix_stock_placement_location_id"), "stock_placement", ["location_id"], unique=False
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_delivery_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
            name=op.f("fk_delivery_created_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("number", name=op.f("uq_delivery_number")),
    )
    op.create_index(op.f("ix_delivery_member_id"), "delivery", ["member_id"], unique=False)
    op.create_index(op.f("ix_delivery_delivered_at"), "delivery", ["delivered_at"], unique=False)
    op.create_table(
        "delivery_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_delivery_batch_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_delivery_batch_batch_id_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_batch")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_delivery_batch_batch_id")),
    )
    op.create_index(
        op.f("ix_delivery_batch_delivery_id"), "delivery_batch", ["delivery_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("delivery_batch")
    op.drop_table("delivery")
    op.drop_table("stock_placement")
    op.drop_table("stock_location")
