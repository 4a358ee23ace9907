"""environment: product classes on compounds, versioned factors and limits (seeded, unverified
where the primer says verify), stack readings, treatment log, waste; jobs.kind widened so an
import kind may be named like stack-monitoring

Revision ID: 0017_environment_ledger
Revises: 0016_stock_deliveries
Create Date: 2026-12-02 09:26:22.328912
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

# Reference data every center starts with; a center revises each by adding a newer version.
PRODUCT_CLASSES = [
    ("sheet_hose_belt", "胶板、胶管、胶带 / sheet, hose and belt"),
    ("other", "其他橡胶制品 / other rubber products"),
]
HANDBOOK = "MEE 2021 排放源统计调查产排污核算方法和系数手册, rubber products, mixing + vulcanising"
FACTORS = [
    ("voc_factor", "sheet_hose_belt", 4.90, "kg/t", HANDBOOK, False),
    ("voc_factor", "other", 3.27, "kg/t", HANDBOOK, False),
    ("capture_efficiency", "", 0.70, "fraction",
     "Zhejiang minimum capture of mixing exhaust (>= 70 %); replace with the measured value", False),
    ("treatment_efficiency", "", 0.90, "fraction",
     "engineering default for adsorption-concentration + incineration; replace with the unit's "
     "acceptance test report", False),
]  # fmt: skip
LIMITS = [
    ("nmhc_mg_m3", "max", 10.0, "mg/m3", "GB 27632-2011 Table 5, mixing and vulcanising (verify)"),
    ("pm_mg_m3", "max", 12.0, "mg/m3", "GB 27632-2011 Table 5, mixing (verify)"),
    ("combustion_temp_c", "min", 760.0, "°C",
     "HJ 1093-2020 regenerative thermal oxidiser combustion temperature (verify)"),
]  # fmt: skip
SINCE = date(2020, 1, 1)


revision: str = "0017_environment_ledger"
down_revision: str | None = "0016_stock_deliveries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "environment_factor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=24), nullable=False),
        sa.Column("product_class", sa.String(length=24), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=12), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_environment_factor")),
        sa.UniqueConstraint(
            "name",
            "product_class",
            "valid_from",
            name=op.f("uq_environment_factor_name_product_class_valid_from"),
        ),
    )
    op.create_table(
        "product_class",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_class")),
        sa.UniqueConstraint("code", name=op.f("uq_product_class_code")),
    )
    op.create_table(
        "regulatory_limit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parameter", sa.String(length=24), nullable=False),
        sa.Column("bound", sa.String(length=4), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=12), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_regulatory_limit")),
        sa.UniqueConstraint(
            "parameter", "valid_from", name=op.f("uq_regulatory_limit_parameter_valid_from")
        ),
    )
    op.create_table(
        "stack_reading",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stack", sa.String(length=24), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("nmhc_mg_m3", sa.Float(), nullable=False),
        sa.Column("flow_m3_h", sa.Float(), nullable=False),
        sa.Column("pm_mg_m3", sa.Float(), nullable=True),
        sa.Column("source_file", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stack_reading")),
        sa.UniqueConstraint("stack", "hour", name=op.f("uq_stack_reading_stack_hour")),
    )
    with op.batch_alter_table("stack_reading", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stack_reading_hour"), ["hour"], unique=False)

    op.create_table(
        "waste_container",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("waste_type", sa.String(length=120), nullable=False),
        sa.Column("hw_code", sa.String(length=40), nullable=False),
        sa.Column("mass_kg", sa.Float(), nullable=False),
        sa.Column("filled_on", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_container")),
        sa.UniqueConstraint("code", name=op.f("uq_waste_container_code")),
    )
    with op.batch_alter_table("waste_container", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waste_container_filled_on"), ["filled_on"], unique=False
        )

    op.create_table(
        "waste_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("container_id", sa.Integer(), nullable=False),
        sa.Column("transferred_on", sa.Date(), nullable=False),
        sa.Column("receiver", sa.String(length=120), nullable=False),
        sa.Column("receiver_licence", sa.String(length=60), nullable=False),
        sa.Column("manifest_no", sa.String(length=60), nullable=False),
        sa.Column("mass_kg", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["container_id"],
            ["waste_container.id"],
            name=op.f("fk_waste_transfer_container_id_waste_container"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waste_transfer")),
    )
    with op.batch_alter_table("waste_transfer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_waste_transfer_container_id"), ["container_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_waste_transfer_transferred_on"), ["transferred_on"], unique=False
        )

    op.create_table(
        "treatment_log_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("fan_hours", sa.Float(), nullable=False),
        sa.Column("combustion_temp_min_c", sa.Float(), nullable=True),
        sa.Column("combustion_temp_avg_c", sa.Float(), nullable=True),
        sa.Column("carbon_changed_kg", sa.Float(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["app_user.id"],
            name=op.f("fk_treatment_log_day_recorded_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_log_day")),
        sa.UniqueConstraint("unit", "day", name=op.f("uq_treatment_log_day_unit_day")),
    )
    with op.batch_alter_table("treatment_log_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_treatment_log_day_day"), ["day"], unique=False)

    with op.batch_alter_table("compound", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "product_class",
                sa.String(length=24),
                server_default="sheet_hose_belt",
                nullable=False,
            )
        )

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sa.VARCHAR(length=20),
            type_=sa.String(length=40),
            existing_nullable=False,
        )

    _seed()


def _seed() -> None:
    bind = op.get_bind()
    meta = sa.MetaData()
    meta.reflect(bind, only=("product_class", "environment_factor", "regulatory_limit"))
    op.bulk_insert(
        meta.tables["product_class"], [{"code": c, "name": n} for c, n in PRODUCT_CLASSES]
    )
    op.bulk_insert(
        meta.tables["environment_factor"],
        [
            {"name": n, "product_class": pc, "value": v, "unit": u, "valid_from": SINCE,
             "source": src, "verified": ok}
            for n, pc, v, u, src, ok in FACTORS
        ],
    )  # fmt: skip
    op.bulk_insert(
        meta.tables["regulatory_limit"],
        [
            {"parameter": p, "bound": b, "value": v, "unit": u, "valid_from": SINCE,
             "source": src, "verified": False}
            for p, b, v, u, src in LIMITS
        ],
    )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.alter_column(
            "kind",
            existing_type=sa.String(length=40),
            type_=sa.VARCHAR(length=20),
            existing_nullable=False,
        )

    with op.batch_alter_table("compound", schema=None) as batch_op:
        batch_op.drop_column("product_class")

    with op.batch_alter_table("treatment_log_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_log_day_day"))

    op.drop_table("treatment_log_day")
    with op.batch_alter_table("waste_transfer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waste_transfer_transferred_on"))
        batch_op.drop_index(batch_op.f("ix_waste_transfer_container_id"))

    op.drop_table("waste_transfer")
    with op.batch_alter_table("waste_container", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waste_container_filled_on"))

    op.drop_table("waste_container")
    with op.batch_alter_table("stack_reading", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stack_reading_hour"))

    op.drop_table("stack_reading")
    op.drop_table("regulatory_limit")
    op.drop_table("product_class")
    op.drop_table("environment_factor")
