"""billing: contract versions and their prices, closed months, statements and credit notes

Revision ID: 0022_billing_statements
Revises: 0021_twin_runs
Create Date: 2026-12-02 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_billing_statements"
down_revision: str | None = "0021_twin_runs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "billing_contract",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("sharing_rule", sa.String(length=20), nullable=False),
        sa.Column("storage_free_days", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
            name=op.f("fk_billing_contract_created_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_contract")),
        sa.UniqueConstraint("code", name=op.f("uq_billing_contract_code")),
        sa.UniqueConstraint("valid_from", name=op.f("uq_billing_contract_valid_from")),
    )
    op.create_table(
        "billing_contract_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=2), nullable=False),
        sa.Column("price", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["billing_contract.id"],
            name=op.f("fk_billing_contract_price_contract_id_billing_contract"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_contract_price")),
        sa.UniqueConstraint(
            "contract_id",
            "item",
            "key",
            "stage",
            name=op.f("uq_billing_contract_price_contract_id_item_key_stage"),
        ),
    )
    op.create_index(
        op.f("ix_billing_contract_price_contract_id"), "billing_contract_price", ["contract_id"]
    )
    op.create_table(
        "billing_month_close",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by"],
            ["app_user.id"],
            name=op.f("fk_billing_month_close_closed_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["billing_contract.id"],
            name=op.f("fk_billing_month_close_contract_id_billing_contract"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_month_close")),
        sa.UniqueConstraint("month", name=op.f("uq_billing_month_close_month")),
    )
    op.create_table(
        "billing_statement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("references_id", sa.Integer(), nullable=True),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["billing_contract.id"],
            name=op.f("fk_billing_statement_contract_id_billing_contract"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["app_user.id"],
            name=op.f("fk_billing_statement_issued_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_billing_statement_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["references_id"],
            ["billing_statement.id"],
            name=op.f("fk_billing_statement_references_id_billing_statement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_statement")),
        sa.UniqueConstraint("number", name=op.f("uq_billing_statement_number")),
    )
    op.create_index(op.f("ix_billing_statement_member_id"), "billing_statement", ["member_id"])
    op.create_index(op.f("ix_billing_statement_month"), "billing_statement", ["month"])
    op.create_table(
        "billing_statement_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("unit_price", sa.Float(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["billing_statement.id"],
            name=op.f("fk_billing_statement_line_statement_id_billing_statement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_statement_line")),
    )
    op.create_index(
        op.f("ix_billing_statement_line_statement_id"), "billing_statement_line", ["statement_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_billing_statement_line_statement_id"), "billing_statement_line")
    op.drop_table("billing_statement_line")
    op.drop_index(op.f("ix_billing_statement_month"), "billing_statement")
    op.drop_index(op.f("ix_billing_statement_member_id"), "billing_statement")
    op.drop_table("billing_statement")
    op.drop_table("billing_month_close")
    op.drop_index(op.f("ix_billing_contract_price_contract_id"), "billing_contract_price")
    op.drop_table("billing_contract_price")
    op.drop_table("billing_contract")
