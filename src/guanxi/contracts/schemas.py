from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field

from guanxi.contracts.models import OrderStatus
from guanxi.core.schemas import InputSchema


class OrderLineIn(InputSchema):
    product_id: UUID
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=3)
    unit_price: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    discount_rate: Decimal = Field(default=Decimal("0"), ge=0, le=1, max_digits=5, decimal_places=4)
    unit_cost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)


class OrderIn(InputSchema):
    customer_id: UUID
    ordered_on: date
    status: OrderStatus = OrderStatus.CONFIRMED
    number: str = Field(
        default="", max_length=40, description="Your own number (e.g. from the ERP); generated if empty"
    )
    notes: str = Field(default="", max_length=5000)
    lines: list[OrderLineIn] = Field(min_length=1, max_length=500)


class OrderStatusIn(InputSchema):
    version: int = Field(ge=1)
    status: OrderStatus


class OrderLineOut(Schema):
    product_id: UUID
    product_code: str
    product_name: str
    quantity: Decimal
    unit_price: Decimal
    discount_rate: Decimal
    unit_cost: Decimal
    amount: Decimal
    cost: Decimal

    @staticmethod
    def resolve_product_code(obj: Any) -> str:
        return str(obj.product.code)

    @staticmethod
    def resolve_product_name(obj: Any) -> str:
        return str(obj.product.name)


class OrderOut(Schema):
    id: UUID
    number: str
    customer_id: UUID
    customer_name: str
    ordered_on: date
    status: str
    currency: str
    amount: Decimal
    cost: Decimal
    discount: Decimal
    notes: str
    version: int
    created_at: datetime

    @staticmethod
    def resolve_customer_name(obj: Any) -> str:
        return str(obj.customer.name)


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())
