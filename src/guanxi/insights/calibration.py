"""Does the lifetime value model predict? A calibration / holdout test of BG/NBD (VAL-6).

Split the purchase history at a calibration end: fit BG/NBD on each customer's purchase
occasions (distinct days) up to it, exactly as the nightly run does (``services.clv_summary``:
frequency, recency and T in weeks, distinct rows weighted), predict how many purchases each
customer makes in the holdout that follows, and compare with the repeat purchases they actually
made there — by calibration frequency (0, 1, …, 6, 7+), the classic check of Fader, Hardie & Lee
(2005, figure 3). ``guanxi insights calibration`` runs it on a file; ``calibration_from_database``
on the product's own orders.
"""

from __future__ import annotations

import csv
import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from guanxi.core.spreadsheet import neutralise
from guanxi.insights import datasets
from guanxi.insights.clv_files import csv_read
from guanxi.insights.kernels.clv import BetaGeoModel, FitError, summary_weights
from guanxi.insights.kernels.inputs import FloatArray, IntArray

TOP_BUCKET = 7  # calibration frequencies 7 and above share the last bucket ("7+")
MAX_ROWS = 50_000_000
TRANSACTION_COLUMNS = ("customer_id", "date")


class TransactionsError(ValueError):
    """The transactions file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Bucket:
    frequency: str  # "0" … "6", "7+"
    customers: int
    predicted_mean: float
    actual_mean: float
    predicted_total: float
    actual_total: float


@dataclass(frozen=True)
class CalibrationReport:
    calibration_end: date
    holdout_end: date
    holdout_weeks: float
    customers: int
    excluded_new: int  # first purchase on the calibration end day: no history to test
    parameters: dict[str, float]  # BG/NBD r, alpha (weeks), a, b
    buckets: list[Bucket]
    predicted_total: float
    actual_total: float

    @property
    def error_percent(self) -> float | None:
        if self.actual_total <= 0:
            return None
        return round((self.predicted_total - self.actual_total) / self.actual_total * 100, 2)

    def as_dict(self) -> dict[str, Any]:
        """JSON-able (dates as ISO text), e.g. for ``ValueRun.results["calibration"]``."""
        data = asdict(self)
        data["calibration_end"] = self.calibration_end.isoformat()
        data["holdout_end"] = self.holdout_end.isoformat()
        data["error_percent"] = self.error_percent
        return data


def calibration_summary(
    customer: IntArray, day: IntArray, calibration_end: int, holdout_end: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Per calibration customer: frequency, recency, T (weeks) to ``calibration_end``; holdout purchase days.

    ``customer``/``day`` may repeat (several orders a day): purchase occasions are distinct days.
    Customers whose first purchase is after ``calibration_end`` are not in the test.
    """
    keep = day <= holdout_end
    offset = int(day[keep].min()) if keep.any() else 0
    if keep.any() and int(day[keep].max()) - offset >= 1 << datasets.DAY_BITS:
        raise ValueError("the purchases span more days than can be told apart")
    keys = np.unique((customer[keep] << datasets.DAY_BITS) | (day[keep] - offset))
    who, when = keys >> datasets.DAY_BITS, (keys & ((1 << datasets.DAY_BITS) - 1)) + offset
    ids, position = np.unique(who, return_inverse=True)
    size = ids.size
    calibration = when <= calibration_end
    first = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(size, -1, dtype=np.int64)
    np.minimum.at(first, position[calibration], when[calibration])
    np.maximum.at(last, position[calibration], when[calibration])
    count = np.bincount(position[calibration], minlength=size).astype(np.float64)
    holdout = np.bincount(position[~calibration], minlength=size).astype(np.float64)
    known = count > 0
    frequency = count[known] - 1
    recency = (last[known] - first[known]) / 7.0
    age = (calibration_end - first[known]) / 7.0
    return frequency, recency, age, holdout[known]


def calibration_report(
    customer: ArrayLike, day: ArrayLike, *, calibration_end: date, holdout_end: date
) -> CalibrationReport:
    """Fit BG/NBD up to ``calibration_end``, predict to ``holdout_end``, compare per frequency bucket.

    Parameters
    ----------
    customer, day : arrays
        One entry per purchase: any integer customer key, and the day (days since 1970-01-01).

    Raises
    ------
    ValueError
        If the dates are out of order or no customer bought in the calibration period.
    kernels.clv.FitError
        If BG/NBD cannot be fitted to these data.
    """
    if holdout_end <= calibration_end:
        raise ValueError("the holdout must end after the calibration period")
    who = np.asarray(customer, dtype=np.int64).reshape(-1)
    when = np.asarray(day, dtype=np.int64).reshape(-1)
    if who.shape != when.shape:
        raise ValueError("customer and day need one value per purchase")
    if who.size and who.min() < 0:
        raise ValueError("customer keys must be numbers >= 0")
    cal_end, hold_end = datasets.epoch_day(calibration_end), datasets.epoch_day(holdout_end)
    frequency, recency, age, actual = calibration_summary(who, when, cal_end, hold_end)
    new = age <= 0
    frequency, recency, age, actual = frequency[~new], recency[~new], age[~new], actual[~new]
    if frequency.size == 0:
        raise ValueError("no customer bought in the calibration period")
    (x, t_x, t_age), weights, _inverse = summary_weights(frequency, recency, age)
    model = BetaGeoModel().fit(x, t_x, t_age, weights=weights)
    holdout_weeks = (hold_end - cal_end) / 7.0
    predicted = model.expected_purchases(holdout_weeks, frequency, recency, age)
    if not np.all(np.isfinite(predicted)):
        raise FitError("the fitted model gives no finite predictions")
    bucket_of = np.minimum(frequency, TOP_BUCKET).astype(np.int64)
    buckets = []
    for number in range(TOP_BUCKET + 1):
        members = bucket_of == number
        size = int(members.sum())
        predicted_total, actual_total = float(predicted[members].sum()), float(actual[members].sum())
        buckets.append(
            Bucket(
                frequency=f"{number}+" if number == TOP_BUCKET else str(number),
                customers=size,
                predicted_mean=round(predicted_total / size, 4) if size else 0.0,
                actual_mean=round(actual_total / size, 4) if size else 0.0,
                predicted_total=round(predicted_total, 2),
                actual_total=actual_total,
            )
        )
    p = model.params_
    return CalibrationReport(
        calibration_end=calibration_end,
        holdout_end=holdout_end,
        holdout_weeks=round(holdout_weeks, 4),
        customers=int(frequency.size),
        excluded_new=int(new.sum()),
        parameters={"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b},
        buckets=buckets,
        predicted_total=round(float(predicted.sum()), 2),
        actual_total=float(actual.sum()),
    )


def calibration_from_database(*, as_of: date, holdout_weeks: int = 26) -> dict[str, Any]:
    """The report on the product's sold orders: calibration to ``as_of - holdout_weeks``, holdout to ``as_of``.

    Reads the whole organisation as the value engine does (the system computes; value managers
    read the result).
    """
    with datasets.snapshot():
        index = datasets.customer_index()
        orders = datasets.orders_read(index, as_of=as_of)
    return calibration_of_days(datasets.purchase_days(orders), as_of=as_of, holdout_weeks=holdout_weeks)


def calibration_of_days(days: datasets.PurchaseDays, *, as_of: date, holdout_weeks: int = 26) -> dict[str, Any]:
    """The report on purchase days already read (the value run stores it in ``results["calibration"]``)."""
    report = calibration_report(
        days.customer, days.day, calibration_end=as_of - timedelta(weeks=holdout_weeks), holdout_end=as_of
    )
    return report.as_dict()


# --- files (``guanxi insights calibration``) -----------------------------------------------


@dataclass(frozen=True)
class Transactions:
    customer: IntArray  # a number per distinct customer id, in order of appearance
    day: IntArray
    customer_ids: list[str]


def _day(text: str) -> int | None:
    cleaned = text.strip()
    if len(cleaned) == 8 and cleaned.isdigit():
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    try:
        return datasets.epoch_day(date.fromisoformat(cleaned[:10]))
    except ValueError:
        return None


def transactions_read(path: Path) -> Transactions:
    """Read ``customer_id,date`` (ISO ``YYYY-MM-DD`` or ``YYYYMMDD``; other columns ignored), UTF-8."""
    return csv_read(path, _transaction_rows, TransactionsError)


def _transaction_rows(path: Path, reader: Any) -> Transactions:
    rows = iter(reader)
    header = [name.strip() for name in next(rows, [])]
    missing = [name for name in TRANSACTION_COLUMNS if name not in header]
    if missing:
        raise TransactionsError(
            f"{path}: missing column(s) {', '.join(missing)}; need {', '.join(TRANSACTION_COLUMNS)}"
        )
    id_at, date_at = header.index("customer_id"), header.index("date")
    numbers: dict[str, int] = {}
    customers: list[int] = []
    days: list[int] = []
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(days) >= MAX_ROWS:
            raise TransactionsError(f"{path}: more than {MAX_ROWS:,} rows")
        customer_id = row[id_at].strip() if id_at < len(row) else ""
        text = row[date_at].strip() if date_at < len(row) else ""
        if not customer_id:
            raise TransactionsError(f"{path}, line {line}: customer_id is empty")
        day = _day(text)
        if day is None:
            raise TransactionsError(f"{path}, line {line}: date is not a date (YYYY-MM-DD): {text!r}")
        customers.append(numbers.setdefault(customer_id, len(numbers)))
        days.append(day)
    if not days:
        raise TransactionsError(f"{path}: no transactions")
    return Transactions(np.array(customers, dtype=np.int64), np.array(days, dtype=np.int64), list(numbers))


def report_write(report: CalibrationReport, path: Path) -> None:
    """The per-bucket table: ``frequency, customers, predicted_mean, actual_mean, predicted_total, actual_total``."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["frequency", "customers", "predicted_mean", "actual_mean", "predicted_total", "actual_total"])
        for bucket in report.buckets:
            writer.writerow(
                [
                    neutralise(bucket.frequency),
                    bucket.customers,
                    f"{bucket.predicted_mean:.4f}",
                    f"{bucket.actual_mean:.4f}",
                    f"{bucket.predicted_total:.2f}",
                    f"{bucket.actual_total:.0f}" if math.isfinite(bucket.actual_total) else "",
                ]
            )
