"""The product catalogue. Price books, bundles and discounts extend it in later work."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import Versioned

ZERO = Decimal("0")


class Product(Versioned):
    """A product or service customers buy. Catalogue data: every user sees it; settings managers write it."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=80, blank=True, db_index=True)
    unit = models.CharField(_("unit"), max_length=20, default="件")
    list_price = models.DecimalField(
        _("list price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    unit_cost = models.DecimalField(
        _("unit cost"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.GUANXI_DEFAULT_CURRENCY)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta(Versioned.Meta):
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ("code",)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
