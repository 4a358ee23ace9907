"""quality lab: test methods (seeded), specs with sampling plans, lab results, dispositions of
held batches, golden curves and curve scores

Revision ID: 0010_lab_quality
Revises: 0009_execution_batches
Create Date: 2026-12-02 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_lab_quality"
down_revision: str | None = "0009_execution_batches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, instrument, 中文, English, unit, decimals, low, high (what the instrument can report)
TEST_METHODS = [
    ("MOONEY", "Mooney", "门尼粘度 ML(1+4) 100 °C", "Mooney viscosity ML(1+4) 100 °C",
     "MU", 1, 0.0, 200.0),
    ("MDR_ML", "MDR", "硫变仪 最低转矩 ML", "Rheometer MDR minimum torque ML", "dN·m", 2, 0.0, 50.0),
    ("MDR_MH", "MDR", "硫变仪 最高转矩 MH", "Rheometer MDR maximum torque MH", "dN·m", 2, 0.0, 100.0),
    ("MDR_TS2", "MDR", "硫变仪 焦烧时间 ts2", "Rheometer MDR scorch time ts2", "min", 2, 0.0, 60.0),
    ("MDR_T90", "MDR", "硫变仪 正硫化时间 t90", "Rheometer MDR cure time t90", "min", 2, 0.0, 120.0),
    ("HARDNESS_A", "Durometer", "邵尔 A 硬度", "Hardness Shore A", "Shore A", 0, 0.0, 100.0),
    ("DENSITY", "Densimeter", "密度", "Density", "g/cm³", 3, 0.5, 3.0),
]  # fmt: skip


def upgrade() -> None:
    method = op.create_table(
        "test_method",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=24), nullable=False),
        sa.Column("instrument", sa.String(length=24), nullable=False),
        sa.Column("name_zh", sa.String(length=60), nullable=False),
        sa.Column("name_en", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_method")),
        sa.UniqueConstraint("code", name=op.f("uq_test_method_code")),
    )
    keys = ("code", "instrument", "name_zh", "name_en", "unit", "decimals", "low", "high")
    op.bulk_insert(
        method,
        [dict(zip(keys, row, strict=True), position=n) for n, row in enumerate(TEST_METHODS)],
    )
    op.create_table(
        "quality_spec",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compound_version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=2), nullable=False),
        sa.Column("test_method_id", sa.Integer(), nullable=False),
        sa.Column("lsl", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=True),
        sa.Column("usl", sa.Float(), nullable=True),
        sa.Column("sampling", sa.String(length=12), nullable=False),
        sa.Column("every_n", sa.Integer(), nullable=False),
        sa.CheckConstraint("lsl IS NOT NULL OR usl IS NOT NULL", name=op.f("ck_quality_spec_has_a_limit")),
        sa.CheckConstraint("lsl IS NULL OR usl IS NULL OR lsl <= usl", name=op.f("ck_quality_spec_limits_ordered")),
        sa.CheckConstraint(
            "sampling IN ('every_batch', 'every_nth', 'first_last')",
            name=op.f("ck_quality_spec_sampling_known"),
        ),
        sa.CheckConstraint("every_n >= 1", name=op.f("ck_quality_spec_every_n_positive")),
        sa.ForeignKeyConstraint(
            ["compound_version_id"], ["compound_version.id"],
            name=op.f("fk_quality_spec_compound_version_id_compound_version"),
        ),
        sa.ForeignKeyConstraint(
            ["test_method_id"], ["test_method.id"],
            name=op.f("fk_quality_spec_test_method_id_test_method"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_spec")),
        sa.UniqueConstraint(
            "compound_version_id", "stage", "test_method_id",
            name=op.f("uq_quality_spec_compound_version_id_stage_test_method_id"),
        ),
    )  # fmt: skip
    op.create_index(
        op.f("ix_quality_spec_compound_version_id"), "quality_spec", ["compound_version_id"]
    )
    op.create_table(
        "lab_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("test_method_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_lab_result_batch_id_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["app_user.id"], name=op.f("fk_lab_result_entered_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["test_method_id"], ["test_method.id"],
            name=op.f("fk_lab_result_test_method_id_test_method"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_result")),
        sa.UniqueConstraint("batch_id", "test_method_id", name=op.f("uq_lab_result_batch_id_test_method_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_lab_result_batch_id"), "lab_result", ["batch_id"])
    op.create_index(op.f("ix_lab_result_test_method_id"), "lab_result", ["test_method_id"])
    op.create_index(op.f("ix_lab_result_measured_at"), "lab_result", ["measured_at"])
    op.create_table(
        "batch_disposition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "decision IN ('rework', 'blend', 'downgrade', 'scrap')",
            name=op.f("ck_batch_disposition_decision_known"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_batch_disposition_batch_id_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["app_user.id"], name=op.f("fk_batch_disposition_decided_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_disposition")),
    )  # fmt: skip
    op.create_index(op.f("ix_batch_disposition_batch_id"), "batch_disposition", ["batch_id"])
    op.create_table(
        "golden_curve",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("compound_version_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=2), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["compound_version_id"], ["compound_version.id"],
            name=op.f("fk_golden_curve_compound_version_id_compound_version"),
        ),
        sa.ForeignKeyConstraint(["line_id"], ["line.id"], name=op.f("fk_golden_curve_line_id_line")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_golden_curve")),
        sa.UniqueConstraint(
            "compound_version_id", "stage", "line_id",
            name=op.f("uq_golden_curve_compound_version_id_stage_line_id"),
        ),
    )  # fmt: skip
    op.create_table(
        "curve_score",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("golden_curve_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("energy_z", sa.Float(), nullable=False),
        sa.Column("outside", sa.JSON(), nullable=False),
        sa.Column("out_of_envelope", sa.Boolean(), nullable=False),
        sa.Column("scored_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_curve_score_batch_id_batch"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["golden_curve_id"], ["golden_curve.id"],
            name=op.f("fk_curve_score_golden_curve_id_golden_curve"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_curve_score")),
    )  # fmt: skip
    op.create_index(op.f("ix_curve_score_golden_curve_id"), "curve_score", ["golden_curve_id"])
    op.create_index(op.f("ix_curve_score_out_of_envelope"), "curve_score", ["out_of_envelope"])


def downgrade() -> None:
    op.drop_table("curve_score")
    op.drop_table("golden_curve")
    op.drop_table("batch_disposition")
    op.drop_table("lab_result")
    op.drop_table("quality_spec")
    op.drop_table("test_method")
