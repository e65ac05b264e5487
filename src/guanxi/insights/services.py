"""The value engine: read the purchase history in bulk, run the kernels, store every customer's figures.

``value_recompute`` is the nightly full recompute (and the "recompute now" button). It reads
through ``datasets`` (set-based SQL into numpy arrays), computes with ``kernels`` and writes one
``CustomerValue`` row per customer plus the run record with a summary (Pareto, classes, CLV fit).
"""

from __future__ import annotations

import logging
import multiprocessing
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from multiprocessing.connection import Connection
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from guanxi.core import bulk
from guanxi.insights import curves, datasets, grading, segments
from guanxi.insights.calibration import calibration_of_days
from guanxi.insights.kernels.clv import (
    WEEKS_PER_MONTH,
    BetaGeoModel,
    FitError,
    GammaGammaModel,
    lifetime_value,
    summary_weights,
)
from guanxi.insights.kernels.profit import CostRates, ServiceLoad, profit_breakdown
from guanxi.insights.kernels.value import ValueClass, ValueClassRule, pareto_curve, rfm_scores, value_classes
from guanxi.insights.models import CustomerValue, RunStatus, ValueClassChoice, ValueRun, ValueSettings

logger = logging.getLogger(__name__)
CLV_MIN_BUYERS, CLV_MIN_REPEAT_BUYERS = 30, 10  # fewer cannot identify BG/NBD's and Gamma-Gamma's parameters
CLASS_CHOICES = {
    ValueClass.MOST_VALUABLE: ValueClassChoice.MOST_VALUABLE,
    ValueClass.MOST_GROWABLE: ValueClassChoice.MOST_GROWABLE,
    ValueClass.NEGATIVE: ValueClassChoice.NEGATIVE,
    ValueClass.OTHER: ValueClassChoice.OTHER,
}
# Parts of the cost to serve whose source records come with later modules (visits with their
# hours, service tickets, receivables); until then they are zero and the run says so.
NOT_AVAILABLE_YET = ("visit_cost", "ticket_cost", "financing_cost")


def value_settings() -> ValueSettings:
    settings_row, _created = ValueSettings.objects.get_or_create(pk=1)
    return settings_row


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    return date(year, month + 1, min(day.day, 28))


@dataclass
class _Progress:
    run: ValueRun
    started: float
    timings: dict[str, float]

    def step(self, name: str, percent: int) -> None:
        now = clock.perf_counter()
        self.timings[self.run.step or "start"] = round(now - self.started, 3)
        self.started = now
        self.run.step, self.run.progress = name, percent
        ValueRun.objects.filter(pk=self.run.pk).update(step=name, progress=percent)


def value_run_start(*, as_of: date | None = None, requested_by: Any = None) -> ValueRun:
    """A queued run record (the task then calls ``value_recompute``)."""
    return ValueRun.objects.create(as_of=as_of or timezone.localdate(), requested_by=requested_by)


def value_recompute(*, run: ValueRun, evaluate_grades: bool | None = None) -> ValueRun:
    """Recompute every customer's value figures as of ``run.as_of``; the run records how it went.

    Then, from the new figures: the active grading scheme is evaluated when its schedule says so
    (``evaluate_grades=True`` forces an evaluation, ``False`` skips it), every active segment's
    members are recomputed, and the consumption curves of every segment.
    """
    ValueRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now(), error="")
    run.refresh_from_db()
    progress = _Progress(run=run, started=clock.perf_counter(), timings={})
    try:
        results = _recompute(run, progress, evaluate_grades)
    except Exception as error:
        logger.exception("value run %s failed", run.pk)
        ValueRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"
        )
        raise
    progress.step("done", 100)
    results["timings_s"] = progress.timings
    ValueRun.objects.filter(pk=run.pk).update(status=RunStatus.DONE, finished_at=timezone.now(), results=results)
    run.refresh_from_db()
    return run


def _recompute(run: ValueRun, progress: _Progress, evaluate_grades: bool | None) -> dict[str, Any]:
    settings_row = value_settings()
    as_of = run.as_of
    start = months_before(as_of, settings_row.analysis_months) + timedelta(days=1)
    previous_start = months_before(start - timedelta(days=1), settings_row.analysis_months) + timedelta(days=1)
    parameters = _parameters(settings_row, start)
    ValueRun.objects.filter(pk=run.pk).update(parameters=parameters)

    progress.step("read", 5)
    with datasets.snapshot():
        index = datasets.customer_index()
        orders_read = datasets.orders_read(index, as_of=as_of)
        interactions = datasets.interaction_counts(index, start=start, as_of=as_of)
    size = index.size
    days = datasets.purchase_days(orders_read)
    returned = datasets.returned_in_period(orders_read, size, start=start)
    del orders_read
    ValueRun.objects.filter(pk=run.pk).update(customers=size, orders=int(days.orders.sum()))
    # The CLV model checked on the last 26 weeks (fitted before them, compared with what happened),
    # on the second core while this process computes and writes.
    calibration_job = _Beside(_calibration, days, as_of, size=int(days.customer.size))

    progress.step("profit", 30)
    today = (as_of - date(1970, 1, 1)).days
    first_day = (start - date(1970, 1, 1)).days
    previous_first = (previous_start - date(1970, 1, 1)).days
    in_period = days.day >= first_day
    in_previous = (days.day >= previous_first) & ~in_period

    def per_customer(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(days.customer[mask], weights=values[mask], minlength=size)

    revenue = per_customer(days.amount, in_period)
    rates = CostRates(
        per_interaction=tuple(float(settings_row.interaction_costs.get(c, 0)) for c in datasets.CHANNELS),
        per_visit_hour=float(settings_row.cost_per_visit_hour),
        per_ticket=float(settings_row.cost_per_ticket),
        per_return=float(settings_row.cost_per_return),
        late_payment_rate_per_day=float(settings_row.late_payment_rate_per_day),
    )
    zeros = np.zeros(size)
    breakdown = profit_breakdown(
        revenue,
        per_customer(days.cost, in_period),
        per_customer(days.discount, in_period),
        ServiceLoad(
            interactions=interactions,
            visit_hours=zeros,
            tickets=zeros,
            returns=returned.astype(np.float64),
            overdue_amount_days=zeros,
        ),
        rates,
    )
    orders = per_customer(days.orders.astype(np.float64), in_period)
    previous_revenue = per_customer(days.amount, in_previous)
    previous_orders = per_customer(days.orders.astype(np.float64), in_previous)
    summary_days = clv_summary_days(days, size, today)
    tenure = np.where(summary_days[2] > 0, summary_days[2], np.nan)  # days since the first purchase

    progress.step("rfm", 45)
    last = np.full(size, -1, dtype=np.int64)
    if days.day.size:
        np.maximum.at(last, days.customer, days.day)
    bought = last >= 0
    recency = np.where(bought, today - last, 0)
    scores = rfm_scores(recency, orders, revenue, bins=settings_row.rfm_bins, rated=bought)
    scores_rated = [scores.recency, scores.frequency, scores.monetary]

    progress.step("lifetime value", 55)
    clv = _lifetime_value(summary_days, size, breakdown.gross_margin, revenue, settings_row)
    del summary_days
    future = clv["future_value"]

    progress.step("classes", 75)
    classes = value_classes(
        breakdown.profit,
        future,
        ValueClassRule(
            valuable_profit_share=float(settings_row.valuable_profit_share),
            growable_share=float(settings_row.growable_share),
        ),
    )
    rank = np.empty(size, dtype=np.int64)
    rank[np.argsort(-breakdown.profit, kind="stable")] = np.arange(1, size + 1)
    summary: dict[str, Any] = {
        "customers": size,
        "buyers_in_period": int(np.count_nonzero(orders)),
        "classes": {CLASS_CHOICES[ValueClass(c)].value: int(np.count_nonzero(classes == c)) for c in ValueClass},
        "not_available_yet": list(NOT_AVAILABLE_YET),
        "clv": clv["summary"],
        "pareto": _pareto_summary(breakdown.profit),
        "total_profit": round(float(breakdown.profit.sum()), 2),
        "total_revenue": round(float(revenue.sum()), 2),
        # What ``incremental.value_customer_refresh`` needs to place one customer among this run's
        # population without recomputing everyone: each score's value range, the class thresholds.
        "rfm_bounds": _rfm_bounds(scores_rated, [recency, orders, revenue], settings_row.rfm_bins),
        "class_thresholds": _class_thresholds(classes, breakdown.profit, future),
    }

    progress.step("next purchase", 80)
    next_purchase = curves.next_purchase_days(as_of=as_of, index=index, days=days)

    progress.step("write", 85)
    columns = {
        "revenue": breakdown.revenue,
        "product_cost": breakdown.product_cost,
        "gross_margin": breakdown.gross_margin,
        "discount": breakdown.discount,
        "interaction_cost": breakdown.interaction_cost,
        "visit_cost": breakdown.visit_cost,
        "ticket_cost": breakdown.ticket_cost,
        "return_cost": breakdown.return_cost,
        "financing_cost": breakdown.financing_cost,
        "cost_to_serve": breakdown.cost_to_serve,
        "profit": breakdown.profit,
        "previous_revenue": previous_revenue,
        "future_value": future,
        "lifetime_value": breakdown.profit + future,
        "expected_spend": clv["expected_spend"],
    }
    counts = {"orders": orders, "returns": returned, "previous_orders": previous_orders}
    _write(run, index, columns, breakdown.margin, counts, recency, bought, scores_rated, clv, classes, rank,
           tenure, next_purchase)  # fmt: skip

    progress.step("calibration", 88)
    summary["calibration"] = calibration_job.result()  # usually done by now: it ran beside the write

    due = grading.grade_evaluation_due(as_of=as_of) if evaluate_grades is None else evaluate_grades
    if due:
        progress.step("grading", 90)
        inputs = grading.GradeInputs(
            profit=breakdown.profit,
            margin=np.where(revenue > 0, breakdown.margin, np.nan),
            revenue=revenue,
            growth=grading.engine.growth_of(revenue, previous_revenue),
            orders=orders,
            tenure_days=tenure,
            lifetime_value=columns["lifetime_value"],
            recency_days=np.where(bought, recency, np.nan).astype(np.float64),
        )
        evaluation = grading.grade_evaluate(as_of=as_of, run=run, index=index, inputs=inputs)
        summary["grading"] = (
            {"evaluated": True, "evaluation": str(evaluation.pk), "counts": evaluation.counts}
            if evaluation is not None
            else {"evaluated": False, "reason": "no active grading scheme"}
        )
    else:
        summary["grading"] = {"evaluated": False, "reason": "not due"}
    progress.step("segments", 93)
    summary["segments"] = segments.segments_refresh(as_of=as_of, run=run)
    progress.step("curves", 96)
    curves.segment_curves_refresh(as_of=as_of, index=index, days=days)
    return summary


FORK_MIN_DAYS = 200_000  # purchase days; below this a second process costs more than it saves


class _Beside:
    """A pure numpy computation on the second core while this process reads and writes the database.

    A forked child (it shares the arrays copy-on-write and no GIL with this process; it never touches
    the database connection it inherits, and leaves with ``os._exit``) sends the result back through a
    pipe. Small inputs run inline. Should the child die, the computation runs here instead.
    """

    def __init__(self, function: Callable[..., Any], *args: Any, size: int) -> None:
        self.function, self.args = function, args
        self.process: multiprocessing.process.BaseProcess | None = None
        if size < FORK_MIN_DAYS:
            self.value = function(*args)
            return
        context = multiprocessing.get_context("fork")
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(target=_beside_child, args=(function, args, send), daemon=True)
        self.process.start()
        send.close()

    def result(self) -> Any:
        if self.process is None:
            return self.value
        try:
            value = self.receive.recv()
        except (EOFError, OSError):
            logger.warning("value run: the calibration process ended without a result; computing it here")
            value = self.function(*self.args)
        finally:
            self.receive.close()
            self.process.join()
        return value


def _beside_child(function: Callable[..., Any], args: tuple[Any, ...], send: Connection) -> None:
    send.send(function(*args))
    send.close()


def _calibration(days: datasets.PurchaseDays, as_of: date) -> dict[str, Any]:
    try:
        return calibration_of_days(days, as_of=as_of)
    except (FitError, ValueError) as error:
        return {"available": False, "reason": str(error)}


def _rfm_bounds(scores: list[np.ndarray], values: list[np.ndarray], bins: int) -> dict[str, list[float | None]]:
    """Per dimension and score 1..bins: the lowest value that earned it (recency: the most days)."""
    bounds: dict[str, list[float | None]] = {}
    for name, score, value in zip(("recency", "frequency", "monetary"), scores, values, strict=True):
        pick = np.maximum if name == "recency" else np.minimum
        limits: list[float | None] = []
        for level in range(1, bins + 1):
            chosen = value[score == level]
            limits.append(float(pick.reduce(chosen)) if chosen.size else None)
        bounds[name] = limits
    return bounds


def _class_thresholds(classes: np.ndarray, profit: np.ndarray, future: np.ndarray) -> dict[str, float | None]:
    valuable = profit[classes == ValueClass.MOST_VALUABLE]
    growable = (future - profit)[classes == ValueClass.MOST_GROWABLE]
    return {
        "most_valuable_min_profit": float(valuable.min()) if valuable.size else None,
        "most_growable_min_gap": float(growable.min()) if growable.size else None,
    }


def _parameters(settings_row: ValueSettings, start: date) -> dict[str, Any]:
    return {
        "period_start": start.isoformat(),
        "analysis_months": settings_row.analysis_months,
        "rfm_bins": settings_row.rfm_bins,
        "interaction_costs": settings_row.interaction_costs,
        "cost_per_visit_hour": str(settings_row.cost_per_visit_hour),
        "cost_per_ticket": str(settings_row.cost_per_ticket),
        "cost_per_return": str(settings_row.cost_per_return),
        "late_payment_rate_per_day": str(settings_row.late_payment_rate_per_day),
        "valuable_profit_share": str(settings_row.valuable_profit_share),
        "growable_share": str(settings_row.growable_share),
        "clv_horizon_months": settings_row.clv_horizon_months,
        "clv_monthly_discount_rate": str(settings_row.clv_monthly_discount_rate),
        "settings_version": settings_row.version,
    }


def _pareto_summary(profit: np.ndarray) -> dict[str, Any]:
    if profit.size == 0 or profit.sum() <= 0:
        return {"available": False, "reason": "total profit is not positive"}
    curve = pareto_curve(profit, target=0.8)
    return {
        "available": True,
        "customers_for_80_percent": curve.customers_for_target,
        "share_for_80_percent": round(curve.customer_share_for_target, 4),
        "peak_share": round(curve.peak_share, 4),
        "peak_customers": curve.peak_customers,
        "destroyers": curve.destroyers,
    }


def _lifetime_value(
    summary_days: tuple[np.ndarray, ...],
    size: int,
    gross_margin: np.ndarray,
    revenue: np.ndarray,
    settings_row: ValueSettings,
) -> dict[str, Any]:
    """BG/NBD + Gamma-Gamma on purchase occasions (weeks), valued at each customer's gross margin %."""
    frequency, recency_days, age_days, monetary = summary_days
    recency, age = recency_days / 7.0, age_days / 7.0
    bought = age > 0
    result: dict[str, Any] = {
        "expected_purchases": np.zeros(size),
        "p_alive": np.full(size, np.nan),
        "expected_spend": np.full(size, np.nan),
        "future_value": np.zeros(size),
    }
    repeat = bought & (frequency > 0)
    if bought.sum() < CLV_MIN_BUYERS or repeat.sum() < CLV_MIN_REPEAT_BUYERS:
        reason = (
            f"too few customers to fit lifetime value: {int(bought.sum())} buyers, {int(repeat.sum())} with repeat "
            f"purchases (need {CLV_MIN_BUYERS} and {CLV_MIN_REPEAT_BUYERS})"
        )
        result["summary"] = {"fitted": False, "reason": reason, "buyers": int(bought.sum())}
        return result
    try:
        # Distinct rows found on whole days (fast), fitted in weeks: the same rows as on weeks.
        (x, t_days, age_days_u), weights, _ = summary_weights(frequency[bought], recency_days[bought], age_days[bought])
        purchases = BetaGeoModel().fit(x, t_days / 7.0, age_days_u / 7.0, weights=weights)
    except (FitError, ValueError) as error:
        result["summary"] = {"fitted": False, "reason": str(error), "buyers": int(bought.sum())}
        return result
    spend_summary: dict[str, Any]
    try:
        (xm, m), spend_weights, _ = summary_weights(frequency[repeat], monetary[repeat])
        spend_model = GammaGammaModel().fit(xm, m, weights=spend_weights)
        g = spend_model.params_
        spend_summary = {"model": "gamma_gamma", "p": g.p, "q": g.q, "gamma": g.gamma}
        spend_per_purchase = spend_model.expected_average_spend(frequency[bought], monetary[bought])
    except (FitError, ValueError) as error:
        # Spend too alike across customers for Gamma-Gamma: each repeat customer's own average
        # spend, and the repeat customers' average for one-time buyers.
        population = float((frequency[repeat] @ monetary[repeat]) / frequency[repeat].sum())
        spend_per_purchase = np.where(frequency[bought] > 0, monetary[bought], population)
        spend_summary = {"model": "observed_average", "reason": str(error), "population_average": population}
    horizon = settings_row.clv_horizon_months * WEEKS_PER_MONTH
    columns = (frequency[bought], recency[bought], age[bought])
    total_revenue = revenue.sum()
    population_margin = float(gross_margin.sum() / total_revenue) if total_revenue > 0 else 0.0
    margin = np.full(size, population_margin)
    np.divide(gross_margin, revenue, out=margin, where=revenue > 0)
    margin = np.clip(margin, 0.0, 1.0)
    result["expected_purchases"][bought] = purchases.expected_purchases(horizon, *columns)
    result["p_alive"][bought] = purchases.probability_alive(*columns)
    result["expected_spend"][bought] = spend_per_purchase
    result["future_value"][bought] = (
        lifetime_value(
            purchases,
            spend_per_purchase,
            *columns,
            monetary[bought],
            horizon=horizon,
            period=WEEKS_PER_MONTH,
            discount_rate=float(settings_row.clv_monthly_discount_rate),
            margin=1.0,
        )
        * margin[bought]
    )
    if not all(np.all(np.isfinite(result[key][bought])) for key in ("expected_purchases", "p_alive", "future_value")):
        result = {key: np.zeros(size) if key != "p_alive" else np.full(size, np.nan) for key in result}
        result["expected_spend"] = np.full(size, np.nan)
        result["summary"] = {"fitted": False, "reason": "the fitted model gives no finite predictions"}
        return result
    p = purchases.params_
    result["summary"] = {
        "fitted": True,
        "population_margin": population_margin,
        "buyers": int(bought.sum()),
        "bgnbd": {"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b},
        "spend": spend_summary,
        "horizon_weeks": horizon,
    }
    return result


def clv_summary(days: datasets.PurchaseDays, size: int, today: int) -> tuple[np.ndarray, ...]:
    """frequency (repeat purchase days), recency and T in weeks, mean spend of the repeat days."""
    frequency, recency_days, age_days, monetary = clv_summary_days(days, size, today)
    return frequency, recency_days / 7.0, age_days / 7.0, monetary


def clv_summary_days(days: datasets.PurchaseDays, size: int, today: int) -> tuple[np.ndarray, ...]:
    """frequency (repeat purchase days), recency and T in whole days (as floats), mean spend of the repeat days."""
    count = np.bincount(days.customer, minlength=size).astype(np.float64)
    first = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(size, -1, dtype=np.int64)
    if days.day.size:
        np.minimum.at(first, days.customer, days.day)
        np.maximum.at(last, days.customer, days.day)
    bought = count > 0
    total = np.bincount(days.customer, weights=days.amount, minlength=size)
    first_amount = np.zeros(size)
    is_first = days.day == first[days.customer]
    np.add.at(first_amount, days.customer[is_first], days.amount[is_first])
    frequency = np.where(bought, count - 1, 0.0)
    recency = np.where(bought, last - first, 0).astype(np.float64)
    age = np.where(bought, today - first, 0).astype(np.float64)
    monetary = np.zeros(size)
    np.divide(total - first_amount, frequency, out=monetary, where=frequency > 0)
    # A repeat customer whose repeat orders were all free has no spend to model: count them as one-time.
    free = (frequency > 0) & (monetary <= 0)
    frequency[free], recency[free] = 0.0, 0.0
    return frequency, recency, age, monetary


def _write(
    run: ValueRun,
    index: datasets.CustomerIndex,
    columns: dict[str, np.ndarray],
    margin: np.ndarray,
    counts: dict[str, np.ndarray],
    recency: np.ndarray,
    bought: np.ndarray,
    scores: list[np.ndarray],
    clv: dict[str, Any],
    classes: np.ndarray,
    rank: np.ndarray,
    tenure: np.ndarray,
    next_purchase: np.ndarray,
) -> None:
    """Replace every customer's row in one transaction (readers see the old figures until it commits).

    Rows go in with ``core.bulk`` (``executemany`` / ``COPY``): a million model instances with
    Decimals would take minutes.
    """
    money = [name for name in columns if name != "expected_spend"]
    labels = tuple(CLASS_CHOICES[ValueClass(c)].value for c in range(len(ValueClass)))
    Array = bulk.Array
    arrays = [
        Array("customer", index.keys, "key"),
        *(Array(name, columns[name], "number", digits=2) for name in money),
        Array("expected_spend", columns["expected_spend"], "number", digits=2, nullable=True),
        Array("margin", np.clip(margin, -99999, 99999), "number", digits=4, nullable=True),
        Array("orders", counts["orders"], "whole"),
        Array("returns", counts["returns"], "whole"),
        Array("recency_days", np.where(bought, recency, -1), "whole", nullable=True),
        *(Array(name, score, "whole") for name, score in zip(("rfm_recency", "rfm_frequency", "rfm_monetary"),
                                                             scores, strict=True)),
        Array("expected_purchases", clv["expected_purchases"], "number", digits=3),
        Array("p_alive", clv["p_alive"], "number", digits=4, nullable=True),
        Array("value_class", classes, "label", labels=labels),
        Array("profit_rank", rank, "whole"),
        Array("previous_orders", counts["previous_orders"], "whole"),
        Array("tenure_days", tenure, "whole", nullable=True),
        Array("next_purchase_on", next_purchase, "day"),
    ]  # fmt: skip
    constants = {"run": bulk.db_uuid(run.pk), "as_of": bulk.db_date(run.as_of)}
    table = bulk.Table.of(CustomerValue, [*(array.field for array in arrays), *constants])
    with transaction.atomic(), bulk.rewrite(table) as target:
        bulk.write_arrays(CustomerValue, target, arrays, constants)
