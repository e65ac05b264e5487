"""The customer record (minimal for now: the next issue extends it into the full master)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import Owned


class Customer(Owned):
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=20, blank=True, db_index=True, editable=False)
    name_pinyin = models.CharField(max_length=400, blank=True, db_index=True, editable=False)
    name_initials = models.CharField(max_length=100, blank=True, db_index=True, editable=False)

    class Meta(Owned.Meta):
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="customers_customer_created_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="customers_customer_owner_idx"),
            models.Index(fields=["team", "-created_at", "-id"], name="customers_customer_team_idx"),
            models.Index(fields=["name", "id"], name="customers_customer_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name
