"""Orders and their lines: the purchase history that value analytics read at millions of rows.

Lines carry their customer, date and status denormalised (kept in step by the services), so
revenue, cost and recency per customer are one indexed scan of one table.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BaseModel, Versioned

ZERO = Decimal("0")


class OrderStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


# Orders that count as sales; returned and cancelled ones do not.
SOLD = (OrderStatus.CONFIRMED, OrderStatus.DELIVERED)


class Order(Versioned):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    number = models.CharField(_("number"), max_length=40, unique=True)
    ordered_on = models.DateField(_("ordered on"))
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices, default=OrderStatus.CONFIRMED)
    currency = models.CharField(_("currency"), max_length=3, default=settings.GUANXI_DEFAULT_CURRENCY)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=ZERO)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2, default=ZERO)
    discount = models.DecimalField(_("discount given"), max_digits=16, decimal_places=2, default=ZERO)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    class Meta(Versioned.Meta):
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ("-ordered_on", "-created_at")
        indexes = [models.Index(fields=["customer", "-ordered_on"], name="contracts_order_customer_idx")]

    def __str__(self) -> str:
        return self.number


class OrderLine(BaseModel):
    """One product on an order. Written only with its order (never on its own)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    ordered_on = models.DateField(_("ordered on"))
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices)
    product = models.ForeignKey(
        "sales.Product", on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("product")
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    discount_rate = models.DecimalField(
        _("discount rate"),
        max_digits=5,
        decimal_places=4,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    cost = models.DecimalField(_("cost"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ("id",)
        indexes = [
            models.Index(fields=["customer", "ordered_on"], name="contracts_line_customer_idx"),
            models.Index(fields=["ordered_on"], name="contracts_line_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="contracts_orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0, discount_rate__lte=1), name="contracts_orderline_discount_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"
