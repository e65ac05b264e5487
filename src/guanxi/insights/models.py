"""Customer value: the settings managers keep, each recompute's run record, and the figures per customer."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BaseModel


def default_interaction_costs() -> dict[str, str]:
    """Cost of one interaction per channel (customers.models.Channel), as decimal strings."""
    return {
        "phone": "8.00",
        "sms": "0.50",
        "email": "1.00",
        "meeting": "200.00",
        "visit": "300.00",
        "wechat": "2.00",
        "web": "0.50",
        "other": "5.00",
    }


class ValueSettings(BaseModel):
    """How value is measured here (one row): unit costs to serve, periods, the class rule, CLV.

    Managers change it on the value settings page; every recompute stores a copy with its run.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    analysis_months = models.PositiveSmallIntegerField(
        _("analysis period (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    rfm_bins = models.PositiveSmallIntegerField(
        _("RFM scores"), default=5, validators=[MinValueValidator(2), MaxValueValidator(10)]
    )
    interaction_costs = models.JSONField(_("cost per interaction, by channel"), default=default_interaction_costs)
    cost_per_visit_hour = models.DecimalField(_("cost per visit hour"), max_digits=12, decimal_places=2, default=150)
    cost_per_ticket = models.DecimalField(_("cost per service ticket"), max_digits=12, decimal_places=2, default=120)
    cost_per_return = models.DecimalField(_("cost per returned order"), max_digits=12, decimal_places=2, default=80)
    late_payment_rate_per_day = models.DecimalField(
        _("financing cost of late payment, per day"), max_digits=8, decimal_places=6, default=Decimal("0.000200")
    )
    valuable_profit_share = models.DecimalField(
        _("most valuable: share of profit"), max_digits=4, decimal_places=3, default=Decimal("0.800")
    )
    growable_share = models.DecimalField(
        _("most growable: share of the rest"), max_digits=4, decimal_places=3, default=Decimal("0.200")
    )
    clv_horizon_months = models.PositiveSmallIntegerField(
        _("lifetime value horizon (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    clv_monthly_discount_rate = models.DecimalField(
        _("monthly discount rate"), max_digits=6, decimal_places=4, default=Decimal("0.0100")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("value settings")
        verbose_name_plural = _("value settings")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="insights_valuesettings_single_row"),
            models.CheckConstraint(
                condition=Q(valuable_profit_share__gt=0, valuable_profit_share__lte=1),
                name="insights_valuesettings_valuable_share",
            ),
            models.CheckConstraint(
                condition=Q(growable_share__gte=0, growable_share__lte=1), name="insights_valuesettings_growable_share"
            ),
        ]

    def __str__(self) -> str:
        return "value settings"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ValueRun(BaseModel):
    """One recompute of every customer's value: its inputs, progress, summary and timings."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    as_of = models.DateField(_("as of"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    step = models.CharField(_("step"), max_length=80, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    parameters: models.JSONField[Any] = models.JSONField(_("parameters"), default=dict)
    results: models.JSONField[Any] = models.JSONField(_("results"), default=dict)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("value run")
        verbose_name_plural = _("value runs")

    def __str__(self) -> str:
        return f"value run {self.as_of} ({self.status})"


class ValueClassChoice(models.TextChoices):
    MOST_VALUABLE = "most_valuable", _("Most valuable")
    MOST_GROWABLE = "most_growable", _("Most growable")
    NEGATIVE = "negative", _("Negative value")
    OTHER = "other", _("Other")


class CustomerValue(models.Model):
    """A customer's value figures from the latest run (derived; never typed by hand).

    Money is in the default currency. The period is the ``analysis_months`` up to ``as_of``.
    """

    DERIVED_FROM_RECORDS: ClassVar[bool] = True  # recomputed, never moved by a merge

    # No database-level foreign keys: the table is rewritten in bulk by every run (a million rows),
    # and PostgreSQL checks a constraint row by row (50 s of a 67 s recompute). The engine writes
    # only keys it has just read; deleting a customer through Django still deletes its row.
    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="value",
        verbose_name=_("customer"),
        db_constraint=False,
    )
    run = models.ForeignKey(ValueRun, on_delete=models.SET_NULL, null=True, related_name="+", db_constraint=False)
    as_of = models.DateField(_("as of"))
    revenue = models.DecimalField(_("revenue"), max_digits=18, decimal_places=2, default=Decimal("0"))
    product_cost = models.DecimalField(_("product cost"), max_digits=18, decimal_places=2, default=Decimal("0"))
    gross_margin = models.DecimalField(_("gross margin"), max_digits=18, decimal_places=2, default=Decimal("0"))
    discount = models.DecimalField(_("discount given"), max_digits=18, decimal_places=2, default=Decimal("0"))
    interaction_cost = models.DecimalField(
        _("cost of interactions"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    visit_cost = models.DecimalField(_("cost of visits"), max_digits=18, decimal_places=2, default=Decimal("0"))
    ticket_cost = models.DecimalField(
        _("cost of service tickets"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    return_cost = models.DecimalField(_("cost of returns"), max_digits=18, decimal_places=2, default=Decimal("0"))
    financing_cost = models.DecimalField(
        _("financing cost of late payment"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    cost_to_serve = models.DecimalField(_("cost to serve"), max_digits=18, decimal_places=2, default=Decimal("0"))
    profit = models.DecimalField(_("profit"), max_digits=18, decimal_places=2, default=Decimal("0"))
    margin = models.DecimalField(_("profit margin"), max_digits=9, decimal_places=4, null=True)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    returns = models.PositiveIntegerField(_("returned orders"), default=0)
    previous_revenue = models.DecimalField(
        _("revenue, previous period"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    recency_days = models.PositiveIntegerField(_("days since the last purchase"), null=True)
    rfm_recency = models.PositiveSmallIntegerField(_("R score"), default=0)
    rfm_frequency = models.PositiveSmallIntegerField(_("F score"), default=0)
    rfm_monetary = models.PositiveSmallIntegerField(_("M score"), default=0)
    expected_purchases = models.DecimalField(_("expected purchases"), max_digits=12, decimal_places=3, default=0)
    p_alive = models.DecimalField(_("probability still active"), max_digits=5, decimal_places=4, null=True)
    expected_spend = models.DecimalField(_("expected spend per purchase"), max_digits=18, decimal_places=2, null=True)
    future_value = models.DecimalField(
        _("predicted future value"), max_digits=18, decimal_places=2, default=Decimal("0")
    )
    lifetime_value = models.DecimalField(_("lifetime value"), max_digits=18, decimal_places=2, default=Decimal("0"))
    value_class = models.CharField(
        _("value class"), max_length=16, choices=ValueClassChoice.choices, default=ValueClassChoice.OTHER
    )
    profit_rank = models.PositiveIntegerField(_("rank by profit"), null=True)

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")
        indexes = [
            models.Index(fields=["value_class", "-profit"], name="insights_value_class_idx"),
            models.Index(fields=["profit_rank"], name="insights_value_rank_idx"),
            models.Index(fields=["-lifetime_value"], name="insights_value_clv_idx"),
        ]

    def __str__(self) -> str:
        return f"value of {self.customer_id}"
