"""Customer lifetime value: BG/NBD purchase counts, Gamma-Gamma spend, discounted CLV.

The models are those of Fader, Hardie & Lee: "Counting your customers the easy way: an
alternative to the Pareto/NBD model" (Marketing Science 24(2), 2005) for BG/NBD, and "RFM and CLV:
using iso-value curves for customer base analysis" (Journal of Marketing Research 42(4), 2005) for
Gamma-Gamma. Inputs are the usual per-customer summary: ``frequency`` (repeat purchases, x),
``recency`` (age at the last purchase, t_x), ``T`` (age at the end of the observation) in one
time unit, and ``monetary_value`` (average spend of the repeat purchases).

Fitting maximises the log-likelihood with L-BFGS-B on the logarithms of the parameters, with the
analytic gradient. Customers with the same sufficient statistics are fitted once with a weight
(``summary_weights``), which at a million customers leaves a few ten thousand distinct rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

from guanxi.insights.kernels.inputs import FloatArray, IntArray, floats

START = 0.1  # every parameter starts here (on the log scale: -2.3); the likelihoods are well behaved
WEEKS_PER_MONTH = 4.345  # 365.25 / 12 / 7: lifetime value is discounted month by month
LOG_BOUND = 15.0  # parameters stay within exp(-15) .. exp(15) (times and spends are scaled to about 10)


class NotFittedError(RuntimeError):
    """A prediction was asked of a model that has not been fitted."""


class FitError(RuntimeError):
    """The optimiser did not converge, or the data cannot identify the parameters."""


def _weights(weights: ArrayLike | None, size: int) -> FloatArray:
    if weights is None:
        return np.ones(size)
    array = floats(weights, "weights")
    if array.shape != (size,) or np.any(array < 0):
        raise ValueError("weights must be one non-negative number per customer")
    return array


def summary_weights(*columns: ArrayLike) -> tuple[list[FloatArray], FloatArray, NDArray[np.intp]]:
    """Collapse identical rows of the given columns.

    Returns
    -------
    unique : list of arrays
        The distinct rows, column by column.
    counts : array
        How many customers share each distinct row (the fitting weight).
    inverse : array
        For every input row, the index of its distinct row (to spread predictions back).
    """
    values = [np.asarray(column, dtype=np.float64) for column in columns]
    # Each column's distinct values get codes; the codes combine into one integer per row, so a
    # single 1-D unique finds the distinct rows (np.unique(axis=0) sorts rows lexically: 10x slower).
    distinct, codes = zip(*(_codes(v) for v in values), strict=True)
    sizes = [max(len(d), 1) for d in distinct]
    if float(np.prod(np.array(sizes, dtype=np.float64))) >= 2**62:
        stacked = np.column_stack(values)
        unique, inverse, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
        return [unique[:, i] for i in range(unique.shape[1])], counts.astype(np.float64), inverse.reshape(-1)
    key = np.zeros(values[0].size if values else 0, dtype=np.int64)
    for code, size in zip(codes, sizes, strict=True):
        key = key * size + code.reshape(-1)
    _keys, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return [v[first] for v in values], counts.astype(np.float64), inverse.reshape(-1)


SMALL_INTEGER_RANGE = 1 << 22


def _codes(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values and each value's position among them (``np.unique`` with ``return_inverse``).

    Whole numbers within a small range (purchase counts, ages in days) are coded by offset, without
    sorting: a million rows in milliseconds instead of a sort.
    """
    if values.size:
        low, high = float(values.min()), float(values.max())
        if high - low < SMALL_INTEGER_RANGE and np.all(values == np.floor(values)):
            offset = (values - low).astype(np.int64)
            present = np.bincount(offset, minlength=int(high - low) + 1) > 0
            rank = (np.cumsum(present) - 1).astype(np.int64)
            return (np.flatnonzero(present) + low).astype(np.float64), rank[offset]
    distinct, inverse = np.unique(values, return_inverse=True)
    return distinct.astype(np.float64), inverse.reshape(-1).astype(np.int64)


def _minimise(objective: Any, size: int) -> FloatArray:
    """Minimise over the logarithms of the parameters, each kept within exp(+-LOG_BOUND)."""

    def quiet(log_theta: FloatArray) -> tuple[float, FloatArray]:
        with np.errstate(all="ignore"):  # overflow on a trial step is answered with inf, not a warning
            value, gradient = objective(log_theta)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return np.inf, np.zeros(size)
        return value, gradient

    start = np.full(size, np.log(START))
    result = minimize(
        quiet,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(-LOG_BOUND, LOG_BOUND)] * size,
        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000},  # parameters to ~1e-5, not just the likelihood
    )
    unidentified = "the data may not identify the parameters (too few customers, or no variation in purchases or spend)"
    # Tight tolerances can end in a failed line search right at the optimum: accept a flat gradient.
    flat = np.all(np.isfinite(result.jac)) and float(np.max(np.abs(result.jac))) < 1e-5
    if not (result.success or flat) or not np.all(np.isfinite(result.x)):
        raise FitError(f"the fit did not converge ({result.message}); {unidentified}")
    if np.any(np.abs(result.x) >= LOG_BOUND - 1e-3):
        raise FitError(f"a parameter ran off to its limit; {unidentified}")
    params: FloatArray = np.exp(result.x)
    return params


def _maximise(summed: Any, total: float, penalizer: float, size: int) -> FloatArray:
    """Maximum of a weighted log-likelihood ``summed(theta) -> (value, gradient)``, as the mean per customer.

    The optimiser works on log(theta) (every parameter positive), with an optional L2 penalty.
    """

    def objective(log_theta: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(log_theta)
        ll, grad = summed(theta)
        value = -ll / total + penalizer * float(theta @ theta)
        gradient = -grad / total + 2 * penalizer * theta
        return float(value), gradient * theta

    return _minimise(objective, size)


P = TypeVar("P")


def _fitted_params(model: Any, kind: type[P]) -> P:
    params = getattr(model, "params_", None)
    if not isinstance(params, kind):
        raise NotFittedError("fit the model first")
    return params


# --- BG/NBD ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BetaGeoParams:
    """Fitted BG/NBD parameters: purchase rate ~ Gamma(r, alpha), drop-out probability ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


def bgnbd_log_likelihood(
    params: BetaGeoParams, frequency: FloatArray, recency: FloatArray, T: FloatArray
) -> FloatArray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, equation 6)."""
    return _bgnbd_terms(np.array([params.r, params.alpha, params.a, params.b]), frequency, recency, T)[0]


def _bgnbd_terms(theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Log-likelihood per customer and its gradient (rows: r, alpha, a, b) in the natural parameters."""
    r, alpha, a, b = theta
    repeat = x > 0
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    b_x1 = np.where(repeat, b + x - 1, 1.0)  # b + x - 1 only where x > 0
    a4 = np.where(repeat, np.log(a) - np.log(b_x1) - (r + x) * np.log(alpha + t_x), -np.inf)
    tail = np.logaddexp(a3, a4)
    w = np.exp(a4 - tail)  # share of the "died after the last purchase" term
    grad = np.empty((4, x.size))
    grad[0] = digamma(r + x) - digamma(r) + np.log(alpha) - (1 - w) * np.log(alpha + T) - w * np.log(alpha + t_x)
    grad[1] = r / alpha - (r + x) * ((1 - w) / (alpha + T) + w / (alpha + t_x))
    grad[2] = digamma(a + b) - digamma(a + b + x) + w / a
    grad[3] = digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w / b_x1
    return a1 + a2 + tail, grad


class _BgnbdSum:
    """The weighted sum of ``_bgnbd_terms`` and its gradient, fast at a million customers.

    Everything that depends on the purchase count alone (the gamma-function terms) is computed
    once per distinct count and summed with the counts' total weights; logarithms of alpha + T
    and alpha + t_x once per distinct time. Only the "still alive / dropped out" mixture is
    evaluated per row. Same value and gradient as summing ``_bgnbd_terms`` (tested).
    """

    def __init__(self, x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray) -> None:
        self.ux, ix = np.unique(x, return_inverse=True)
        self.uT, self.iT = np.unique(T, return_inverse=True)
        self.ut, it = np.unique(t_x, return_inverse=True)
        self.w_x = np.bincount(ix, weights=w, minlength=self.ux.size)  # total weight per distinct count
        self.total = float(w.sum())
        self.x, self.w = x, w
        # Only repeat buyers have the "dropped out after the last purchase" term.
        self.rows = np.flatnonzero(x > 0)
        self.x_rep, self.w_rep, self.it_rep = x[self.rows], w[self.rows], it[self.rows]

    def __call__(self, theta: FloatArray) -> tuple[float, FloatArray]:
        r, alpha, a, b = theta
        ux, w_x, rows, x_rep = self.ux, self.w_x, self.rows, self.x_rep
        log_t = np.log(alpha + self.uT)[self.iT]
        tail = -(r + self.x) * log_t  # still active at T
        log_tx = np.log(alpha + self.ut)[self.it_rep]
        dropped = np.log(a) - np.log(b + x_rep - 1) - (r + x_rep) * log_tx
        # log(e^alive + e^dropped) and the share of "dropped out" from one exp: with d = dropped - alive,
        # e = exp(-|d|): log-sum = alive + max(d, 0) + log1p(e), share = sigmoid(d).
        diff = dropped - tail[rows]
        e = np.exp(-np.abs(diff))
        tail[rows] += np.maximum(diff, 0.0) + np.log1p(e)
        share = np.where(diff >= 0, 1.0, e) / (1.0 + e)
        ws = self.w_rep * share  # weight times the share of "dropped out", repeat rows
        wns = self.w.copy()
        wns[rows] -= ws  # weight times the share of "still active"
        per_count = gammaln(r + ux) - gammaln(r) + gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux)
        value = float(w_x @ per_count) + self.total * r * np.log(alpha) + float(self.w @ tail)
        grad = np.empty(4)
        grad[0] = float(w_x @ (digamma(r + ux) - digamma(r))) + self.total * np.log(alpha) - wns @ log_t - ws @ log_tx
        grad[1] = (
            self.total * r / alpha
            - wns @ ((r + self.x) / (alpha + self.uT)[self.iT])
            - ws @ ((r + x_rep) / (alpha + self.ut)[self.it_rep])
        )
        grad[2] = float(w_x @ (digamma(a + b) - digamma(a + b + ux))) + ws.sum() / a
        grad[3] = float(w_x @ (digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux))) - ws @ (
            1.0 / (b + x_rep - 1)
        )
        return value, grad


class _GammaGammaSum:
    """The weighted sum of ``_gamma_gamma_terms`` and its gradient; count terms once per distinct count."""

    def __init__(self, x: FloatArray, m: FloatArray, w: FloatArray) -> None:
        self.ux, ix = np.unique(x, return_inverse=True)
        self.w_x = np.bincount(ix, weights=w, minlength=self.ux.size)
        self.x, self.m, self.w = x, m, w
        self.mx = m * x
        self.total = float(w.sum())
        # parts that do not depend on the parameters
        self.w_log_m = float(w @ np.log(m))
        self.wx_log_mx = float((w * x) @ (np.log(m) + np.log(x)))
        self.wx = w * x

    def __call__(self, theta: FloatArray) -> tuple[float, FloatArray]:
        p, q, v = theta
        ux, w_x = self.ux, self.w_x
        log_vmx = np.log(v + self.mx)
        per_count = gammaln(p * ux + q) - gammaln(p * ux) - gammaln(q)
        value = (
            float(w_x @ per_count)
            + self.total * q * np.log(v)
            + p * self.wx_log_mx
            - self.w_log_m
            - float(((p * self.x + q) * self.w) @ log_vmx)
        )
        grad = np.empty(3)
        grad[0] = (
            float((w_x * ux) @ (digamma(p * ux + q) - digamma(p * ux))) + self.wx_log_mx - float(self.wx @ log_vmx)
        )
        grad[1] = float(w_x @ (digamma(p * ux + q) - digamma(q))) + self.total * np.log(v) - float(self.w @ log_vmx)
        grad[2] = self.total * q / v - float(((p * self.x + q) * self.w) @ (1.0 / (v + self.mx)))
        return value, grad


class BetaGeoModel:
    """BG/NBD: how many purchases a customer will make, and whether they are still "alive".

    Parameters
    ----------
    penalizer : float
        L2 penalty on the parameters (0: plain maximum likelihood, as in the paper).
    """

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, weights: ArrayLike | None = None
    ) -> BetaGeoModel:
        """Maximum-likelihood fit; ``weights`` counts customers sharing a row (see ``summary_weights``).

        Raises
        ------
        ValueError
            If the summary is inconsistent (negative values, recency after T, purchases without recency).
        FitError
            If the optimiser does not converge.
        """
        x, t_x, age = floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T")
        if not x.shape == t_x.shape == age.shape:
            raise ValueError("frequency, recency and T must have one value per customer")
        if x.size == 0:
            raise ValueError("no customers to fit")
        if np.any(x < 0) or np.any(t_x < 0) or np.any(age <= 0) or np.any(t_x > age):
            raise ValueError("need frequency >= 0, 0 <= recency <= T and T > 0")
        if np.any(x != np.round(x)):
            raise ValueError("frequency counts repeat purchases: whole numbers only")
        if np.any((x > 0) & (t_x <= 0)):
            raise ValueError("a customer with repeat purchases needs recency > 0")
        w = _weights(weights, x.size)
        total = w.sum()
        if total <= 0:
            raise ValueError("the weights add up to zero")
        scale = 10.0 / age.max()  # times of order 10 keep alpha of order 1 for the optimiser
        t_x_s, age_s = t_x * scale, age * scale

        r, alpha, a, b = _maximise(_BgnbdSum(x, t_x_s, age_s, w), total, self.penalizer, 4)
        self.params_ = BetaGeoParams(r=float(r), alpha=float(alpha / scale), a=float(a), b=float(b))
        self.log_likelihood_ = float(w @ bgnbd_log_likelihood(self.params_, x, t_x, age))
        return self

    def _fitted(self) -> BetaGeoParams:
        return _fitted_params(self, BetaGeoParams)

    def expected_purchases(self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """Expected purchases in the next ``t`` time units given the history (paper, equation 10)."""
        p = self._fitted()
        x, t_x, age = floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T")
        z = t / (p.alpha + age + t)
        first = (p.a + p.b + x - 1) / (p.a - 1)
        hyp = hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1, z)
        second = 1 - hyp * ((p.alpha + age) / (p.alpha + age + t)) ** (p.r + x)
        repeat = x > 0
        b_x1 = np.where(repeat, p.b + x - 1, 1.0)
        odds = np.where(repeat, (p.a / b_x1) * ((p.alpha + age) / (p.alpha + t_x)) ** (p.r + x), 0.0)
        result: FloatArray = first * second / (1 + odds)
        return result

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
        """P(the customer is still active at T | history) (Fader, Hardie & Lee 2005, appendix)."""
        p = self._fitted()
        x, t_x, age = floats(frequency, "frequency"), floats(recency, "recency"), floats(T, "T")
        log_odds = (p.r + x) * np.log((p.alpha + age) / (p.alpha + t_x)) + np.log(p.a / (p.b + np.maximum(x, 1) - 1))
        result: FloatArray = np.where(x == 0, 1.0, expit(-log_odds))
        return result


# --- Gamma-Gamma ----------------------------------------------------------------------------


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters: spend per transaction ~ Gamma(p, nu), nu ~ Gamma(q, gamma)."""

    p: float
    q: float
    gamma: float


def _gamma_gamma_terms(theta: FloatArray, x: FloatArray, m: FloatArray) -> tuple[FloatArray, FloatArray]:
    p, q, v = theta
    px = p * x
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + m * x)
    )
    grad = np.empty((3, x.size))
    grad[0] = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - np.log(v + m * x))
    grad[1] = digamma(px + q) - digamma(q) + np.log(v) - np.log(v + m * x)
    grad[2] = q / v - (px + q) / (v + m * x)
    return ll, grad


class GammaGammaModel:
    """Gamma-Gamma: the average spend of a customer's future purchases, from those already made.

    Fitted on customers with at least one repeat purchase; assumes spend and frequency independent.
    """

    def __init__(self, penalizer: float = 0.0) -> None:
        self.penalizer = penalizer

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, *, weights: ArrayLike | None = None
    ) -> GammaGammaModel:
        """Maximum-likelihood fit over the customers with ``frequency`` > 0 (others are ignored).

        Raises
        ------
        ValueError
            If a repeat customer has a spend of zero or less, or no customer has repeat purchases.
        FitError
            If the optimiser does not converge.
        """
        x, m = floats(frequency, "frequency"), floats(monetary_value, "monetary_value")
        if x.shape != m.shape:
            raise ValueError("frequency and monetary_value must have one value per customer")
        w = _weights(weights, x.size)
        repeat = x > 0
        if not np.any(repeat & (w > 0)):
            raise ValueError("no customer with repeat purchases to fit the spend on")
        if np.any(m[repeat] <= 0):
            raise ValueError("repeat customers need an average spend above zero")
        x, m, w = x[repeat], m[repeat], w[repeat]
        total = w.sum()
        scale = 10.0 / m.max()  # spends of order 10 keep gamma of order 1 for the optimiser
        m_s = m * scale

        p, q, v = _maximise(_GammaGammaSum(x, m_s, w), total, self.penalizer, 3)
        if q <= 1:
            raise FitError("q <= 1: the population's mean spend is not defined for these data")
        self.params_ = GammaGammaParams(p=float(p), q=float(q), gamma=float(v / scale))
        return self

    def _fitted(self) -> GammaGammaParams:
        return _fitted_params(self, GammaGammaParams)

    def expected_average_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> FloatArray:
        """E(spend per purchase | history): a weighted mean of the population's and the customer's own.

        Customers without repeat purchases get the population mean p * gamma / (q - 1).
        """
        g = self._fitted()
        x, m = floats(frequency, "frequency"), floats(monetary_value, "monetary_value")
        population = g.p * g.gamma / (g.q - 1)
        own = (g.gamma + m * x) * g.p / (g.p * x + g.q - 1)
        result: FloatArray = np.where(x > 0, own, population)
        return result


# --- CLV ---------------------------------------------------------------------------------------


def lifetime_value(
    purchases: BetaGeoModel,
    spend: GammaGammaModel | ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: float,
    period: float,
    discount_rate: float,
    margin: float = 1.0,
) -> FloatArray:
    """Discounted value of the purchases expected over ``horizon`` (the time unit of the summary).

    The horizon is cut into periods of length ``period``; the purchases expected in period i are
    valued at the expected average spend times ``margin`` and discounted by (1 + discount_rate)^i.
    ``spend`` is a fitted Gamma-Gamma model, or the spend per purchase of each customer.
    """
    if horizon <= 0 or period <= 0:
        raise ValueError("horizon and period must be positive")
    if discount_rate < 0:
        raise ValueError("discount_rate must be zero or more")
    if isinstance(spend, GammaGammaModel):
        spend_per_purchase = spend.expected_average_spend(frequency, monetary_value) * margin
    else:
        spend_per_purchase = floats(spend, "spend") * margin
    value = np.zeros_like(spend_per_purchase)
    previous = np.zeros_like(spend_per_purchase)
    steps = int(np.ceil(horizon / period - 1e-9))
    for i in range(1, steps + 1):
        cumulative = purchases.expected_purchases(min(i * period, horizon), frequency, recency, T)
        value += (cumulative - previous) * spend_per_purchase / (1 + discount_rate) ** i
        previous = cumulative
    return value
