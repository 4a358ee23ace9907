"""Imports every domain's models so that the metadata (and Alembic) sees all tables."""

from mixshare.audit.models import AuditEntry
from mixshare.billing.models import (
    ContractPrice,
    ContractVersion,
    MonthClose,
    Statement,
    StatementLine,
)
from mixshare.compounds.models import (
    ChangeoverRule,
    ColourClass,
    Compound,
    CompoundVersion,
    Ingredient,
    PolymerFamily,
)
from mixshare.data_version import DataVersion
from mixshare.db import Base
from mixshare.environment.models import (
    EnvironmentFactor,
    ProductClass,
    RegulatoryLimit,
    StackReading,
    TreatmentLogDay,
    WasteContainer,
    WasteTransfer,
)
from mixshare.execution.models import (
    Batch,
    BatchConflict,
    BatchConsumption,
    BatchCurve,
    BatchIngredient,
    QuarantinedDocument,
    RawMaterialLot,
)
from mixshare.jobs.models import Job
from mixshare.ledger.models import EnergyFactor, MemberBaseline, MeterReading
from mixshare.lines.models import (
    Calendar,
    Downtime,
    Holiday,
    Line,
    LineCompoundStage,
    LineStage,
    Shift,
)
from mixshare.materials.models import Material
from mixshare.members.models import Member
from mixshare.orders.models import Order
from mixshare.planning.models import (
    Plan,
    PlanChangeover,
    PlanLot,
    PlanningPrice,
    PlanUnplanned,
)
from mixshare.quality.models import (
    CurveScore,
    Disposition,
    GoldenCurve,
    LabResult,
    QualitySpec,
    TestMethod,
)
from mixshare.sharing.models import CostModelVersion
from mixshare.stock.models import Delivery, DeliveryBatch, StockLocation, StockPlacement
from mixshare.tariffs.models import Tariff, TariffBand
from mixshare.twin.models import TwinRun
from mixshare.users.models import ApiToken, LoginFailure, User, WebSession

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "Batch",
    "BatchConflict",
    "BatchConsumption",
    "BatchCurve",
    "BatchIngredient",
    "Calendar",
    "ChangeoverRule",
    "ColourClass",
    "Compound",
    "CompoundVersion",
    "ContractPrice",
    "ContractVersion",
    "CostModelVersion",
    "CurveScore",
    "DataVersion",
    "Delivery",
    "DeliveryBatch",
    "Disposition",
    "Downtime",
    "EnergyFactor",
    "EnvironmentFactor",
    "GoldenCurve",
    "Holiday",
    "Ingredient",
    "Job",
    "LabResult",
    "Line",
    "LineCompoundStage",
    "LineStage",
    "LoginFailure",
    "Material",
    "Member",
    "MemberBaseline",
    "MeterReading",
    "MonthClose",
    "Order",
    "Plan",
    "PlanChangeover",
    "PlanLot",
    "PlanUnplanned",
    "PlanningPrice",
    "PolymerFamily",
    "ProductClass",
    "QualitySpec",
    "QuarantinedDocument",
    "RawMaterialLot",
    "RegulatoryLimit",
    "Shift",
    "StackReading",
    "Statement",
    "StatementLine",
    "StockLocation",
    "StockPlacement",
    "Tariff",
    "TariffBand",
    "TestMethod",
    "TreatmentLogDay",
    "TwinRun",
    "User",
    "WasteContainer",
    "WasteTransfer",
    "WebSession",
]
