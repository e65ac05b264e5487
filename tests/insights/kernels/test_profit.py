"""Profit after cost to serve: the "big but costly" customer earns less than the quiet one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.insights.kernels.profit import CostRates, ServiceLoad, profit_breakdown

CHANNELS = ("phone", "sms", "email", "meeting", "wechat", "web", "other")

RATES = CostRates(
    per_interaction=(10, 1, 1, 300, 2, 0, 5),
    per_visit_hour=200,
    per_ticket=100,
    per_return=50,
    late_payment_rate_per_day=0.001,
)


def _load(size: int, **columns: list[float]) -> ServiceLoad:
    interactions = np.zeros((size, len(CHANNELS)))
    for i, channel in enumerate(CHANNELS):
        if channel in columns:
            interactions[:, i] = columns.pop(channel)
    zeros = [0.0] * size
    return ServiceLoad(
        interactions=interactions,
        visit_hours=np.array(columns.pop("visit_hours", zeros), dtype=float),
        tickets=np.array(columns.pop("tickets", zeros), dtype=float),
        returns=np.array(columns.pop("returns", zeros), dtype=float),
        overdue_amount_days=np.array(columns.pop("overdue_amount_days", zeros), dtype=float),
    )


def test_a_big_customer_with_a_high_cost_to_serve_makes_less_profit_than_a_quiet_one() -> None:
    # customer 0: big revenue, thin margin, many meetings, visits, tickets and late payment
    # customer 1: a tenth of the revenue, full margin, served by phone
    load = _load(
        2,
        phone=[40, 6],
        meeting=[12, 0],
        visit_hours=[30, 0],
        tickets=[9, 1],
        returns=[3, 0],
        overdue_amount_days=[2_000_000, 0],
    )
    result = profit_breakdown([100_000, 10_000], [88_000, 6_000], [15_000, 0], load, RATES)
    assert result.gross_margin.tolist() == [12_000, 4_000]
    assert result.interaction_cost.tolist() == [40 * 10 + 12 * 300, 60]
    assert result.visit_cost.tolist() == [6_000, 0]
    assert result.ticket_cost.tolist() == [900, 100]
    assert result.return_cost.tolist() == [150, 0]
    assert result.financing_cost.tolist() == [2_000, 0]
    assert result.cost_to_serve.tolist() == [13_050, 160]
    assert result.profit.tolist() == [-1_050, 3_840]
    assert result.margin[0] == pytest.approx(-0.0105)
    assert result.margin[1] == pytest.approx(0.384)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.floats(0, 1e6), st.floats(0, 1e6), st.integers(0, 50), st.floats(0, 100), st.integers(0, 20)),
        min_size=1,
        max_size=30,
    )
)
def test_components_add_up_to_the_profit(rows: list[tuple[float, float, int, float, int]]) -> None:
    revenue, cost, calls, hours, tickets = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    load = _load(len(rows), phone=list(calls), visit_hours=list(hours), tickets=list(tickets))
    result = profit_breakdown(revenue, cost, np.zeros(len(rows)), load, RATES)
    parts = (
        result.interaction_cost + result.visit_cost + result.ticket_cost + result.return_cost + result.financing_cost
    )
    np.testing.assert_allclose(result.cost_to_serve, parts)
    np.testing.assert_allclose(result.profit, revenue - cost - parts)
    assert np.all(np.isnan(result.margin[revenue == 0]))


def test_bad_rates_and_shapes_are_refused() -> None:
    load = _load(1)
    with pytest.raises(ValueError, match="one cost per channel"):
        profit_breakdown([1], [0], [0], load, CostRates(per_interaction=(1.0,)))
    with pytest.raises(ValueError, match=">= 0"):
        profit_breakdown([1], [0], [0], load, CostRates(per_interaction=RATES.per_interaction, per_ticket=-5))
    with pytest.raises(ValueError, match="customers x channels"):
        profit_breakdown([1, 2], [0, 0], [0, 0], load, RATES)
    with pytest.raises(ValueError, match="one value per customer"):
        profit_breakdown([1], [0, 0], [0], load, RATES)
    with pytest.raises(ValueError, match=">= 0"):
        profit_breakdown([1], [0], [0], _load(1, tickets=[-1]), RATES)
