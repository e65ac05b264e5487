"""Customer value: the settings managers keep, each recompute's run record, and the figures per customer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BaseModel, Versioned


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


# A job still "queued" or "running" after this long lost its worker (a restart): it may be asked for again.
JOB_STALE_AFTER = timedelta(hours=2)
JOB_NOT_ACTIVE = "not_active"  # a job's error: its segment or scheme was deactivated before the worker got to it


@dataclass(frozen=True)
class JobState:
    """A background job kept on its record ("evaluate now", "recompute members"): where it stands."""

    status: str  # a RunStatus, or "" when none was ever asked for
    queued_at: datetime | None
    finished_at: datetime | None
    error: str

    @property
    def is_active(self) -> bool:
        """Asked for and not finished, and not so old that its worker must have gone."""
        if self.status not in {RunStatus.QUEUED, RunStatus.RUNNING} or self.queued_at is None:
            return False
        return timezone.now() - self.queued_at < JOB_STALE_AFTER

    @property
    def not_active(self) -> bool:
        return self.error == JOB_NOT_ACTIVE

    @property
    def label(self) -> str:
        return str(RunStatus(self.status).label) if self.status in RunStatus.values else ""


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
    previous_orders = models.PositiveIntegerField(_("orders, previous period"), default=0)
    tenure_days = models.PositiveIntegerField(_("days since the first purchase"), null=True)
    next_purchase_on = models.DateField(_("expected next purchase"), null=True)

    class Meta:
        verbose_name = _("customer value")
        verbose_name_plural = _("customer values")
        indexes = [
            models.Index(fields=["value_class", "-profit"], name="insights_value_class_idx"),
            models.Index(fields=["profit_rank"], name="insights_value_rank_idx"),
            models.Index(fields=["-lifetime_value"], name="insights_value_clv_idx"),
            models.Index(fields=["rfm_recency", "rfm_frequency", "rfm_monetary"], name="insights_value_rfm_idx"),
        ]

    def __str__(self) -> str:
        return f"value of {self.customer_id}"


# --- composite grading (VAL-5) ----------------------------------------------------------------


class GradeScheme(Versioned):
    """Indicators with weights and normalisation, and grade thresholds on the 0-100 index.

    ``indicators``: ``[{"key": "profit", "weight": 30, "normalisation": "rank", "higher_is_better": true}]``
    with keys from ``insights.grading.INDICATORS``; ``grades`` best first (``["A", "B", "C", "D"]``)
    and ``thresholds`` the index each grade starts at (``[80, 60, 40, 0]``). One scheme is active: the
    value run evaluates it (grades every customer, keeps the evaluation as history) when its last
    evaluation is ``evaluate_every_days`` old, or when a manager asks for one.
    """

    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    is_active = models.BooleanField(_("active"), default=False)
    indicators: models.JSONField[Any] = models.JSONField(_("indicators"), default=list)
    grades: models.JSONField[Any] = models.JSONField(_("grades"), default=list)
    thresholds: models.JSONField[Any] = models.JSONField(_("thresholds"), default=list)
    evaluate_every_days = models.PositiveSmallIntegerField(
        _("keep an evaluation every (days)"), default=30, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    # "Evaluate now", run by the worker (insights.tasks): the last request and how it went.
    evaluation_status = models.CharField(
        _("evaluation job"), max_length=10, choices=RunStatus.choices, blank=True, default=""
    )
    evaluation_queued_at = models.DateTimeField(_("evaluation queued"), null=True, blank=True)
    evaluation_finished_at = models.DateTimeField(_("evaluation finished"), null=True, blank=True)
    evaluation_error = models.TextField(_("evaluation error"), blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("grading scheme")
        verbose_name_plural = _("grading schemes")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="insights_gradescheme_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def evaluation_job(self) -> JobState:
        return JobState(
            self.evaluation_status, self.evaluation_queued_at, self.evaluation_finished_at, self.evaluation_error
        )


class GradeEvaluation(BaseModel):
    """One kept grading of every customer: the scheme as it was, the counts and the migration since the last one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scheme = models.ForeignKey(GradeScheme, on_delete=models.CASCADE, related_name="evaluations")
    run = models.ForeignKey(ValueRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    as_of = models.DateField(_("as of"))
    indicators: models.JSONField[Any] = models.JSONField(_("indicators"), default=list)
    grades: models.JSONField[Any] = models.JSONField(_("grades"), default=list)
    thresholds: models.JSONField[Any] = models.JSONField(_("thresholds"), default=list)
    customers = models.PositiveIntegerField(_("customers"), default=0)
    counts: models.JSONField[Any] = models.JSONField(_("customers per grade"), default=dict)
    # rows: grade in ``previous`` (then "new" for customers not graded then); columns: grade now
    migration: models.JSONField[Any] = models.JSONField(_("grade migration"), default=dict)

    class Meta(BaseModel.Meta):
        verbose_name = _("grade evaluation")
        verbose_name_plural = _("grade evaluations")
        indexes = [models.Index(fields=["scheme", "-as_of"], name="insights_gradeeval_scheme_idx")]

    def __str__(self) -> str:
        return f"grading {self.as_of}"


class GradeChange(models.Model):
    """A customer's grade changed at an evaluation (their first grade too): the grade history.

    The grade at any evaluation is the last change at or before it.
    """

    DERIVED_FROM_RECORDS: ClassVar[bool] = True  # recomputed by the value run, never moved by a merge

    id = models.BigAutoField(primary_key=True)
    evaluation = models.ForeignKey(GradeEvaluation, on_delete=models.CASCADE, related_name="changes")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    as_of = models.DateField(_("as of"))
    previous_grade = models.CharField(_("previous grade"), max_length=8, blank=True)
    grade = models.CharField(_("grade"), max_length=8)
    grade_index = models.DecimalField(_("grading index"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        indexes = [models.Index(fields=["customer", "-as_of"], name="insights_gradechange_cust_idx")]

    def __str__(self) -> str:
        return f"{self.previous_grade or '-'} -> {self.grade}"


class CustomerGrade(models.Model):
    """A customer's grade at the latest evaluation of the active scheme, and why (derived; never typed).

    ``contributions``: the index points each indicator gave, in the order of ``evaluation.indicators``.
    Rewritten by each evaluation only (grades change at evaluations, not with every value run).
    """

    DERIVED_FROM_RECORDS: ClassVar[bool] = True

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="grade",
        verbose_name=_("customer"),
        db_constraint=False,
    )
    evaluation = models.ForeignKey(GradeEvaluation, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    as_of = models.DateField(_("as of"))
    grade = models.CharField(_("grade"), max_length=8)
    grade_index = models.DecimalField(_("grading index"), max_digits=6, decimal_places=2)
    contributions: models.JSONField[Any] = models.JSONField(_("contribution per indicator"), default=list)

    class Meta:
        verbose_name = _("customer grade")
        verbose_name_plural = _("customer grades")
        indexes = [models.Index(fields=["grade", "-grade_index"], name="insights_grade_grade_idx")]

    def __str__(self) -> str:
        return f"{self.grade} ({self.customer_id})"


class FeltKeyMark(BaseModel):
    """A manager marks a customer they *feel* is key, to compare their judgement with the index."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("felt-key mark")
        verbose_name_plural = _("felt-key marks")
        constraints = [
            models.UniqueConstraint(fields=["customer", "marked_by"], name="insights_feltkeymark_once"),
        ]

    def __str__(self) -> str:
        return f"felt key {self.customer_id}"


class ServiceLevel(models.TextChoices):
    PREMIUM = "premium", _("Premium")
    PRIORITY = "priority", _("Priority")
    STANDARD = "standard", _("Standard")
    BASIC = "basic", _("Basic")


class GradeTreatment(Versioned):
    """How a grade is treated; other modules read it (visit plans, service, pricing, credit)."""

    scheme = models.ForeignKey(GradeScheme, on_delete=models.CASCADE, related_name="treatments")
    grade = models.CharField(_("grade"), max_length=8)
    visit_every_days = models.PositiveSmallIntegerField(_("visit every (days)"), null=True, blank=True)
    service_level = models.CharField(
        _("service level"), max_length=10, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD
    )
    price_book = models.CharField(_("price book"), max_length=60, blank=True)
    credit_limit = models.DecimalField(_("credit limit"), max_digits=18, decimal_places=2, null=True, blank=True)
    max_discount_pct = models.DecimalField(
        _("maximum discount (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("grade treatment")
        verbose_name_plural = _("grade treatments")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "grade"], name="insights_gradetreatment_once"),
        ]

    def __str__(self) -> str:
        return f"treatment of {self.grade}"


# --- dynamic segments (VAL-8, SALE-6) and consumption curves (VAL-7) ----------------------------


class Segment(Versioned):
    """A rule over profile, value figures, grade, class, RFM, tags and behaviour; members stored in bulk.

    ``rule``: ``{"match": "all" | "any", "conditions": [{"field": "value_class", "op": "eq",
    "value": "negative"}]}`` with fields from ``insights.segments.FIELDS``. ``teams``: the sales
    teams that work this segment (SALE-6).
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    rule: models.JSONField[Any] = models.JSONField(_("rule"), default=dict)
    is_active = models.BooleanField(_("active"), default=True)
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="segments", verbose_name=_("teams"))
    members_count = models.PositiveIntegerField(_("members"), default=0)
    evaluated_at = models.DateTimeField(_("members computed"), null=True, blank=True)
    # "Recompute members now", run by the worker (insights.tasks): the last request and how it went.
    refresh_status = models.CharField(
        _("refresh job"), max_length=10, choices=RunStatus.choices, blank=True, default=""
    )
    refresh_queued_at = models.DateTimeField(_("refresh queued"), null=True, blank=True)
    refresh_finished_at = models.DateTimeField(_("refresh finished"), null=True, blank=True)
    refresh_error = models.TextField(_("refresh error"), blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    @property
    def refresh_job(self) -> JobState:
        return JobState(self.refresh_status, self.refresh_queued_at, self.refresh_finished_at, self.refresh_error)


class SegmentMember(models.Model):
    """A customer in a segment now, and since when."""

    DERIVED_FROM_RECORDS: ClassVar[bool] = True  # recomputed by the value run, never moved by a merge

    id = models.BigAutoField(primary_key=True)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="segment_memberships", db_constraint=False
    )
    since = models.DateField(_("member since"))

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [models.UniqueConstraint(fields=["segment", "customer"], name="insights_segmentmember_once")]
        indexes = [models.Index(fields=["customer"], name="insights_segmember_cust_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.segment_id}"


class SegmentChange(models.Model):
    """A customer joined or left a segment on a day: the membership history."""

    DERIVED_FROM_RECORDS: ClassVar[bool] = True  # recomputed by the value run, never moved by a merge

    id = models.BigAutoField(primary_key=True)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_constraint=False)
    on = models.DateField(_("on"))
    joined = models.BooleanField(_("joined"))

    class Meta:
        verbose_name = _("segment change")
        verbose_name_plural = _("segment changes")
        indexes = [
            models.Index(fields=["segment", "-on"], name="insights_segchange_seg_idx"),
            models.Index(fields=["customer", "-on"], name="insights_segchange_cust_idx"),
        ]

    def __str__(self) -> str:
        return f"{'+' if self.joined else '-'}{self.customer_id} {self.on}"


class SegmentSnapshot(models.Model):
    """A segment's size at one computation: members, joined and left (the trend of the segment)."""

    id = models.BigAutoField(primary_key=True)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="snapshots")
    as_of = models.DateField(_("as of"))
    members = models.PositiveIntegerField(_("members"), default=0)
    joined = models.PositiveIntegerField(_("joined"), default=0)
    left = models.PositiveIntegerField(_("left"), default=0)
    profit = models.DecimalField(_("profit"), max_digits=18, decimal_places=2, default=Decimal("0"))
    revenue = models.DecimalField(_("revenue"), max_digits=18, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("segment snapshot")
        verbose_name_plural = _("segment snapshots")
        indexes = [models.Index(fields=["segment", "-as_of"], name="insights_segsnap_seg_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.as_of}: {self.members}"


class CurveKind(models.TextChoices):
    COHORT = "cohort", _("Purchases and spend by month since acquisition")
    INTERPURCHASE = "interpurchase", _("Days between purchases")
    TREND = "trend", _("Monthly spend trend and forecast")


class SegmentCurve(models.Model):
    """A consumption curve of one segment (never over all customers), from the latest run."""

    id = models.BigAutoField(primary_key=True)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="curves")
    kind = models.CharField(_("kind"), max_length=16, choices=CurveKind.choices)
    as_of = models.DateField(_("as of"))
    data: models.JSONField[Any] = models.JSONField(_("data"), default=dict)

    class Meta:
        verbose_name = _("segment curve")
        verbose_name_plural = _("segment curves")
        constraints = [models.UniqueConstraint(fields=["segment", "kind"], name="insights_segmentcurve_once")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.segment_id}"
