"""The value dashboard: every chart's figures over exactly the customers the actor sees.

One aggregate query per chart (``GROUP BY`` or ``CASE`` buckets in SQL; the Pareto curve from
window functions, 200 tiles), never a loop over customers. When the actor's data scope is
"everything" the figures are read straight from the value tables, without the scope's join.
Each chart element carries its drill-down: the customer-list filters that show the customers
behind it (``customers.lists.VALUE_FILTERS``); the count shown equals the rows of that list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

from django.db import connections
from django.db.models import Case, Count, IntegerField, Max, Min, Model, QuerySet, Sum, Value, When
from django.urls import reverse

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.customers.models import Customer
from guanxi.insights.models import (
    CustomerGrade,
    CustomerValue,
    GradeChange,
    GradeEvaluation,
    RunStatus,
    ValueClassChoice,
    ValueRun,
    ValueSettings,
)

M = TypeVar("M", bound=Model)
CENT = Decimal("0.01")
PARETO_TARGET = 0.8  # "the share of customers that makes 80 % of the profit"
PARETO_TILES = 200  # points of the curve, whatever the number of customers
CLASS_ORDER = (
    ValueClassChoice.MOST_VALUABLE,
    ValueClassChoice.MOST_GROWABLE,
    ValueClassChoice.OTHER,
    ValueClassChoice.NEGATIVE,
)
NEW_GRADE = "new"  # the migration's "from" for customers graded for the first time


def drill_url(filters: Mapping[str, Any]) -> str:
    """The customer list showing the customers behind a chart element."""
    return f"{reverse('customers:customer-list')}?{urlencode({k: str(v) for k, v in filters.items()})}"


def _money(value: Any) -> Decimal:
    """A sum from the database as money: PostgreSQL gives Decimal, SQLite a float (or None for no rows)."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        return Decimal(repr(round(value, 2))).quantize(CENT)
    return Decimal(value).quantize(CENT)


@dataclass(frozen=True)
class Drill:
    """A chart element's customers as list filters, and the list's URL."""

    filters: dict[str, str]

    @property
    def url(self) -> str:
        return drill_url(self.filters)


def _drill(**filters: Any) -> Drill:
    return Drill({key: str(value) for key, value in filters.items()})


@dataclass(frozen=True)
class ParetoPoint:
    customers: int  # customers so far, most profitable first
    customer_share: float
    cumulative_profit: Decimal
    profit_share: float  # of the total profit (may pass 1 before the loss-makers bring it back)


@dataclass(frozen=True)
class Pareto:
    available: bool  # False when the total profit is not positive: no share of customers "makes" it
    points: list[ParetoPoint]
    head_customers: int  # the fewest customers that together make 80 % of the profit
    head_share: float
    head_profit_min: Decimal | None  # profit of the last customer in the head
    head: Drill | None
    peak_share: float  # the highest the cumulative share gets (before the loss-makers)
    destroyers: int  # customers with a loss
    destroyed_profit: Decimal
    destroyers_drill: Drill
    target: float = PARETO_TARGET


@dataclass(frozen=True)
class RfmCell:
    recency: int
    frequency: int
    customers: int
    profit: Decimal
    drill: Drill


@dataclass(frozen=True)
class Rfm:
    bins: int
    cells: list[RfmCell]  # only cells with customers; R and F from 1 (lowest) to ``bins``
    unrated: int  # never bought: no scores
    max_customers: int


@dataclass(frozen=True)
class ClassSlice:
    key: str
    label: str
    customers: int
    profit: Decimal
    drill: Drill


@dataclass(frozen=True)
class ClassRule:
    """The rule behind the classes, as the run used it (and whether the settings changed since)."""

    valuable_profit_share: Decimal
    growable_share: Decimal
    analysis_months: int
    period_start: str
    settings_changed: bool


@dataclass(frozen=True)
class ClvBucket:
    low: Decimal
    high: Decimal  # exclusive
    customers: int
    drill: Drill


@dataclass(frozen=True)
class GradeBar:
    grade: str
    customers: int
    drill: Drill


@dataclass(frozen=True)
class GradeFlow:
    previous: str  # a grade, or NEW_GRADE
    grade: str
    customers: int


@dataclass(frozen=True)
class Grades:
    evaluation_id: UUID | None
    as_of: date | None
    bars: list[GradeBar]
    flows: list[GradeFlow]  # at the last evaluation, unchanged customers included (previous == grade)


@dataclass(frozen=True)
class Dashboard:
    run_id: UUID | None
    as_of: date | None  # the figures' date; None: no value run has finished yet
    finished_at: datetime | None
    customers: int = 0
    total_profit: Decimal = Decimal("0.00")
    total_revenue: Decimal = Decimal("0.00")
    classes: list[ClassSlice] = field(default_factory=list)
    rule: ClassRule | None = None
    pareto: Pareto | None = None
    rfm: Rfm | None = None
    clv: list[ClvBucket] = field(default_factory=list)
    grades: Grades | None = None

    @property
    def has_run(self) -> bool:
        return self.as_of is not None


# --- scope ---------------------------------------------------------------------------------


def _in_scope(actor: User | Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """Rows (keyed by ``customer_id``) of the customers the actor sees; no join when they see all."""
    visible = access.visible_q(actor, Customer)
    if visible is None:
        return queryset.none()
    if not visible:
        return queryset
    return queryset.filter(customer_id__in=Customer.objects.filter(visible).values("pk"))


def _sees_everyone(actor: User | Any) -> bool:
    visible = access.visible_q(actor, Customer)
    return visible is not None and not visible


def latest_value_run() -> ValueRun | None:
    return ValueRun.objects.filter(status=RunStatus.DONE).order_by("-finished_at", "-created_at").first()


# --- the dashboard -------------------------------------------------------------------------


def value_dashboard(*, actor: User | Any) -> Dashboard:
    """Every chart of the value dashboard over the actor's scope (an empty one before the first run)."""
    if access.active_user(actor) is None:
        return Dashboard(run_id=None, as_of=None, finished_at=None)
    run = latest_value_run()
    grades = grade_figures(actor=actor)
    if run is None:
        return Dashboard(run_id=None, as_of=None, finished_at=None, grades=grades)
    values = _in_scope(actor, CustomerValue.objects.all())
    rows = list(
        values.order_by()
        .values("value_class")
        .annotate(
            n=Count("customer_id"),
            profit=Sum("profit"),
            revenue=Sum("revenue"),
            clv_low=Min("lifetime_value"),
            clv_high=Max("lifetime_value"),
        )
    )
    empty: dict[str, Any] = {}
    by_class: dict[str, dict[str, Any]] = {row["value_class"]: dict(row) for row in rows}
    classes = [
        ClassSlice(
            key=choice.value,
            label=str(choice.label),
            customers=by_class.get(choice.value, empty).get("n", 0),
            profit=_money(by_class.get(choice.value, empty).get("profit")),
            drill=_drill(value_class=choice.value),
        )
        for choice in CLASS_ORDER
    ]
    lows = [row["clv_low"] for row in rows if row["clv_low"] is not None]
    highs = [row["clv_high"] for row in rows if row["clv_high"] is not None]
    clv = clv_distribution(values, _money(min(lows)), _money(max(highs))) if lows else []
    customers = sum(row["n"] for row in rows)
    return Dashboard(
        run_id=run.pk,
        as_of=run.as_of,
        finished_at=run.finished_at,
        customers=customers,
        total_profit=sum((_money(row["profit"]) for row in rows), Decimal("0.00")),
        total_revenue=sum((_money(row["revenue"]) for row in rows), Decimal("0.00")),
        classes=classes,
        rule=_class_rule(run),
        pareto=pareto_figures(values, everyone=_sees_everyone(actor), customers=customers),
        rfm=rfm_figures(values, bins=int(run.parameters.get("rfm_bins") or 5)),
        clv=clv,
        grades=grades,
    )


def _class_rule(run: ValueRun) -> ClassRule:
    used = run.parameters
    now = ValueSettings.objects.filter(pk=1).values_list("version", flat=True).first()
    return ClassRule(
        valuable_profit_share=Decimal(str(used.get("valuable_profit_share", "0.8"))),
        growable_share=Decimal(str(used.get("growable_share", "0.2"))),
        analysis_months=int(used.get("analysis_months", 12)),
        period_start=str(used.get("period_start", "")),
        settings_changed=now is not None and now != used.get("settings_version", now),
    )


# --- Pareto ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tile:
    customers: int
    profit: Decimal
    positive: Decimal  # profit of its gainers
    destroyers: int
    destroyed: Decimal


_TILE_SUMS = """COUNT(*), SUM(profit), SUM(CASE WHEN profit > 0 THEN profit ELSE 0 END),
               SUM(CASE WHEN profit < 0 THEN 1 ELSE 0 END), SUM(CASE WHEN profit < 0 THEN profit ELSE 0 END)"""


def _tile(row: Sequence[Any]) -> _Tile:
    return _Tile(int(row[0]), _money(row[1]), _money(row[2]), int(row[3] or 0), _money(row[4]))


def _window_tiles(values: QuerySet[CustomerValue]) -> tuple[list[_Tile], tuple[int, Decimal] | None]:
    """Tiles of the scoped rows by window functions (row number and running profit), and the head:
    the first row whose running profit reaches 80 % of the total (its number and profit)."""
    inner, params = values.order_by().values_list("customer_id", "profit").query.sql_with_params()
    sql = f"""
        SELECT tile, {_TILE_SUMS},
               MIN(CASE WHEN cum >= total * %s - 0.005 THEN rn END),
               MAX(CASE WHEN cum >= total * %s - 0.005 THEN profit END)
        FROM (
            SELECT v.profit AS profit,
                   NTILE({PARETO_TILES}) OVER w AS tile,
                   ROW_NUMBER() OVER w AS rn,
                   SUM(v.profit) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
                   SUM(v.profit) OVER () AS total
            FROM ({inner}) AS v
            WINDOW w AS (ORDER BY v.profit DESC, v.customer_id)
        ) AS r
        GROUP BY tile ORDER BY tile
    """  # noqa: S608 -- the inner query is compiled by Django, its values are parameters
    with connections[values.db].cursor() as cursor:
        cursor.execute(sql, [PARETO_TARGET, PARETO_TARGET, *params])
        rows = cursor.fetchall()
    # Profits fall along the rows, so the first crossing row has the highest profit of all crossing rows.
    crossing = [(int(row[6]), _money(row[7])) for row in rows if row[6] is not None]
    return [_tile(row[1:6]) for row in rows], min(crossing) if crossing else None


def _rank_tiles(
    values: QuerySet[CustomerValue], customers: int
) -> tuple[list[_Tile], tuple[int, Decimal] | None] | None:
    """Every customer's tiles by the run's profit rank (``profit_rank``, indexed): a plain ``GROUP BY``
    without sorting the rows; then the head's tile is read row by row (``customers / 200`` rows).
    None when some row has no rank (figures not written by the engine)."""
    table = CustomerValue._meta.db_table
    sql = f"""
        SELECT (profit_rank - 1) * {PARETO_TILES} / %s AS tile, {_TILE_SUMS},
               MIN(profit_rank), MAX(profit_rank), COUNT(profit_rank)
        FROM {table} GROUP BY tile ORDER BY tile
    """  # noqa: S608 -- names from the model, numbers as parameters
    with connections[values.db].cursor() as cursor:
        cursor.execute(sql, [max(customers, 1)])
        rows = cursor.fetchall()
    if any(row[8] != row[1] for row in rows):
        return None
    tiles = [_tile(row[1:6]) for row in rows]
    total = sum((t.profit for t in tiles), Decimal("0.00"))
    if total <= 0:
        return tiles, None
    target = total * Decimal(str(PARETO_TARGET)) - Decimal("0.005")
    before, running = 0, Decimal("0.00")
    for tile, row in zip(tiles, rows, strict=True):
        # Profits fall along the ranks: the running profit peaks within a tile at ``running + positive``.
        if running + tile.positive >= target:
            ranked = values.filter(profit_rank__gte=row[6], profit_rank__lte=row[7]).order_by("profit_rank")
            cumulative = running
            for number, profit in enumerate(ranked.values_list("profit", flat=True), start=before + 1):
                cumulative += profit
                if cumulative >= target:
                    return tiles, (number, _money(profit))
        before, running = before + tile.customers, running + tile.profit
    return tiles, None


def pareto_figures(values: QuerySet[CustomerValue], *, everyone: bool = False, customers: int = 0) -> Pareto:
    """The cumulative profit curve (most profitable first) in ``PARETO_TILES`` points.

    ``everyone`` (the actor sees every customer, ``customers`` of them): tiles by the stored profit
    rank; otherwise window functions over the scoped rows. One query (two for the rank tiles).
    """
    found = _rank_tiles(values, customers) if everyone else None
    tiles, crossing = found if found is not None else _window_tiles(values)
    destroyers = sum(t.destroyers for t in tiles)
    destroyed = sum((t.destroyed for t in tiles), Decimal("0.00"))
    destroyers_drill = _drill(profit_max=Decimal("-0.01"))
    total = sum((t.profit for t in tiles), Decimal("0.00"))
    if total <= 0:
        return Pareto(False, [], 0, 0.0, None, None, 0.0, destroyers, destroyed, destroyers_drill)
    count = sum(t.customers for t in tiles)
    points = [ParetoPoint(0, 0.0, Decimal("0.00"), 0.0)]
    so_far, running = 0, Decimal("0.00")
    for tile in tiles:
        so_far, running = so_far + tile.customers, running + tile.profit
        points.append(ParetoPoint(so_far, so_far / count, running, float(running / total)))
    head_customers, head_profit = crossing if crossing else (count, None)
    return Pareto(
        available=True,
        points=points,
        head_customers=head_customers,
        head_share=head_customers / count,
        head_profit_min=head_profit,
        head=None if head_profit is None else _drill(profit_min=head_profit),
        peak_share=float(sum((t.positive for t in tiles), Decimal("0.00")) / total),
        destroyers=destroyers,
        destroyed_profit=destroyed,
        destroyers_drill=destroyers_drill,
    )


# --- RFM ---------------------------------------------------------------------------------------


def rfm_figures(values: QuerySet[CustomerValue], *, bins: int) -> Rfm:
    """Customers per (R, F) score pair; customers who never bought have no scores (0)."""
    rows = (
        values.order_by()
        .values("rfm_recency", "rfm_frequency")
        .annotate(n=Count("customer_id"), profit=Sum("profit"))
        .order_by("rfm_recency", "rfm_frequency")
    )
    cells, unrated = [], 0
    for row in rows:
        r, f = row["rfm_recency"], row["rfm_frequency"]
        if r == 0 or f == 0:
            unrated += row["n"]
            continue
        cells.append(RfmCell(r, f, row["n"], _money(row["profit"]), _drill(rfm_r=r, rfm_f=f)))
    return Rfm(bins=bins, cells=cells, unrated=unrated, max_customers=max((c.customers for c in cells), default=0))


# --- lifetime value ------------------------------------------------------------------------------


def clv_edges(low: Decimal, high: Decimal) -> list[Decimal]:
    """Bucket edges of a 1-2-5 series on both sides of zero (… -100, -50, 0, 10, 20, 50, 100 …), from the
    last edge at or below ``low`` to the first above ``high``: readable bars for a long-tailed spread."""
    steps = [Decimal(m) * Decimal(10) ** e for e in range(1, 17) for m in (1, 2, 5)]
    series = [-s for s in reversed(steps)] + [Decimal(0)] + steps
    start = max(i for i, edge in enumerate(series) if edge <= low) if series[0] <= low else 0
    end = min((i for i, edge in enumerate(series) if edge > high), default=len(series) - 1)
    return series[start : end + 1]


def clv_distribution(values: QuerySet[CustomerValue], low: Decimal, high: Decimal) -> list[ClvBucket]:
    """Customers per lifetime-value bucket (``CASE`` buckets in one query); each bar drills to
    ``clv_min`` … ``clv_max`` (the bucket's upper edge less a cent: list filters include both ends)."""
    edges = clv_edges(low, high)
    bucket = Case(
        *[When(lifetime_value__lt=edge, then=Value(i)) for i, edge in enumerate(edges[1:])],
        default=Value(len(edges) - 1),
        output_field=IntegerField(),
    )
    counts = dict(
        values.order_by()
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(n=Count("customer_id"))
        .values_list("bucket", "n")
    )
    return [
        ClvBucket(
            low=edges[i],
            high=edges[i + 1],
            customers=counts.get(i, 0),
            drill=_drill(clv_min=edges[i], clv_max=edges[i + 1] - CENT),
        )
        for i in range(len(edges) - 1)
    ]


# --- grades --------------------------------------------------------------------------------------


def _last_evaluation() -> GradeEvaluation | None:
    evaluations = GradeEvaluation.objects.order_by("-scheme__is_active", "-as_of", "-created_at")
    return evaluations.only("id", "as_of", "grades").first()


def grade_figures(*, actor: User | Any) -> Grades:
    """Customers per current grade, and the migration at the last evaluation, over the actor's scope.

    Migration: the evaluation's grade changes of customers in scope grouped by (previous, new); the
    unchanged customers of a grade are its holders now less those who changed into it.
    """
    evaluation = _last_evaluation()
    if evaluation is None:
        return Grades(None, None, [], [])
    counts = dict(
        _in_scope(actor, CustomerGrade.objects.all())
        .order_by()
        .values("grade")
        .annotate(n=Count("customer_id"))
        .values_list("grade", "n")
    )
    changes = (
        _in_scope(actor, GradeChange.objects.filter(evaluation=evaluation))
        .order_by()
        .values("previous_grade", "grade")
        .annotate(n=Count("id"))
    )
    order = [str(g) for g in evaluation.grades or []]
    order += sorted(g for g in counts if g not in order)
    flows, arrived = [], dict.fromkeys(counts, 0)
    for row in changes:
        flows.append(GradeFlow(row["previous_grade"] or NEW_GRADE, row["grade"], row["n"]))
        arrived[row["grade"]] = arrived.get(row["grade"], 0) + row["n"]
    for grade in order:
        stayed = counts.get(grade, 0) - arrived.get(grade, 0)
        if stayed > 0:
            flows.append(GradeFlow(grade, grade, stayed))
    bars = [GradeBar(grade, counts.get(grade, 0), _drill(grade=grade)) for grade in order]
    return Grades(evaluation.pk, evaluation.as_of, bars, flows)
