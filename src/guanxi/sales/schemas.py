from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import InputSchema

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class ProductIn(InputSchema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    category: str = Field(default="", max_length=80)
    unit: str = Field(default="件", min_length=1, max_length=20)
    list_price: Money
    unit_cost: Money
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    is_active: bool = True


class ProductPatch(InputSchema):
    version: int = Field(ge=1)
    code: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=80)
    unit: str | None = Field(default=None, min_length=1, max_length=20)
    list_price: Money | None = None
    unit_cost: Money | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    is_active: bool | None = None


class ProductOut(Schema):
    id: UUID
    code: str
    name: str
    name_en: str
    category: str
    unit: str
    list_price: Decimal
    unit_cost: Decimal
    currency: str
    is_active: bool
    version: int
    updated_at: datetime
