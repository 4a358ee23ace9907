"""What forms, files and the API may hand to the environment ledger (validated at the edge)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mixshare.validation import Identifier, Number, Text

Category = Literal["general", "hazardous"]
Method = Literal["utilisation", "disposal"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TreatmentDayIn(_In):
    """One day of the treatment unit's operation log."""

    unit: Identifier = "TU1"
    day: date
    fan_hours: Number = Field(ge=0, le=24)
    combustion_temp_min_c: Number | None = Field(default=None, ge=0, le=1500)
    combustion_temp_avg_c: Number | None = Field(default=None, ge=0, le=1500)
    carbon_changed_kg: Number = Field(default=0.0, ge=0, le=100_000)
    note: Text = Field(default="", max_length=300)


class WasteContainerIn(_In):
    """A filled waste container."""

    code: Identifier
    category: Category
    waste_type: Text = Field(min_length=1, max_length=120)
    hw_code: Text = Field(default="", max_length=40)
    mass_kg: Number = Field(gt=0, le=100_000)
    filled_on: date
    location: Text = Field(default="", max_length=120)


class WasteTransferIn(_In):
    """A container handed over to a receiver."""

    container: Identifier
    transferred_on: date
    receiver: Text = Field(min_length=1, max_length=120)
    receiver_licence: Text = Field(default="", max_length=60)
    manifest_no: Text = Field(default="", max_length=60)
    mass_kg: Number = Field(gt=0, le=100_000)
    method: Method


class FactorIn(_In):
    """A new version of an emission factor or an efficiency."""

    name: Literal[
        "voc_factor", "pm_factor", "capture_efficiency", "treatment_efficiency",
        "pm_removal_efficiency",
    ]  # fmt: skip
    product_class: Text = Field(default="", max_length=24)
    value: Number = Field(ge=0, le=1000)
    valid_from: date
    source: Text = Field(min_length=1, max_length=300)
    verified: bool = False


class LimitIn(_In):
    """A new version of a regulatory limit."""

    parameter: Literal["nmhc_mg_m3", "pm_mg_m3", "combustion_temp_c"]
    bound: Literal["max", "min"]
    value: Number = Field(ge=0, le=100_000)
    valid_from: date
    source: Text = Field(min_length=1, max_length=300)
    verified: bool = False
