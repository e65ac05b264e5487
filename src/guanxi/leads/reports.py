"""Lead reports: what each channel brings in (leads, customers, revenue, profit, cost, ROI), the funnel, and
the grade check (per lead grade: leads and conversions; does the flagged lowest grade catch the time-wasters?).

The reports read the leads *created* in a window of days (a cohort) and cover the leads the actor
works with: ``access.visible_q(..., for_change=True)`` — a rep's own leads, a manager's teams',
everything for a director — not the pool leads a rep merely sees to claim them. Money (revenue,
profit, cost and the ratios built on it) is for ``Perm.MANAGE_LEADS`` holders; others get counts.

Counting is set-based SQL (one grouped query per measure); time in each step is read as one column
of durations per step and summarised with numpy.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal
from urllib.parse import urlencode

import numpy as np
from django.db.models import (
    Count,
    DateTimeField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts import access
from guanxi.accounts.models import Perm, Team, User
from guanxi.contracts.models import SOLD, Order
from guanxi.core.errors import InvalidInput, field_error
from guanxi.leads import grading
from guanxi.leads.models import NO_GRADE, OPEN, Channel, ChannelCost, Lead, LeadSettings, LeadStatus

Period = Literal["month", "quarter", "year", "range"]
PERIODS: tuple[str, ...] = ("month", "quarter", "year", "range")
GroupBy = Literal["channel", "owner", "team"]
GROUPS: tuple[str, ...] = ("channel", "owner", "team")
MONEY = DecimalField(max_digits=18, decimal_places=2)
ZERO = Decimal("0")
CENT = Decimal("0.01")


# --- the window -----------------------------------------------------------------------------------


EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)  # a day past LATEST or before EARLIEST still fits


def report_window(period: str, *, start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The first and last day (inclusive) a report covers.

    ``month``/``quarter``/``year``: the calendar period that holds ``start`` (default today);
    ``range``: ``start`` … ``end`` (default: the 30 days up to today).
    """
    if period not in PERIODS:
        raise field_error("period", _("Choose month, quarter, year or range."))
    for name, day in (("start", start), ("end", end)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise field_error(name, _("Choose a date between 1900 and 2999."))
    anchor = start or today
    if period == "month":
        last = calendar.monthrange(anchor.year, anchor.month)[1]
        return anchor.replace(day=1), anchor.replace(day=last)
    if period == "quarter":
        first_month = 3 * ((anchor.month - 1) // 3) + 1
        last = calendar.monthrange(anchor.year, first_month + 2)[1]
        return date(anchor.year, first_month, 1), date(anchor.year, first_month + 2, last)
    if period == "year":
        return date(anchor.year, 1, 1), date(anchor.year, 12, 31)
    low = start or (end or today) - timedelta(days=29)
    high = end or today
    if high < low:
        raise field_error("end", _("The end comes before the start."))
    if (high - low).days > 3660:
        raise field_error("end", _("At most ten years at a time."))
    return low, high


def ratio(
    numerator: Decimal | int | None, denominator: Decimal | int | None, *, places: Decimal = CENT
) -> Decimal | None:
    """``numerator / denominator`` rounded, or None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(places)


def local_day_start(day: date) -> datetime:
    """The start of ``day`` in the reader's time zone, as the lead list's "created from/to" read it."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def worked_q(actor: User) -> Q | None:
    """The leads the actor works with: their data scope, not the pool leads they may only see to claim them.

    None means none at all. The reports count these, and so does the lead list when asked for a funnel step.
    """
    return access.visible_q(actor, Lead, for_change=True)


def _cohort(actor: User, start: date, end: date) -> QuerySet[Lead]:
    """Leads created in the window that the actor works with (their data scope, not the pool they may claim)."""
    q = worked_q(actor)
    if q is None:
        return Lead.objects.none()
    return Lead.objects.filter(
        q, created_at__gte=local_day_start(start), created_at__lt=local_day_start(end + timedelta(days=1))
    )


def can_see_money(actor: User) -> bool:
    return access.has_perm(actor, Perm.MANAGE_LEADS)


# --- channel value ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelValue:
    """One channel's figures for the window; money fields are None for readers without the money view."""

    channel_id: Any
    name: str
    kind: str
    kind_label: str
    is_active: bool
    leads: int
    valid: int
    converted: int
    revenue: Decimal | None
    profit: Decimal | None
    cost: Decimal | None
    cost_per_lead: Decimal | None
    cost_per_customer: Decimal | None
    roi: Decimal | None
    # leads, converted → the lead-list query string that shows the leads behind the number
    drill: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChannelValueReport:
    start: date
    end: date
    money: bool
    rows: list[ChannelValue]
    total: ChannelValue


def _order_sum(field: str) -> Subquery:
    """Sold orders of the outer lead's customer dated from its conversion day (site time zone) on."""
    converted_at = ExpressionWrapper(OuterRef("converted_at"), output_field=DateTimeField())
    since = TruncDate(converted_at, tzinfo=timezone.get_default_timezone())
    orders = (
        Order.objects.filter(customer_id=OuterRef("customer_id"), status__in=SOLD, ordered_on__gte=since)
        .order_by()
        .values("customer_id")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Subquery(orders, output_field=MONEY)


def _revenue_by_channel(cohort: QuerySet[Lead]) -> dict[Any, tuple[Decimal, Decimal]]:
    """(revenue, product cost) of sold orders placed by converted customers from their conversion day on.

    A customer counts once per channel: only through the earliest converted lead of that customer and channel.
    """
    converted = Q(status=LeadStatus.CONVERTED, customer__isnull=False, converted_at__isnull=False)
    earlier = Lead.objects.filter(
        converted,
        channel_id=OuterRef("channel_id"),
        customer_id=OuterRef("customer_id"),
    ).filter(
        Q(converted_at__lt=OuterRef("converted_at")) | Q(converted_at=OuterRef("converted_at"), pk__lt=OuterRef("pk"))
    )
    rows = (
        cohort.filter(converted)
        .exclude(Exists(earlier))
        .order_by()
        .values("channel_id")
        .annotate(
            revenue=Coalesce(Sum(_order_sum("amount")), Value(ZERO), output_field=MONEY),
            order_cost=Coalesce(Sum(_order_sum("cost")), Value(ZERO), output_field=MONEY),
        )
    )
    return {row["channel_id"]: (Decimal(row["revenue"]), Decimal(row["order_cost"])) for row in rows}


def _value_drill(channel: Channel | None, start: date, end: date) -> dict[str, str]:
    where = funnel_filters(by="channel", key=str(channel.pk) if channel else "total", start=start, end=end)
    return {"leads": urlencode({**where, "reached": "new"}), "converted": urlencode({**where, "reached": "converted"})}


def _value_row(
    channel: Channel | None,
    counts: dict[str, int],
    money: tuple[Decimal, Decimal, Decimal] | None,
    drill: dict[str, str],
) -> ChannelValue:
    revenue = profit = cost = None
    if money is not None:
        revenue, order_cost, cost = money
        profit = revenue - order_cost
    return ChannelValue(
        channel_id=channel.pk if channel else None,
        name=channel.name if channel else _("All channels"),
        kind=channel.kind if channel else "",
        kind_label=channel.get_kind_display() if channel else "",
        is_active=channel.is_active if channel else True,
        leads=counts["leads"],
        valid=counts["valid"],
        converted=counts["converted"],
        revenue=revenue,
        profit=profit,
        cost=cost,
        cost_per_lead=ratio(cost, counts["leads"]),
        cost_per_customer=ratio(cost, counts["converted"]),
        roi=ratio(None if profit is None or cost is None else profit - cost, cost, places=Decimal("0.0001")),
        drill=drill,
    )


def channel_value(
    *, actor: User, period: str = "month", start: date | None = None, end: date | None = None, today: date | None = None
) -> ChannelValueReport:
    """Per channel: leads, valid leads, converted customers, revenue, profit, cost, cost per lead/customer, ROI."""
    low, high = report_window(period, start=start, end=end, today=today or timezone.localdate())
    cohort = _cohort(actor, low, high)
    counted = (
        cohort.order_by()
        .values("channel_id")
        .annotate(
            leads=Count("id"),
            valid=Count("id", filter=~Q(status=LeadStatus.REJECTED)),
            converted=Count("customer_id", distinct=True, filter=Q(status=LeadStatus.CONVERTED)),
        )
    )
    counts: dict[Any, dict[str, int]] = {
        row["channel_id"]: {key: int(row[key]) for key in ("leads", "valid", "converted")} for row in counted
    }
    money = can_see_money(actor)
    revenue = _revenue_by_channel(cohort) if money else {}
    costs: dict[Any, Decimal] = {}
    if money:
        spent = ChannelCost.objects.filter(spent_on__gte=low, spent_on__lte=high).order_by().values("channel_id")
        costs = {row["channel_id"]: row["total"] for row in spent.annotate(total=Sum("amount"))}
    empty = {"leads": 0, "valid": 0, "converted": 0}
    rows = []
    for channel in Channel.objects.order_by("name"):  # channels, not leads: a short list
        if not channel.is_active and channel.pk not in counts and channel.pk not in costs:
            continue
        row_money = None
        if money:
            rev, order_cost = revenue.get(channel.pk, (ZERO, ZERO))
            row_money = (rev, order_cost, costs.get(channel.pk, ZERO))
        rows.append(_value_row(channel, counts.get(channel.pk, empty), row_money, _value_drill(channel, low, high)))
    total_counts = {key: sum(getattr(row, key) for row in rows) for key in empty}
    total_money = None
    if money:
        total_money = (
            sum((row.revenue or ZERO for row in rows), ZERO),
            sum(((row.revenue or ZERO) - (row.profit or ZERO) for row in rows), ZERO),
            sum((row.cost or ZERO for row in rows), ZERO),
        )
    return ChannelValueReport(
        start=low,
        end=high,
        money=money,
        rows=rows,
        total=_value_row(None, total_counts, total_money, _value_drill(None, low, high)),
    )


# --- the funnel -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepTime:
    """How long leads stayed in a step before moving on (days), over the leads that left it."""

    leads: int
    mean_days: float | None
    median_days: float | None


@dataclass(frozen=True)
class FunnelRow:
    key: str  # the channel/owner/team id ("" for none, "total" for the total row)
    label: str
    created: int
    contacted: int
    qualified: int
    converted: int
    rejected: int
    recycled: int
    contacted_rate: Decimal | None  # contacted / created
    qualified_rate: Decimal | None  # qualified / contacted
    converted_rate: Decimal | None  # converted / qualified
    overall_rate: Decimal | None  # converted / created
    time_new: StepTime
    time_contacted: StepTime
    time_qualified: StepTime
    # column (created, contacted, qualified, converted, rejected, recycled) → lead-list query string
    drill: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FunnelReport:
    start: date
    end: date
    by: str
    rows: list[FunnelRow]
    total: FunnelRow


REACHED = {
    "contacted": Q(contacted_at__isnull=False) | Q(qualified_at__isnull=False) | Q(converted_at__isnull=False),
    "qualified": Q(qualified_at__isnull=False) | Q(converted_at__isnull=False),
    "converted": Q(status=LeadStatus.CONVERTED),
}
# The funnel's steps in order; every lead reached the first.
STEPS: tuple[str, ...] = ("new", *REACHED)
# Beside the steps: leads that went back to the pool at some time, whatever they are now (the funnel's
# "recycled" column; status "recycled" is only those still waiting there since).
SIDE_STEPS = {"recycled": Q(recycled_count__gt=0)}
REACHABLE: tuple[str, ...] = (*STEPS, *SIDE_STEPS)


def reached_q(step: str) -> Q:
    """Leads that reached ``step`` of the funnel, whether or not they went further (the funnel's own count)."""
    if step not in REACHABLE:
        raise field_error("reached", _("Choose new, contacted, qualified, converted or recycled."))
    return REACHED.get(step) or SIDE_STEPS.get(step) or Q()


def funnel_filters(*, by: str, key: str, start: date, end: date) -> dict[str, str]:
    """The lead-list filters (query parameters) for the leads of one funnel row: its group and window.

    ``key`` is the row's key: a channel, owner or team id, "" for none (the pool, no team), "total" for all.
    With ``reached=<step>`` added, the list shows exactly the leads the row counts at that step.
    """
    where = {"created_from": start.isoformat(), "created_to": end.isoformat()}
    if key != "total":
        where[f"{by}_id"] = key or "none"
    return where


def _drill(by: str, key: str, start: date, end: date) -> dict[str, str]:
    """Each column of a funnel row → the query string of the lead list that shows the leads it counts."""
    where = funnel_filters(by=by, key=key, start=start, end=end)
    links = {"created" if step == "new" else step: urlencode({**where, "reached": step}) for step in REACHABLE}
    links[str(LeadStatus.REJECTED)] = urlencode({**where, "reached": "new", "status": str(LeadStatus.REJECTED)})
    return links


class DaysBetween(Func):
    """``later − earlier`` in days (a float), computed by the database."""

    output_field = FloatField()
    arity = 2

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="(julianday(%(expressions)s))", arg_joiner=") - julianday(")

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ")


def _durations() -> dict[str, DaysBetween]:
    """Days spent in each step, from the status timestamps (a skipped step hands over to the next one)."""
    return {
        "new": DaysBetween(Coalesce("contacted_at", "qualified_at", "converted_at"), F("created_at")),
        "contacted": DaysBetween(Coalesce("qualified_at", "converted_at"), F("contacted_at")),
        "qualified": DaysBetween(F("converted_at"), F("qualified_at")),
    }


def _step_times(cohort: QuerySet[Lead], group: str) -> dict[tuple[str, str], StepTime]:
    """(group key, step) → StepTime; the key "total" covers every group.

    One query per step reads the (group, days) column pair sorted by group; numpy splits it into groups.
    """
    result: dict[tuple[str, str], StepTime] = {}
    for step, expression in _durations().items():
        rows = cohort.annotate(spent=expression).filter(spent__isnull=False).order_by(group).values_list(group, "spent")
        pairs = np.array(list(rows), dtype=object).reshape(-1, 2)
        keys = pairs[:, 0]
        days = np.maximum(pairs[:, 1].astype(np.float64), 0.0)
        result[("total", step)] = _summary(days)
        if not keys.size:
            continue
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        for start, stop in zip(starts, [*starts[1:], keys.size], strict=True):  # one pass per group, not per lead
            result[(str(keys[start] or ""), step)] = _summary(days[start:stop])
    return result


def _summary(days: np.ndarray[Any, np.dtype[np.float64]]) -> StepTime:
    if days.size == 0:
        return StepTime(leads=0, mean_days=None, median_days=None)
    return StepTime(
        leads=int(days.size), mean_days=round(float(days.mean()), 2), median_days=round(float(np.median(days)), 2)
    )


def _labels(group: str, keys: list[Any]) -> dict[str, str]:
    ids = [key for key in keys if key is not None]
    if group == "channel":
        named = {str(pk): name for pk, name in Channel.objects.filter(pk__in=ids).values_list("pk", "name")}
    elif group == "team":
        named = {str(pk): name for pk, name in Team.objects.filter(pk__in=ids).values_list("pk", "name")}
    else:
        named = {str(user.pk): str(user) for user in User.objects.filter(pk__in=ids)}
    named[""] = {"owner": _("In the pool"), "team": _("No team"), "channel": _("No channel")}[group]
    return named


def _funnel_row(
    key: str, label: str, counts: dict[str, int], times: dict[tuple[str, str], StepTime], drill: dict[str, str]
) -> FunnelRow:
    none = StepTime(leads=0, mean_days=None, median_days=None)
    places = Decimal("0.0001")
    return FunnelRow(
        key=key,
        label=label,
        created=counts["created"],
        contacted=counts["contacted"],
        qualified=counts["qualified"],
        converted=counts["converted"],
        rejected=counts["rejected"],
        recycled=counts["recycled"],
        contacted_rate=ratio(counts["contacted"], counts["created"], places=places),
        qualified_rate=ratio(counts["qualified"], counts["contacted"], places=places),
        converted_rate=ratio(counts["converted"], counts["qualified"], places=places),
        overall_rate=ratio(counts["converted"], counts["created"], places=places),
        time_new=times.get((key, "new"), none),
        time_contacted=times.get((key, "contacted"), none),
        time_qualified=times.get((key, "qualified"), none),
        drill=drill,
    )


def funnel(
    *,
    actor: User,
    by: str = "channel",
    period: str = "range",
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> FunnelReport:
    """New → contacted → qualified → converted (with rejected and recycled) per channel, owner or team."""
    if by not in GROUPS:
        raise field_error("by", _("Choose channel, owner or team."))
    low, high = report_window(period, start=start, end=end, today=today or timezone.localdate())
    cohort = _cohort(actor, low, high)
    group = f"{by}_id"
    aggregates = {
        "created": Count("id"),
        **{name: Count("id", filter=q) for name, q in REACHED.items()},
        "rejected": Count("id", filter=Q(status=LeadStatus.REJECTED)),
        "recycled": Count("id", filter=SIDE_STEPS["recycled"]),
    }
    grouped = list(cohort.order_by().values(group).annotate(**aggregates))
    total = cohort.order_by().aggregate(**aggregates)
    times = _step_times(cohort, group)
    labels = _labels(by, [row[group] for row in grouped])
    rows = []
    for row in grouped:
        key = str(row[group] or "")
        rows.append(_funnel_row(key, labels.get(key, "?"), row, times, _drill(by, key, low, high)))
    rows.sort(key=lambda row: (-row.created, row.label))
    total_row = _funnel_row("total", _("All leads"), total, times, _drill(by, "total", low, high))
    return FunnelReport(start=low, end=high, by=by, rows=rows, total=total_row)


# --- the grade check ------------------------------------------------------------------------------------

# Source s4: on average 38 % of prospects waste a company's time and effort and are given up in the end.
WASTE_BENCHMARK = Decimal("0.38")
RATE = Decimal("0.0001")


@dataclass(frozen=True)
class GradeRow:
    """One grade's leads in the window; ``grade`` "" is the leads without a grade."""

    grade: str
    label: str
    low_value: bool  # the grading flags it as not worth a salesperson's time
    configured: bool  # a grade of the current grading rules (not a letter left by older rules)
    leads: int
    share: Decimal | None  # of all the leads in the window
    converted: int
    conversion_rate: Decimal | None  # converted / leads
    rejected: int
    open: int  # new, contacted, qualified or recycled: neither converted nor rejected
    median_days_to_convert: float | None  # created → converted, over the converted leads
    # leads, converted, rejected → the lead-list query string that shows the leads behind the number
    drill: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GradeGroup:
    """The flagged (low-value) grades together, or all the others."""

    grades: tuple[str, ...]
    leads: int
    share: Decimal | None  # of all the leads in the window
    converted: int
    conversion_rate: Decimal | None
    conversion_share: Decimal | None  # of all the conversions in the window
    drill: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GradeRate:
    grade: str
    rate: Decimal


@dataclass(frozen=True)
class GradeCheckReport:
    """Does the lowest grade catch the prospects that waste effort? Per grade, and flagged vs the rest."""

    start: date
    end: date
    benchmark: Decimal  # the share of prospects research finds wasting effort (s4)
    rows: list[GradeRow]  # the configured grades in order (with or without leads), then any others
    total: GradeRow
    flagged: GradeGroup
    rest: GradeGroup
    # Conversion rates of the configured grades that have leads, best grade first; ``ordered``: each is at
    # least the next one's (None: fewer than two such grades, or no conversion at all to compare).
    rates: list[GradeRate]
    ordered: bool | None


def grading_grades() -> tuple[grading.Grade, ...]:
    """The grades of the lead settings' grading rules, best first (the defaults before any settings exist)."""
    row = LeadSettings.objects.order_by("created_at").only("grading").first()
    if row is not None and row.grading:
        try:
            return grading.config_from_json(row.grading).grades
        except InvalidInput:
            pass
    return grading.default_config().grades


def grade_filters(grades: tuple[str, ...], start: date, end: date) -> list[tuple[str, str]]:
    """The lead-list filters (query parameters) for the leads of some grades ("": no grade) created in the window."""
    return [
        *(("grade", letter or NO_GRADE) for letter in grades),
        ("created_from", start.isoformat()),
        ("created_to", end.isoformat()),
    ]


def _grade_drill(grades: tuple[str, ...], start: date, end: date) -> dict[str, str]:
    """Leads, converted, rejected, open → the lead list's query string."""
    if not grades:
        return {}
    where = grade_filters(grades, start, end)
    return {
        "leads": urlencode([*where, ("reached", "new")]),
        "converted": urlencode([*where, ("reached", "converted")]),
        "rejected": urlencode([*where, ("reached", "new"), ("status", str(LeadStatus.REJECTED))]),
        "open": urlencode([*where, ("reached", "new"), ("status", OPEN)]),
    }


def _days_to_convert(cohort: QuerySet[Lead]) -> dict[str, float | None]:
    """Grade → median days from creation to conversion ("total": every grade); one query, numpy medians."""
    rows = (
        cohort.filter(reached_q("converted"), converted_at__isnull=False)
        .annotate(spent=DaysBetween(F("converted_at"), F("created_at")))
        .order_by("grade")
        .values_list("grade", "spent")
    )
    pairs = np.array(list(rows), dtype=object).reshape(-1, 2)
    keys = pairs[:, 0]
    days = np.maximum(pairs[:, 1].astype(np.float64), 0.0)
    result: dict[str, float | None] = {"total": _summary(days).median_days}
    if keys.size:
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        for first, stop in zip(starts, [*starts[1:], keys.size], strict=True):
            result[str(keys[first] or "")] = _summary(days[first:stop]).median_days
    return result


def _grade_row(
    letter: str,
    label: str,
    flags: tuple[bool, bool],
    counts: dict[str, Any],
    total_leads: int,
    median_days: float | None,
    drill: dict[str, str],
) -> GradeRow:
    leads, converted, rejected = (int(counts.get(key, 0)) for key in ("leads", "converted", "rejected"))
    return GradeRow(
        grade=letter,
        label=label,
        low_value=flags[0],
        configured=flags[1],
        leads=leads,
        share=ratio(leads, total_leads, places=RATE),
        converted=converted,
        conversion_rate=ratio(converted, leads, places=RATE),
        rejected=rejected,
        open=leads - converted - rejected,
        median_days_to_convert=median_days,
        drill=drill,
    )


def _group(grades: tuple[str, ...], counts: list[GradeRow], total: GradeRow, drill: dict[str, str]) -> GradeGroup:
    leads = sum(row.leads for row in counts)
    converted = sum(row.converted for row in counts)
    return GradeGroup(
        grades=grades,
        leads=leads,
        share=ratio(leads, total.leads, places=RATE),
        converted=converted,
        conversion_rate=ratio(converted, leads, places=RATE),
        conversion_share=ratio(converted, total.converted, places=RATE),
        drill={column: query for column, query in drill.items() if column in ("leads", "converted")},
    )


def _separation(rows: list[GradeRow]) -> tuple[list[GradeRate], bool | None]:
    rates = [
        GradeRate(grade=row.grade, rate=row.conversion_rate)
        for row in rows
        if row.configured and row.conversion_rate is not None
    ]
    if len(rates) < 2 or not any(row.converted for row in rows if row.configured):
        return rates, None
    return rates, all(higher.rate >= lower.rate for higher, lower in pairwise(rates))


def grade_check(
    *, actor: User, period: str = "range", start: date | None = None, end: date | None = None, today: date | None = None
) -> GradeCheckReport:
    """Per grade: leads, share, conversions and their rate, rejected, open, median days to conversion;
    the flagged (low-value) grades against the ~38 % benchmark and against the other grades."""
    low, high = report_window(period, start=start, end=end, today=today or timezone.localdate())
    cohort = _cohort(actor, low, high)
    aggregates = {
        "leads": Count("id"),
        "converted": Count("id", filter=reached_q("converted")),
        "rejected": Count("id", filter=Q(status=LeadStatus.REJECTED)),
    }
    grouped = cohort.order_by().values("grade").annotate(**aggregates)
    counted: dict[str, dict[str, Any]] = {str(row["grade"] or ""): dict(row) for row in grouped}
    days = _days_to_convert(cohort)
    total_leads = sum(int(row["leads"]) for row in counted.values())
    configured = grading_grades()
    letters = [(str(grade.letter), bool(grade.low_value), True) for grade in configured]
    known = {letter for letter, _low, _conf in letters}
    letters += [(letter, False, False) for letter in sorted(counted) if letter not in known and letter]
    if "" in counted:
        letters.append(("", False, False))

    rows = [
        _grade_row(
            letter, letter or _("No grade"), (low_value, is_configured), counted.get(letter, {}), total_leads,
            days.get(letter), _grade_drill((letter,), low, high),
        )
        for letter, low_value, is_configured in letters
    ]  # fmt: skip
    sums = {key: sum(getattr(row, key) for row in rows) for key in ("leads", "converted", "rejected")}
    total = _grade_row(
        "total", _("All leads"), (False, False), sums, total_leads, days["total"], _total_drill(low, high)
    )
    flagged_letters = tuple(row.grade for row in rows if row.low_value)
    rest_rows = [row for row in rows if not row.low_value]
    rest_letters = tuple(row.grade for row in rest_rows)
    flagged = _group(
        flagged_letters, [row for row in rows if row.low_value], total, _grade_drill(flagged_letters, low, high)
    )
    rest = _group(rest_letters, rest_rows, total, _grade_drill(rest_letters, low, high))
    rates, ordered = _separation(rows)
    return GradeCheckReport(
        start=low,
        end=high,
        benchmark=WASTE_BENCHMARK,
        rows=rows,
        total=total,
        flagged=flagged,
        rest=rest,
        rates=rates,
        ordered=ordered,
    )


def _total_drill(start: date, end: date) -> dict[str, str]:
    where = funnel_filters(by="channel", key="total", start=start, end=end)
    return {
        "leads": urlencode({**where, "reached": "new"}),
        "converted": urlencode({**where, "reached": "converted"}),
        "rejected": urlencode({**where, "reached": "new", "status": str(LeadStatus.REJECTED)}),
    }


__all__ = [
    "GROUPS",
    "PERIODS",
    "REACHABLE",
    "STEPS",
    "WASTE_BENCHMARK",
    "ChannelValue",
    "ChannelValueReport",
    "FunnelReport",
    "FunnelRow",
    "GradeCheckReport",
    "GradeGroup",
    "GradeRate",
    "GradeRow",
    "StepTime",
    "can_see_money",
    "channel_value",
    "funnel",
    "funnel_filters",
    "grade_check",
    "grade_filters",
    "grading_grades",
    "ratio",
    "reached_q",
    "report_window",
    "worked_q",
]
