"""Input of a contract version (checks that need no database)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mixshare.billing.models import PRICE_ITEMS, SHARING_RULES
from mixshare.compounds.models import STAGES
from mixshare.sharing.schemas import MonthDate
from mixshare.validation import Number, Text

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
KEYED = {"tolling": "compound class", "lab_test": "test method code or *", "fixed": "cost item"}


class PriceIn(BaseModel):
    """One price of a contract: what (``item``), for which class/test/cost item (``key``) and
    stage, and the price in yuan (per t, per batch, per test, per t·day or per month)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    item: str = Field(pattern="^(" + "|".join(PRICE_ITEMS) + ")$")
    key: str = Field(default="", max_length=40)
    stage: str = Field(default="", max_length=2)
    price: Number = Field(ge=0, le=1e9)

    @model_validator(mode="after")
    def _key_and_stage(self) -> PriceIn:
        if self.item in KEYED and not self.key:
            raise ValueError(f"a {self.item} price needs its {KEYED[self.item]} in key")
        if self.item not in KEYED and self.key:
            raise ValueError(f"a {self.item} price has no key")
        if self.item == "tolling" and self.stage not in STAGES:
            raise ValueError(f"a tolling price needs a stage: {', '.join(STAGES)}")
        if self.item != "tolling" and self.stage:
            raise ValueError(f"a {self.item} price has no stage")
        return self


class ContractIn(BaseModel):
    """A new contract version, valid from the first day of ``valid_from``'s month."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    code: str = Field(min_length=2, max_length=40, pattern=CODE_PATTERN)
    name: Text = Field(min_length=1, max_length=200)
    valid_from: MonthDate
    sharing_rule: str = Field(pattern="^(" + "|".join(SHARING_RULES) + ")$")
    storage_free_days: Number = Field(default=0.0, ge=0, le=365)
    source: Text = Field(default="", max_length=300)
    prices: list[PriceIn] = Field(min_length=1, max_length=2000)

    @field_validator("valid_from")
    @classmethod
    def _first_day(cls, value: date) -> date:
        if not 2000 <= value.year < 2100:
            raise ValueError("must lie between 2000 and 2099")
        if value.day != 1:
            raise ValueError("a contract version starts on the first day of a month")
        return value

    @model_validator(mode="after")
    def _one_price_each(self) -> ContractIn:
        seen: set[tuple[str, str, str]] = set()
        for price in self.prices:
            key = (price.item, price.key, price.stage)
            if key in seen:
                raise ValueError(f"two prices for {'/'.join(k for k in key if k)}")
            seen.add(key)
        for item in ("cleaning", "storage"):
            if (item, "", "") not in seen:
                raise ValueError(f"the contract needs a {item} price (0 when free)")
        return self
