"""Lifetime value for analysts, on a file: ``guanxi insights clv --summary FILE.csv``.

The file is a per-customer summary in the usual column convention (CDNOW, ``lifetimes``):
``customer_id, frequency, recency, T, monetary_value`` with times in weeks — ``frequency`` counts
repeat purchases, ``recency`` is the age at the last one, ``T`` the age at the end of the
observation, ``monetary_value`` the average spend of the repeat purchases. The same kernels as
the product's nightly run fit BG/NBD and Gamma-Gamma; no database is touched.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from guanxi.core.spreadsheet import neutralise
from guanxi.insights.kernels.clv import WEEKS_PER_MONTH, BetaGeoModel, GammaGammaModel, lifetime_value, summary_weights
from guanxi.insights.kernels.inputs import FloatArray

COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value")
MAX_ROWS = 50_000_000


class SummaryError(ValueError):
    """The summary file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Summary:
    customer_ids: list[str]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray


@dataclass(frozen=True)
class ClvResult:
    parameters: dict[str, dict[str, float]]
    customer_ids: list[str]
    expected_purchases: FloatArray
    p_alive: FloatArray
    expected_avg_spend: FloatArray
    clv: FloatArray


T = TypeVar("T")


def csv_read(path: Path, rows: Callable[[Path, Iterable[list[str]]], T], error: type[ValueError]) -> T:
    """``rows(path, reader)`` over a UTF-8 CSV file (with or without a byte-order mark).

    A file that cannot be opened, is not UTF-8 or not CSV raises ``error`` saying so.
    """
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as problem:
        raise error(f"{path}: cannot open: {problem.strerror}") from None
    with handle:
        try:
            return rows(path, csv.reader(handle))
        except UnicodeDecodeError:
            raise error(f"{path}: not UTF-8 text") from None
        except csv.Error as problem:
            raise error(f"{path}: not a CSV file: {problem}") from None


def summary_read(path: Path) -> Summary:
    """Read and check a summary file (UTF-8, with or without a byte-order mark)."""
    return csv_read(path, _summary_rows, SummaryError)


def _summary_rows(path: Path, reader: Iterable[list[str]]) -> Summary:
    rows = iter(reader)
    header = [name.strip() for name in next(rows, [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise SummaryError(f"{path}: missing column(s) {', '.join(missing)}; need {', '.join(COLUMNS)}")
    index = [header.index(name) for name in COLUMNS]
    ids: list[str] = []
    values: list[tuple[float, float, float, float]] = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(ids) >= MAX_ROWS:
            raise SummaryError(f"{path}: more than {MAX_ROWS:,} customers")
        cells = [row[i].strip() if i < len(row) else "" for i in index]
        ids.append(cells[0])
        values.append(_numbers(path, line, cells))
    if not ids:
        raise SummaryError(f"{path}: no customers")
    array = np.array(values, dtype=np.float64)
    return Summary(ids, array[:, 0], array[:, 1], array[:, 2], array[:, 3])


def _numbers(path: Path, line: int, cells: list[str]) -> tuple[float, float, float, float]:
    numbers = []
    for name, text in zip(COLUMNS[1:], cells[1:], strict=True):
        try:
            value = float(text)
        except ValueError:
            raise SummaryError(f"{path}, line {line}: {name} is not a number: {text!r}") from None
        if not math.isfinite(value) or value < 0:
            raise SummaryError(f"{path}, line {line}: {name} must be a number >= 0, not {text!r}")
        numbers.append(value)
    frequency, recency, age, spend = numbers
    if frequency != int(frequency):
        raise SummaryError(f"{path}, line {line}: frequency counts repeat purchases: a whole number")
    if age <= 0 or recency > age:
        raise SummaryError(f"{path}, line {line}: need 0 <= recency <= T and T > 0")
    if frequency > 0 and (recency <= 0 or spend <= 0):
        raise SummaryError(f"{path}, line {line}: a customer with repeat purchases needs recency and spend > 0")
    return frequency, recency, age, spend


def clv_fit(summary: Summary, *, horizon_weeks: float, monthly_discount_rate: float) -> ClvResult:
    """Fit both models (on the distinct rows, weighted) and predict every customer."""
    (x, t_x, age), weights, _inverse = summary_weights(summary.frequency, summary.recency, summary.T)
    purchases = BetaGeoModel().fit(x, t_x, age, weights=weights)
    (xm, m), spend_weights, _ = summary_weights(summary.frequency, summary.monetary_value)
    spend = GammaGammaModel().fit(xm, m, weights=spend_weights)
    columns = (summary.frequency, summary.recency, summary.T)
    return ClvResult(
        parameters={
            "bgnbd": {
                "r": purchases.params_.r,
                "alpha": purchases.params_.alpha,
                "a": purchases.params_.a,
                "b": purchases.params_.b,
            },
            "gamma_gamma": {"p": spend.params_.p, "q": spend.params_.q, "gamma": spend.params_.gamma},
        },
        customer_ids=summary.customer_ids,
        expected_purchases=purchases.expected_purchases(horizon_weeks, *columns),
        p_alive=purchases.probability_alive(*columns),
        expected_avg_spend=spend.expected_average_spend(summary.frequency, summary.monetary_value),
        clv=lifetime_value(
            purchases,
            spend,
            *columns,
            summary.monetary_value,
            horizon=horizon_weeks,
            period=WEEKS_PER_MONTH,
            discount_rate=monthly_discount_rate,
        ),
    )


def predictions_write(result: ClvResult, path: Path) -> None:
    """One row per customer: ``customer_id, expected_purchases, p_alive, expected_avg_spend, clv``."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["customer_id", "expected_purchases", "p_alive", "expected_avg_spend", "clv"])
        columns: list[Any] = [result.expected_purchases, result.p_alive, result.expected_avg_spend, result.clv]
        for i, customer_id in enumerate(result.customer_ids):
            writer.writerow([neutralise(customer_id), *(f"{float(column[i]):.6f}" for column in columns)])
