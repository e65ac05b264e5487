"""Profit after cost to serve (VAL-1): what a customer really earns, and what it is made of.

"财神爷" customers with big revenue can eat the profit: deep discounts, many visits, tickets,
returns and late payment all cost money. Every component is returned on its own, so the 360°
page can explain the figure line by line.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from guanxi.insights.kernels.inputs import FloatArray, floats


@dataclass(frozen=True)
class CostRates:
    """Unit costs set by a manager, in the currency of the figures.

    ``per_interaction`` has one cost per column of ``ServiceLoad.interactions`` (the caller's
    channels, in the caller's order); ``late_payment_rate_per_day`` is the financing cost of
    money owed past its due date (e.g. 0.0002 = 7.3 % a year).
    """

    per_interaction: tuple[float, ...]
    per_visit_hour: float = 150.0
    per_ticket: float = 120.0
    per_return: float = 80.0
    late_payment_rate_per_day: float = 0.0002

    def check(self, channels: int) -> None:
        if len(self.per_interaction) != channels:
            raise ValueError(f"per_interaction needs one cost per channel ({channels})")
        numbers = [*self.per_interaction, self.per_visit_hour, self.per_ticket, self.per_return]
        if any(not np.isfinite(v) or v < 0 for v in [*numbers, self.late_payment_rate_per_day]):
            raise ValueError("unit costs must be numbers >= 0")


@dataclass(frozen=True)
class ServiceLoad:
    """What serving each customer took in the period (one value per customer in every array).

    ``interactions`` has one row per customer and one column per channel; ``overdue_amount_days``
    is the sum over late payments of amount x days late.
    """

    interactions: NDArray[np.float64]
    visit_hours: FloatArray
    tickets: FloatArray
    returns: FloatArray
    overdue_amount_days: FloatArray


@dataclass(frozen=True)
class ProfitBreakdown:
    """Per customer: revenue - product cost = gross margin; gross margin - cost to serve = profit.

    ``discount`` is what list prices would have brought on top of revenue; it is already missing
    from revenue, so it is shown, not subtracted again.
    """

    revenue: FloatArray
    product_cost: FloatArray
    gross_margin: FloatArray
    discount: FloatArray
    interaction_cost: FloatArray
    visit_cost: FloatArray
    ticket_cost: FloatArray
    return_cost: FloatArray
    financing_cost: FloatArray
    cost_to_serve: FloatArray
    profit: FloatArray
    margin: FloatArray  # profit / revenue; NaN without revenue


def profit_breakdown(
    revenue: ArrayLike, product_cost: ArrayLike, discount: ArrayLike, load: ServiceLoad, rates: CostRates
) -> ProfitBreakdown:
    """Profit after cost to serve, with every component (Kaplan's customer profitability)."""
    sales, cost, given = floats(revenue, "revenue"), floats(product_cost, "product_cost"), floats(discount, "discount")
    size = sales.size
    interactions = np.asarray(load.interactions, dtype=np.float64)
    if interactions.ndim != 2 or interactions.shape[0] != size:
        raise ValueError("interactions must be customers x channels")
    rates.check(interactions.shape[1])
    parts = [floats(getattr(load, f.name), f.name) for f in fields(load) if f.name != "interactions"]
    if cost.size != size or given.size != size or any(part.size != size for part in parts):
        raise ValueError("every figure needs one value per customer")
    if np.any(interactions < 0) or any(np.any(part < 0) for part in parts):
        raise ValueError("service counts must be >= 0")
    visit_hours, tickets, returns, overdue = parts
    interaction_cost = interactions @ np.asarray(rates.per_interaction, dtype=np.float64)
    visit_cost = visit_hours * rates.per_visit_hour
    ticket_cost = tickets * rates.per_ticket
    return_cost = returns * rates.per_return
    financing_cost = overdue * rates.late_payment_rate_per_day
    to_serve = interaction_cost + visit_cost + ticket_cost + return_cost + financing_cost
    gross = sales - cost
    profit = gross - to_serve
    margin = np.full(size, np.nan)
    with np.errstate(over="ignore"):  # revenue of a fraction of a cent: a huge margin, not a warning
        np.divide(profit, sales, out=margin, where=sales > 0)
    return ProfitBreakdown(
        revenue=sales,
        product_cost=cost,
        gross_margin=gross,
        discount=given,
        interaction_cost=interaction_cost,
        visit_cost=visit_cost,
        ticket_cost=ticket_cost,
        return_cost=return_cost,
        financing_cost=financing_cost,
        cost_to_serve=to_serve,
        profit=profit,
        margin=margin,
    )
