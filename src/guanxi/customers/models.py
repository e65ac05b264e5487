"""The customer master: customers, their derived facts, contacts and the posts they hold, interactions.

Static profile fields are kept by hand (services validate and normalise them); dynamic figures
live in ``CustomerFacts``, written only by services and background jobs from business records.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import BaseModel, Owned, Versioned


class CustomerKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    INDIVIDUAL = "individual", _("Individual")


class Industry(models.TextChoices):
    """Sections of China's industry classification (GB/T 4754-2017)."""

    AGRICULTURE = "A", _("Agriculture, forestry, animal husbandry and fishery")
    MINING = "B", _("Mining")
    MANUFACTURING = "C", _("Manufacturing")
    UTILITIES = "D", _("Electricity, heat, gas and water")
    CONSTRUCTION = "E", _("Construction")
    TRADE = "F", _("Wholesale and retail")
    LOGISTICS = "G", _("Transport, storage and post")
    HOSPITALITY = "H", _("Accommodation and catering")
    IT = "I", _("Information technology and software")
    FINANCE = "J", _("Finance")
    REAL_ESTATE = "K", _("Real estate")
    BUSINESS_SERVICES = "L", _("Leasing and business services")
    RESEARCH = "M", _("Scientific research and technical services")
    ENVIRONMENT = "N", _("Water, environment and public facilities")
    RESIDENT_SERVICES = "O", _("Resident services and repair")
    EDUCATION = "P", _("Education")
    HEALTH = "Q", _("Health and social work")
    CULTURE = "R", _("Culture, sports and entertainment")
    PUBLIC = "S", _("Public administration and social organisations")
    INTERNATIONAL = "T", _("International organisations")


class CompanySize(models.TextChoices):
    MICRO = "1-9", _("1–9 employees")
    SMALL = "10-49", _("10–49 employees")
    MEDIUM = "50-199", _("50–199 employees")
    LARGE = "200-999", _("200–999 employees")
    ENTERPRISE = "1000+", _("1,000 or more employees")


class CustomerSource(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    EXHIBITION = "exhibition", _("Exhibition")
    COLD_CALL = "cold_call", _("Cold call")
    ADVERTISING = "advertising", _("Advertising")
    SOCIAL = "social", _("Social media")
    PARTNER = "partner", _("Partner")
    OTHER = "other", _("Other")


class Customer(Owned):
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.ORGANISATION)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=2, choices=Industry.choices, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=CompanySize.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=20, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    province = models.CharField(_("province"), max_length=40, blank=True)
    city = models.CharField(_("city"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=CustomerSource.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    name_pinyin = models.CharField(max_length=400, blank=True, db_index=True, editable=False)
    name_initials = models.CharField(max_length=100, blank=True, db_index=True, editable=False)
    # Search and duplicate-check columns, derived by ``customers.search.derived_columns`` on every write.
    search_text = models.TextField(blank=True, default="", editable=False)
    search_grams = models.TextField(blank=True, default="", editable=False)
    phone_rev = models.CharField(max_length=20, blank=True, default="", editable=False)
    name_key = models.CharField(max_length=200, blank=True, default="", db_index=True, editable=False)

    class Meta(Owned.Meta):
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="customers_customer_created_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="customers_customer_owner_idx"),
            models.Index(fields=["team", "-created_at", "-id"], name="customers_customer_team_idx"),
            models.Index(fields=["name", "id"], name="customers_customer_name_idx"),
            models.Index(fields=["province", "city"], name="customers_customer_region_idx"),
            models.Index(fields=["phone_rev"], name="customers_customer_phrev_idx"),
            models.Index(fields=["email"], name="customers_customer_email_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerFacts(models.Model):
    """Figures derived from business records, one row per customer, never typed by hand.

    Services keep ``last_touch_*`` current as interactions are logged; later modules add their
    figures here (purchases, tickets, value) and recompute them in bulk with a fresh ``as_of``.
    """

    DERIVED_FROM_RECORDS: ClassVar[bool] = True  # recomputed, never moved by a merge (services.merge_moves)

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="facts", verbose_name=_("customer")
    )
    as_of = models.DateTimeField(_("as of"))
    last_touch_at = models.DateTimeField(_("last touch"), null=True, blank=True, db_index=True)
    last_touch_channel = models.CharField(_("last touch channel"), max_length=20, blank=True)
    interactions_count = models.PositiveIntegerField(_("interactions"), default=0)
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    revenue = models.DecimalField(_("revenue"), max_digits=18, decimal_places=2, default=0)
    product_cost = models.DecimalField(_("product cost"), max_digits=18, decimal_places=2, default=0)
    first_purchase_on = models.DateField(_("first purchase"), null=True, blank=True)
    last_purchase_on = models.DateField(_("last purchase"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer facts")
        verbose_name_plural = _("customer facts")

    def __str__(self) -> str:
        return f"facts of {self.customer_id}"


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Contact(Versioned):
    """A person at one or more customers; visible through the customers where they hold a post."""

    name = models.CharField(_("name"), max_length=120)
    name_pinyin = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    name_initials = models.CharField(max_length=60, blank=True, db_index=True, editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    mobile_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=60, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)

    class Meta(Versioned.Meta):
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", pgettext_lazy("buying role", "Decision maker (key person)")
    INFLUENCER = "influencer", pgettext_lazy("buying role", "Influencer")
    PURCHASER = "purchaser", pgettext_lazy("buying role", "Purchaser")
    USER = "user", pgettext_lazy("buying role", "User")
    FINANCE = "finance", pgettext_lazy("buying role", "Finance")
    OTHER = "other", pgettext_lazy("buying role", "Other")


class PositionEnd(models.TextChoices):
    CHANGED_POST = "changed_post", _("Changed post")
    LEFT = "left", _("Left the company")
    OTHER = "other", _("Other")


class Position(Versioned):
    """A post a contact holds (or held) at a customer. Open while ``ended_on`` is empty."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="positions", verbose_name=_("contact"))
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="positions", verbose_name=_("customer")
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    buying_role = models.CharField(_("buying role"), max_length=20, choices=BuyingRole.choices, blank=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=20, choices=PositionEnd.choices, blank=True)

    class Meta(Versioned.Meta):
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ("-started_on", "-created_at")
        indexes = [
            models.Index(fields=["customer", "-started_on"], name="customers_position_cust_idx"),
            models.Index(fields=["contact", "-started_on"], name="customers_position_cont_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="customers_position_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["contact", "customer"],
                condition=Q(ended_on__isnull=True),
                name="customers_position_one_open_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.buying_role} ({self.started_on}–{self.ended_on or ''})"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Visit")
    WECHAT = "wechat", _("WeChat")
    WEB = "web", _("Web")
    OTHER = "other", _("Other")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Outcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    INTERESTED = "interested", _("Interested")
    NOT_INTERESTED = "not_interested", _("Not interested")
    COMPLAINT = "complaint", _("Complaint")
    FOLLOW_UP = "follow_up", _("Follow-up needed")
    DONE = "done", _("Done")


class Interaction(Versioned):
    """One touch with a customer on any channel; visible exactly when its customer is."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="interactions", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interactions",
        verbose_name=_("contact"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    summary = models.TextField(_("summary"), max_length=5000)
    next_step = models.CharField(_("next step"), max_length=500, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)

    class Meta(Versioned.Meta):
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ("-occurred_at", "-id")
        indexes = [
            models.Index(fields=["customer", "-occurred_at", "-id"], name="customers_interact_cust_idx"),
            models.Index(fields=["created_by", "-occurred_at"], name="customers_interact_author_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"


class RelationKind(models.TextChoices):
    PARENT_OF = "parent_of", _("Parent company of")
    PARTNER = "partner", _("Partner of")
    REFERRED = "referred", _("Referred")
    COMPETITOR = "competitor", _("Competitor of")
    PAYS_FOR = "pays_for", _("Pays for")
    DECIDES_FOR = "decides_for", _("Decides for")
    OTHER = "other", _("Other")


# Kinds that read the same in both directions: stored once, shown from either side.
SYMMETRIC_KINDS = frozenset({RelationKind.PARTNER, RelationKind.COMPETITOR})


class CustomerRelationship(Versioned):
    """``from_customer`` —kind→ ``to_customer``; visible when both customers are."""

    from_customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="relations_out", verbose_name=_("from customer")
    )
    to_customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="relations_in", verbose_name=_("to customer")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RelationKind.choices)
    label = models.CharField(_("label"), max_length=60, blank=True, help_text=_("Wording for the kind “other”."))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta(Versioned.Meta):
        verbose_name = _("customer relationship")
        verbose_name_plural = _("customer relationships")
        indexes = [models.Index(fields=["to_customer"], name="customers_rel_to_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(from_customer=F("to_customer")), name="customers_rel_not_self"),
            models.UniqueConstraint(fields=["from_customer", "to_customer", "kind"], name="customers_rel_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.from_customer_id} {self.kind} {self.to_customer_id}"


class ContactRelationKind(models.TextChoices):
    REPORTS_TO = "reports_to", _("Reports to")
    INTRODUCED_BY = "introduced_by", _("Introduced by")
    OTHER = "other", _("Other")


class ContactRelationship(Versioned):
    """``from_contact`` —kind→ ``to_contact``, e.g. reports to; visible when both contacts are."""

    from_contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="relations_out", verbose_name=_("from contact")
    )
    to_contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="relations_in", verbose_name=_("to contact")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContactRelationKind.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta(Versioned.Meta):
        verbose_name = _("contact relationship")
        verbose_name_plural = _("contact relationships")
        constraints = [
            models.CheckConstraint(condition=~Q(from_contact=F("to_contact")), name="customers_crel_not_self"),
            models.UniqueConstraint(fields=["from_contact", "to_contact", "kind"], name="customers_crel_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.from_contact_id} {self.kind} {self.to_contact_id}"


class TagGroup(BaseModel):
    """A family of tags (industry focus, behaviour, value, …). Settings data: everyone sees it."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("tag group")
        verbose_name_plural = _("tag groups")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Tag(BaseModel):
    group = models.ForeignKey(TagGroup, on_delete=models.PROTECT, related_name="tags", verbose_name=_("group"))
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ("group__name", "name")
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="customers_tag_unique_in_group")]

    def __str__(self) -> str:
        return self.name


class TagRule(Versioned):
    """Tags every customer whose profile and facts meet ``conditions``; evaluated in bulk by a job.

    ``conditions`` is a list of ``{"field": …, "op": …, "value": …}`` over the fields listed in
    ``services.tags.RULE_FIELDS``; ``match`` says whether all or any must hold.
    """

    name = models.CharField(_("name"), max_length=100)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="rules", verbose_name=_("tag"))
    conditions = models.JSONField(_("conditions"), default=list)
    match_all = models.BooleanField(_("all conditions must hold"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_count = models.PositiveIntegerField(_("customers tagged at last run"), default=0)

    class Meta(Versioned.Meta):
        verbose_name = _("tag rule")
        verbose_name_plural = _("tag rules")

    def __str__(self) -> str:
        return self.name


class TagSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Rule")


class CustomerTag(models.Model):
    """A tag on a customer, by hand or by a rule; visible exactly when the customer is."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tags", verbose_name=_("customer"))
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+", verbose_name=_("tag"))
    source = models.CharField(_("source"), max_length=10, choices=TagSource.choices)
    rule = models.ForeignKey(TagRule, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    tagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    tagged_at = models.DateTimeField(_("tagged at"))

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        indexes = [models.Index(fields=["tag", "customer"], name="customers_ctag_tag_idx")]
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="customers_ctag_unique")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.tag_id}"


class MergeKind(models.TextChoices):
    CUSTOMER = "customer", _("Customers")
    CONTACT = "contact", _("Contacts")


class MergeRecord(BaseModel):
    """One merge of two customers (or two contacts): who, when, both records before, what moved.

    The absorbed record is deleted after everything that pointed at it has moved to the survivor;
    ``absorbed_snapshot``, ``moved`` (primary keys per ``app.model.field``) and ``removed`` (full
    rows of duplicates that were collapsed) are what an undo on the same day puts back.
    Visible exactly when its survivor is (``customers.selectors.merge_get``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=MergeKind.choices)
    survivor_id = models.UUIDField(_("surviving record"))
    absorbed_id = models.UUIDField(_("absorbed record"))
    survivor_name = models.CharField(_("surviving record's name"), max_length=200)
    absorbed_name = models.CharField(_("absorbed record's name"), max_length=200)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged by")
    )
    merged_at = models.DateTimeField(_("merged at"))
    undo_until = models.DateTimeField(_("undo possible until"))
    choices = models.JSONField(_("field choices"), default=dict)
    changed_fields = models.JSONField(_("changed fields"), default=list)
    survivor_version = models.PositiveIntegerField(_("survivor's version after the merge"))
    survivor_snapshot = models.JSONField(_("surviving record before"), default=dict)
    absorbed_snapshot = models.JSONField(_("absorbed record before"), default=dict)
    moved = models.JSONField(_("moved records"), default=dict)
    removed = models.JSONField(_("collapsed duplicates"), default=list)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ("-merged_at",)
        indexes = [
            models.Index(fields=["survivor_id", "-merged_at"], name="customers_merge_survivor_idx"),
            models.Index(fields=["absorbed_id"], name="customers_merge_absorbed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_name} → {self.survivor_name}"
