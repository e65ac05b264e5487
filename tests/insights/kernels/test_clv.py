"""BG/NBD and Gamma-Gamma: the published CDNOW estimates, the reference implementation, the maths."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.insights.kernels.clv import (
    BetaGeoModel,
    BetaGeoParams,
    GammaGammaModel,
    NotFittedError,
    _bgnbd_terms,
    _gamma_gamma_terms,
    bgnbd_log_likelihood,
    lifetime_value,
    summary_weights,
)

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"
# Fader, Hardie & Lee (2005): BG/NBD on the CDNOW cohort (2,357 customers, 39 weeks), and the
# Gamma-Gamma spend model on its repeat buyers.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def _cdnow() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    with CDNOW.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    columns = ("frequency", "recency", "T", "monetary_value")
    x, t_x, age, m = (np.array([float(row[c]) for row in rows]) for c in columns)
    return x, t_x, age, m


def test_cdnow_bgnbd_parameters_match_the_published_estimates_within_one_percent() -> None:
    x, t_x, age, _m = _cdnow()
    assert x.size == 2357
    params = BetaGeoModel().fit(x, t_x, age).params_
    for name, published in PUBLISHED_BGNBD.items():
        assert getattr(params, name) == pytest.approx(published, rel=0.01), name


def test_cdnow_gamma_gamma_parameters_match_the_published_estimates_within_one_percent() -> None:
    x, _t_x, _age, m = _cdnow()
    params = GammaGammaModel().fit(x, m).params_
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert getattr(params, name) == pytest.approx(published, rel=0.01), name


def test_predictions_agree_with_the_lifetimes_reference_implementation() -> None:
    lifetimes = pytest.importorskip("lifetimes")
    x, t_x, age, m = _cdnow()
    ours_bg, ours_gg = BetaGeoModel().fit(x, t_x, age), GammaGammaModel().fit(x, m)
    ref_bg = lifetimes.BetaGeoFitter().fit(x, t_x, age)
    repeat = x > 0
    ref_gg = lifetimes.GammaGammaFitter().fit(x[repeat], m[repeat])
    for name, value in ref_bg.params_.items():
        assert getattr(ours_bg.params_, name) == pytest.approx(value, rel=1e-3), name
    for ours, theirs in zip((ours_gg.params_.p, ours_gg.params_.q, ours_gg.params_.gamma), ref_gg.params_, strict=True):
        assert ours == pytest.approx(theirs, rel=1e-3)
    expected = ref_bg.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, age)
    np.testing.assert_allclose(ours_bg.expected_purchases(39, x, t_x, age), expected, rtol=2e-3, atol=1e-4)
    alive = ref_bg.conditional_probability_alive(x, t_x, age)
    np.testing.assert_allclose(ours_bg.probability_alive(x, t_x, age), alive, rtol=1e-3, atol=1e-4)
    spend = ref_gg.conditional_expected_average_profit(x, m)
    np.testing.assert_allclose(ours_gg.expected_average_spend(x, m), spend, rtol=1e-3)
    import pandas as pd

    clv = ref_gg.customer_lifetime_value(
        ref_bg, pd.Series(x), pd.Series(t_x), pd.Series(age), pd.Series(m), time=12, discount_rate=0.01, freq="W"
    )
    ours = lifetime_value(ours_bg, ours_gg, x, t_x, age, m, horizon=12 * 4.345, period=4.345, discount_rate=0.01)
    np.testing.assert_allclose(ours, clv, rtol=2e-3, atol=1e-3)


def test_fitting_distinct_rows_with_weights_equals_fitting_every_customer() -> None:
    x, t_x, age, _m = _cdnow()
    (ux, ut, ua), weights, inverse = summary_weights(x, t_x, age)
    assert ux.size < x.size
    assert weights.sum() == x.size
    np.testing.assert_array_equal(ux[inverse], x)
    full = BetaGeoModel().fit(x, t_x, age).params_
    compact = BetaGeoModel().fit(ux, ut, ua, weights=weights).params_
    for name in ("r", "alpha", "a", "b"):
        assert getattr(compact, name) == pytest.approx(getattr(full, name), rel=1e-5)


def _simulate_bgnbd(n: int, params: BetaGeoParams, age: float, seed: int) -> tuple[np.ndarray, ...]:
    """Purchase histories drawn from the BG/NBD story itself (Poisson purchases, drop-out after each)."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(params.r, 1 / params.alpha, n)
    drop = rng.beta(params.a, params.b, n)
    x, t_x = np.zeros(n), np.zeros(n)
    for i in range(n):
        t = 0.0
        while True:
            t += rng.exponential(1 / rates[i])
            if t > age:
                break
            x[i] += 1
            t_x[i] = t
            if rng.random() < drop[i]:
                break
    return x, t_x, np.full(n, age)


def test_the_fit_recovers_the_parameters_of_simulated_customers() -> None:
    truth = BetaGeoParams(r=0.5, alpha=6.0, a=0.8, b=3.0)
    x, t_x, age = _simulate_bgnbd(20_000, truth, 52.0, seed=7)
    fitted = BetaGeoModel().fit(x, t_x, age).params_
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(truth, name), rel=0.15), name


@settings(max_examples=40, deadline=None)
@given(
    theta=st.tuples(*(st.floats(0.05, 20) for _ in range(4))),
    x=st.integers(0, 30),
    t_share=st.floats(0.01, 1.0),
    age=st.floats(0.5, 100),
)
def test_bgnbd_gradient_matches_finite_differences(
    theta: tuple[float, float, float, float], x: int, t_share: float, age: float
) -> None:
    point = np.array(theta)
    xs, ts, ages = np.array([float(x)]), np.array([age * t_share if x else 0.0]), np.array([age])
    _ll, grad = _bgnbd_terms(point, xs, ts, ages)
    for k in range(4):
        step = 1e-6 * point[k]
        up, down = point.copy(), point.copy()
        up[k] += step
        down[k] -= step
        numeric = (_bgnbd_terms(up, xs, ts, ages)[0] - _bgnbd_terms(down, xs, ts, ages)[0]) / (2 * step)
        assert grad[k, 0] == pytest.approx(numeric[0], rel=1e-4, abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(theta=st.tuples(*(st.floats(0.1, 30) for _ in range(3))), x=st.integers(1, 40), m=st.floats(0.5, 5000))
def test_gamma_gamma_gradient_matches_finite_differences(theta: tuple[float, float, float], x: int, m: float) -> None:
    point, xs, ms = np.array(theta), np.array([float(x)]), np.array([m])
    _ll, grad = _gamma_gamma_terms(point, xs, ms)
    for k in range(3):
        step = 1e-6 * point[k]
        up, down = point.copy(), point.copy()
        up[k] += step
        down[k] -= step
        numeric = (_gamma_gamma_terms(up, xs, ms)[0] - _gamma_gamma_terms(down, xs, ms)[0]) / (2 * step)
        assert grad[k, 0] == pytest.approx(numeric[0], rel=1e-4, abs=1e-6)


def test_log_likelihood_of_a_customer_without_repeat_purchases_has_the_closed_form() -> None:
    params = BetaGeoParams(r=0.3, alpha=5.0, a=0.9, b=2.0)
    age = 30.0
    ll = bgnbd_log_likelihood(params, np.array([0.0]), np.array([0.0]), np.array([age]))
    assert ll[0] == pytest.approx(params.r * np.log(params.alpha / (params.alpha + age)))


@settings(max_examples=30, deadline=None)
@given(x=st.integers(0, 20), t_share=st.floats(0.05, 1.0), horizon=st.floats(1, 104))
def test_predictions_stay_in_range(x: int, t_share: float, horizon: float) -> None:
    model = BetaGeoModel()
    model.params_ = BetaGeoParams(r=0.24, alpha=4.4, a=0.79, b=2.43)
    xs, ts, ages = np.array([float(x)]), np.array([39 * t_share if x else 0.0]), np.array([39.0])
    alive = model.probability_alive(xs, ts, ages)[0]
    assert 0.0 <= alive <= 1.0
    expected = model.expected_purchases(horizon, xs, ts, ages)[0]
    assert expected >= 0
    assert model.expected_purchases(horizon * 2, xs, ts, ages)[0] >= expected  # more time, more purchases


def test_a_recent_buyer_is_more_alive_and_worth_more_than_a_lapsed_one() -> None:
    x, t_x, age, m = _cdnow()
    bg, gg = BetaGeoModel().fit(x, t_x, age), GammaGammaModel().fit(x, m)
    same = np.array([5.0, 5.0]), np.array([38.0, 5.0]), np.array([39.0, 39.0]), np.array([30.0, 30.0])
    alive = bg.probability_alive(*same[:3])
    assert alive[0] > 0.8 > 0.2 > alive[1]
    value = lifetime_value(bg, gg, *same, horizon=52, period=4.345, discount_rate=0.01)
    assert value[0] > 3 * value[1]


def test_unfitted_models_and_bad_summaries_are_refused() -> None:
    with pytest.raises(NotFittedError):
        BetaGeoModel().probability_alive([1], [1], [2])
    with pytest.raises(NotFittedError):
        GammaGammaModel().expected_average_spend([1], [10])
    with pytest.raises(ValueError, match="recency"):
        BetaGeoModel().fit([1], [5], [3])  # bought after the end of the observation
    with pytest.raises(ValueError, match="whole numbers"):
        BetaGeoModel().fit([1.5], [1], [3])
    with pytest.raises(ValueError, match="missing or infinite"):
        BetaGeoModel().fit([1, np.nan], [1, 1], [3, 3])
    with pytest.raises(ValueError, match="spend above zero"):
        GammaGammaModel().fit([2], [0])
    with pytest.raises(ValueError, match="no customer with repeat"):
        GammaGammaModel().fit([0, 0], [0, 0])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), theta=st.tuples(*(st.floats(0.05, 10) for _ in range(4))))
def test_fast_sums_equal_the_row_by_row_likelihoods(seed: int, theta: tuple[float, float, float, float]) -> None:
    from guanxi.insights.kernels.clv import _BgnbdSum, _GammaGammaSum

    rng = np.random.default_rng(seed)
    n = 300
    age = rng.integers(1, 60, n).astype(float)
    x = rng.integers(0, 8, n).astype(float)
    t_x = np.where(x > 0, np.floor(age * rng.random(n)) + 1, 0.0)
    t_x = np.minimum(t_x, age)
    w = rng.integers(1, 5, n).astype(float)
    point = np.array(theta)
    ll, grad = _bgnbd_terms(point, x, t_x, age)
    value, gradient = _BgnbdSum(x, t_x, age, w)(point)
    assert value == pytest.approx(float(w @ ll), rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(gradient, grad @ w, rtol=1e-9, atol=1e-9)
    repeat = x > 0
    m = rng.uniform(1, 500, n)
    gg_point = point[:3]
    gg_ll, gg_grad = _gamma_gamma_terms(gg_point, x[repeat], m[repeat])
    gg_value, gg_gradient = _GammaGammaSum(x[repeat], m[repeat], w[repeat])(gg_point)
    assert gg_value == pytest.approx(float(w[repeat] @ gg_ll), rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(gg_gradient, gg_grad @ w[repeat], rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 40),
            st.one_of(st.integers(-3, 900), st.floats(-5, 5, allow_nan=False, width=32)),
            st.integers(0, 2_000_000),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_summary_weights_whole_numbers_coded_without_sorting_agree_with_unique(rows: list[tuple[float, ...]]) -> None:
    """Whole-number columns take the offset path, others np.unique: the same distinct rows either way."""
    columns = [np.array(column, dtype=np.float64) for column in zip(*rows, strict=True)]
    unique, weights, inverse = summary_weights(*columns)
    expected, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    got = np.column_stack(unique)
    order = np.lexsort(got.T[::-1])
    np.testing.assert_array_equal(got[order], expected)
    np.testing.assert_array_equal(weights[order], counts)
    for column, distinct in zip(columns, unique, strict=True):
        np.testing.assert_array_equal(distinct[inverse], column)
