"""Leads: people and companies that are not customers yet, the channels they come from, and their history.

A lead is *owned* once a rep has it (assigned or claimed); until then it waits in its team's
**pool** (``owner`` empty, ``team`` = the pool) where that team's reps see and claim it. Cleaning,
grading and assignment rules are JSON documents read by the pure engines in ``leads.cleaning``,
``leads.grading`` and ``leads.assignment``; every change of state leaves a ``LeadEvent``.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import BaseModel, Versioned


def _form_key() -> str:
    return secrets.token_urlsafe(18)


class ChannelKind(models.TextChoices):
    SELF_BUILT = "self_built", _("Self-built")
    FREE = "free", _("Free")
    PAID = "paid", _("Paid")


class Channel(Versioned):
    """Where leads come from (a trade show, the website form, a paid list, referrals …)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ChannelKind.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The public web form's address (``/f/<form_key>/``); a new key retires the old address.
    form_key = models.CharField(_("web form key"), max_length=40, unique=True, default=_form_key, editable=False)
    form_enabled = models.BooleanField(_("web form enabled"), default=False)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pool team"),
        help_text=_("Leads that no assignment rule gives to a rep wait in this team's pool."),
    )
    cleaning = models.JSONField(_("cleaning rules"), default=dict, blank=True)

    class Meta(Versioned.Meta):
        verbose_name = _("lead channel")
        verbose_name_plural = _("lead channels")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ChannelCost(Versioned):
    """Money spent on a channel (a booth, an ad campaign, a list bought) on a day."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="costs", verbose_name=_("channel"))
    spent_on = models.DateField(_("spent on"))
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta(Versioned.Meta):
        verbose_name = _("channel cost")
        verbose_name_plural = _("channel costs")
        ordering = ("-spent_on", "-created_at")
        indexes = [models.Index(fields=["channel", "spent_on"], name="leads_cost_channel_day_idx")]


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    REJECTED = "rejected", _("Rejected")
    RECYCLED = "recycled", _("Recycled")


OPEN_STATUSES = (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.RECYCLED)
OPEN = "open"  # the lead list's status filter for any of OPEN_STATUSES
NO_GRADE = "none"  # the lead list's grade filter for leads without a grade (no grading rules matched yet)
MAX_GRADE_LENGTH = 4  # a grade's letter (A, B, …, "Hot"), as the grading rules give it and a lead stores it


class DuplicateState(models.TextChoices):
    NONE = "", _("No duplicate found")
    SUSPECTED = "suspected", _("Possible duplicate")
    MERGED = "merged", _("Merged")
    LINKED = "linked", _("Linked")
    DISMISSED = "dismissed", _("Not a duplicate")


class Lead(Versioned):
    """One lead. ``owner`` empty = in the pool of ``team``."""

    # owner, team and channel lead the composite indexes below, which serve their look-ups too.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
        db_index=False,
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="leads", verbose_name=_("channel"), db_index=False
    )
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)

    name = models.CharField(_("name"), max_length=120, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("job title"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email = models.CharField(_("email"), max_length=254, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    industry = models.CharField(_("industry"), max_length=60, blank=True)
    company_size = models.CharField(_("company size"), max_length=40, blank=True)
    source_detail = models.CharField(_("source detail"), max_length=200, blank=True)
    message = models.TextField(_("message"), max_length=5000, blank=True)
    extra = models.JSONField(_("other fields"), default=dict, blank=True)

    score = models.IntegerField(_("score"), default=0)
    grade = models.CharField(_("grade"), max_length=MAX_GRADE_LENGTH, blank=True, db_index=True)
    grade_reasons = models.JSONField(_("why this grade"), default=list, blank=True)
    # Every cleaning rule the lead failed ({rule, field, reason}): a rejected lead is kept, never dropped.
    rejections = models.JSONField(_("rejection reasons"), default=list, blank=True)
    cleaning_changes = models.JSONField(_("cleaning changes"), default=list, blank=True)
    duplicate_state = models.CharField(
        _("duplicate check"), max_length=10, choices=DuplicateState.choices, default=DuplicateState.NONE, blank=True
    )
    # Blocking keys of the duplicate check (``leads.dedup.blocking``), space-separated: candidates are
    # found by key, never by scanning.
    dedup_keys = models.TextField(blank=True, editable=False)

    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    qualified_at = models.DateTimeField(_("qualified at"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    recycled_count = models.PositiveIntegerField(_("times returned to the pool"), default=0)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        verbose_name=_("customer"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("merged into")
    )

    class Meta(Versioned.Meta):
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["team", "owner", "status", "-created_at"], name="leads_pool_idx"),
            models.Index(fields=["owner", "status", "-created_at"], name="leads_owner_idx"),
            models.Index(fields=["channel", "created_at"], name="leads_channel_idx"),
            models.Index(fields=["status", "last_follow_up_at"], name="leads_follow_up_idx"),
        ]

    def __str__(self) -> str:
        return self.company or self.name or str(self.pk)

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None and self.status in OPEN_STATUSES


class LeadEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    REJECTED = "rejected", _("Rejected by a cleaning rule")
    GRADED = "graded", _("Graded")
    ASSIGNED = "assigned", _("Assigned")
    POOLED = "pooled", _("Put in the pool")
    CLAIMED = "claimed", _("Claimed")
    RECYCLED = "recycled", _("Returned to the pool")
    FOLLOWED_UP = "followed_up", _("Followed up")
    STATUS = "status", _("Status changed")
    DUPLICATE = "duplicate", _("Duplicate check")
    MERGED = "merged", _("Merged")
    LINKED = "linked", _("Linked to a customer")
    CONVERTED = "converted", _("Converted")
    EDITED = "edited", _("Edited")


class LeadEvent(BaseModel):
    """One step in a lead's history (who, when, what); the lead's timeline and the funnel read these."""

    lead = models.ForeignKey(  # leads_event_lead_idx serves it
        Lead, on_delete=models.CASCADE, related_name="events", verbose_name=_("lead"), db_index=False
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LeadEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, verbose_name=_("by")
    )
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, verbose_name=_("owner")
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, related_name="+", null=True, verbose_name=_("team")
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        ordering: ClassVar[tuple[str, ...]] = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["lead", "-created_at"], name="leads_event_lead_idx"),
            models.Index(fields=["kind", "created_at"], name="leads_event_kind_idx"),
        ]


class DuplicateCandidate(BaseModel):
    """A record the duplicate check found for a lead: another lead, a customer or a contact."""

    DERIVED_FROM_RECORDS: ClassVar[bool] = True  # a check's result: a customer merge drops, never moves, it

    class Kind(models.TextChoices):
        LEAD = "lead", _("Lead")
        CUSTOMER = "customer", _("Customer")
        CONTACT = "contact", _("Contact")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="duplicates", verbose_name=_("lead"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    other_lead = models.ForeignKey(Lead, on_delete=models.CASCADE, null=True, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, null=True, related_name="+")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, null=True, related_name="+")
    score = models.FloatField(_("score"))
    reason = models.CharField(_("reason"), max_length=40)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("duplicate candidate")
        verbose_name_plural = _("duplicate candidates")
        ordering: ClassVar[tuple[str, ...]] = ("-score",)


class LeadSettings(Versioned):
    """The one set of lead rules (grading, assignment, pool): JSON read by the rule engines."""

    grading = models.JSONField(_("grading rules"), default=dict, blank=True)
    assignment = models.JSONField(_("assignment rules"), default=dict, blank=True)
    assignment_state = models.JSONField(default=dict, blank=True, editable=False)  # round-robin positions
    claim_limit = models.PositiveIntegerField(
        _("open claimed leads per rep"), default=30, validators=[MinValueValidator(1)]
    )
    recycle_days = models.PositiveIntegerField(
        _("days without follow-up before a lead returns to the pool"), default=7, validators=[MinValueValidator(1)]
    )

    class Meta(Versioned.Meta):
        verbose_name = _("lead settings")
        verbose_name_plural = _("lead settings")


class DedupKey(models.Model):
    """One blocking key of a lead, customer or contact (``leads.dedup.blocking_keys``): the duplicate check's index.

    Derived data, never shown: the check looks keys up here and compares the records found with the
    records' current values, so a stale key costs a comparison, never a wrong candidate.
    """

    class Kind(models.TextChoices):
        LEAD = "lead", _("Lead")
        CUSTOMER = "customer", _("Customer")
        CONTACT = "contact", _("Contact")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    record_id = models.UUIDField()
    key = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("duplicate-check key")
        verbose_name_plural = _("duplicate-check keys")
        indexes = [models.Index(fields=["record_id", "kind"], name="leads_dedupkey_record_idx")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.record_id}:{self.key}"
