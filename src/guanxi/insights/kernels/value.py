"""Customer value: RFM scores, purchase trend, the Pareto (whale) curve of profit, value classes.

Pure numpy functions over per-customer arrays (one position per customer, the same order in every
argument). Profit is always *after* cost to serve: the caller subtracts it before.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

from guanxi.insights.kernels.inputs import FloatArray, IntArray, floats

# --- RFM -----------------------------------------------------------------------------------


def quantile_scores(
    values: ArrayLike, *, bins: int = 5, higher_is_better: bool = True, rated: ArrayLike | None = None
) -> IntArray:
    """Score ``values`` 1..``bins`` by quantile among the ``rated`` customers (0 for the others).

    Ties get the same score (mid-rank percentiles), so a score never depends on row order, and
    a better value never scores lower.

    Parameters
    ----------
    values : array
        One value per customer.
    bins : int
        Number of scores (5 gives the classic 1..5).
    higher_is_better : bool
        False for recency in days (the most recent buyers score highest).
    rated : bool array, optional
        Who is scored; by default everyone.
    """
    if bins < 2:
        raise ValueError("bins must be 2 or more")
    array = floats(values, "values")
    mask = np.ones(array.size, dtype=bool) if rated is None else np.asarray(rated, dtype=bool)
    if mask.shape != array.shape:
        raise ValueError("rated must have one flag per customer")
    scores = np.zeros(array.size, dtype=np.int64)
    chosen = array[mask] if higher_is_better else -array[mask]
    if chosen.size:
        percentile = (rankdata(chosen, method="average") - 0.5) / chosen.size
        scores[mask] = np.clip(np.ceil(percentile * bins), 1, bins).astype(np.int64)
    return scores


def edge_scores(values: ArrayLike, edges: ArrayLike, *, higher_is_better: bool = True) -> IntArray:
    """Score by fixed thresholds set by a manager: ``edges`` (ascending) cut the values into len(edges)+1 scores.

    With ``higher_is_better`` a value at or above the last edge scores highest; otherwise the
    lowest values score highest (recency).
    """
    array = floats(values, "values")
    cuts = floats(edges, "edges")
    if cuts.size == 0 or np.any(np.diff(cuts) <= 0):
        raise ValueError("edges must be strictly ascending and not empty")
    position = np.searchsorted(cuts, array, side="right")  # 0 .. len(edges)
    scores = position + 1 if higher_is_better else cuts.size + 1 - np.searchsorted(cuts, array, side="left")
    return scores.astype(np.int64)


@dataclass(frozen=True)
class RfmScores:
    recency: IntArray
    frequency: IntArray
    monetary: IntArray

    @property
    def code(self) -> IntArray:
        """The three scores as one number (R*100 + F*10 + M), 0 for customers without purchases."""
        code: IntArray = self.recency * 100 + self.frequency * 10 + self.monetary
        return code


def rfm_scores(
    recency_days: ArrayLike, frequency: ArrayLike, monetary: ArrayLike, *, bins: int = 5, rated: ArrayLike | None = None
) -> RfmScores:
    """Quantile RFM scores among the ``rated`` customers (default: frequency > 0); the others score 0.

    Recency is the number of days since the last purchase (fewer is better), frequency the
    number of purchases, monetary the revenue or profit of the period. Rate everyone who ever
    bought to give a lapsed customer (no purchase in the period) the low scores they earned.
    """
    days, count, money = (
        floats(recency_days, "recency_days"),
        floats(frequency, "frequency"),
        floats(monetary, "monetary"),
    )
    if not days.shape == count.shape == money.shape:
        raise ValueError("recency, frequency and monetary must have one value per customer")
    buyers = count > 0 if rated is None else np.asarray(rated, dtype=bool)
    return RfmScores(
        recency=quantile_scores(days, bins=bins, higher_is_better=False, rated=buyers),
        frequency=quantile_scores(count, bins=bins, rated=buyers),
        monetary=quantile_scores(money, bins=bins, rated=buyers),
    )


@dataclass(frozen=True)
class PurchaseTrend:
    incremental_spend: FloatArray  # current - previous period
    spend_growth: FloatArray  # (current - previous) / previous; NaN where nothing was bought before
    purchase_rate_change: FloatArray  # purchases per period, current - previous


def purchase_trend(
    previous_spend: ArrayLike, current_spend: ArrayLike, previous_purchases: ArrayLike, current_purchases: ArrayLike
) -> PurchaseTrend:
    """Incremental spend and purchase rate between two periods of equal length (VAL-2)."""
    before, now = floats(previous_spend, "previous_spend"), floats(current_spend, "current_spend")
    bought_before, bought_now = (
        floats(previous_purchases, "previous_purchases"),
        floats(current_purchases, "current_purchases"),
    )
    growth = np.full(before.size, np.nan)
    np.divide(now - before, before, out=growth, where=before > 0)
    return PurchaseTrend(
        incremental_spend=now - before, spend_growth=growth, purchase_rate_change=bought_now - bought_before
    )


# --- Pareto --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParetoCurve:
    """Customers from the most to the least profitable, and how profit accumulates over them.

    With loss-making customers the curve rises above 100 % and falls back to 100 % at the end
    (the "whale curve"): ``peak_share`` is how much more profit there would be without them.
    """

    order: NDArray[np.intp]  # customer positions, most profitable first
    cumulative_share: FloatArray  # cumulative profit / total profit after each customer
    total_profit: float
    target: float
    customers_for_target: int  # fewest top customers whose profit reaches target x total
    peak_customers: int  # customers up to the top of the whale curve (profit > 0)
    peak_share: float
    destroyers: int  # customers with a loss

    @property
    def customer_share_for_target(self) -> float:
        return self.customers_for_target / self.order.size if self.order.size else 0.0


def pareto_curve(profit: ArrayLike, *, target: float = 0.8) -> ParetoCurve:
    """The cumulative profit curve over customers and the share of customers that makes ``target`` of it.

    Raises
    ------
    ValueError
        If ``target`` is not in (0, 1], or the total profit is not positive (then no share of
        customers "makes" it, and the curve's shares are meaningless).
    """
    if not 0 < target <= 1:
        raise ValueError("target must be in (0, 1]")
    values = floats(profit, "profit")
    total = float(values.sum())
    if values.size == 0 or total <= 0:
        raise ValueError("the customers' total profit must be positive for a Pareto curve")
    order = np.argsort(-values, kind="stable")
    cumulative = np.cumsum(values[order]) / total
    reached = int(np.searchsorted(cumulative, target - 1e-12, side="left")) + 1
    gainers = int(np.count_nonzero(values > 0))
    return ParetoCurve(
        order=order,
        cumulative_share=cumulative,
        total_profit=total,
        target=target,
        customers_for_target=min(reached, values.size),
        peak_customers=gainers,
        peak_share=float(cumulative[gainers - 1]) if gainers else 0.0,
        destroyers=int(np.count_nonzero(values < 0)),
    )


# --- value classes ---------------------------------------------------------------------------


class ValueClass(IntEnum):
    OTHER = 0
    MOST_VALUABLE = 1
    MOST_GROWABLE = 2
    NEGATIVE = 3


@dataclass(frozen=True)
class ValueClassRule:
    """The rule behind the three classes (shown on screen with its numbers).

    * negative value: current profit + predicted future profit < 0 — the customer costs more
      to serve than they will bring;
    * most valuable: the most profitable customers that together make ``valuable_profit_share``
      of the positive current profit (the Pareto head);
    * most growable: of the rest, those whose predicted future profit exceeds their current
      profit the most — the top ``growable_share`` of them with a positive gap.
    """

    valuable_profit_share: float = 0.8
    growable_share: float = 0.2


def value_classes(current_profit: ArrayLike, future_profit: ArrayLike, rule: ValueClassRule | None = None) -> IntArray:
    """One ``ValueClass`` per customer, by ``rule`` (VAL-4)."""
    rule = rule or ValueClassRule()
    if not 0 < rule.valuable_profit_share <= 1 or not 0 <= rule.growable_share <= 1:
        raise ValueError("valuable_profit_share must be in (0, 1] and growable_share in [0, 1]")
    now, later = floats(current_profit, "current_profit"), floats(future_profit, "future_profit")
    if now.shape != later.shape:
        raise ValueError("current and future profit must have one value per customer")
    classes = np.full(now.size, ValueClass.OTHER, dtype=np.int64)
    negative = now + later < 0
    classes[negative] = ValueClass.NEGATIVE
    positive = np.where(~negative & (now > 0))[0]
    if positive.size:
        ranked = positive[np.argsort(-now[positive], kind="stable")]
        cumulative = np.cumsum(now[ranked]) / now[ranked].sum()
        head = int(np.searchsorted(cumulative, rule.valuable_profit_share - 1e-12, side="left")) + 1
        classes[ranked[:head]] = ValueClass.MOST_VALUABLE
    gap = later - now
    candidates = np.where((classes == ValueClass.OTHER) & (gap > 0))[0]
    growable = int(np.floor(candidates.size * rule.growable_share))
    if growable:
        best = candidates[np.argsort(-gap[candidates], kind="stable")[:growable]]
        classes[best] = ValueClass.MOST_GROWABLE
    return classes
