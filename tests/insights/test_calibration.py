"""The calibration / holdout test of BG/NBD: the CDNOW sample against ``lifetimes``, the command, the database."""

from __future__ import annotations

import csv
import json
import os
import warnings
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from guanxi.cli import main
from guanxi.contracts.models import Order
from guanxi.insights import services
from guanxi.insights.calibration import calibration_from_database, calibration_report, transactions_read
from guanxi.insights.datasets import epoch_day
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

CDNOW = Path(__file__).resolve().parent / "data" / "cdnow_transactions.csv"  # lifetimes' CDNOW_sample.txt as CSV
CALIBRATION_END, HOLDOUT_END = date(1997, 9, 30), date(1998, 6, 30)
HEADER = "customer_id,date\n"


def _lifetimes_table() -> dict[int, tuple[int, float, float]]:
    """Bucket → (customers, mean predicted, mean actual), computed by ``lifetimes`` on the same file."""
    pd = pytest.importorskip("pandas")
    lifetimes = pytest.importorskip("lifetimes")
    from lifetimes.utils import calibration_and_holdout_data

    transactions = pd.read_csv(CDNOW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = calibration_and_holdout_data(
            transactions,
            "customer_id",
            "date",
            calibration_period_end=CALIBRATION_END.isoformat(),
            observation_period_end=HOLDOUT_END.isoformat(),
            freq="D",
            monetary_value_col="amount",  # lifetimes fails on pandas 2 without a value column
        )
        fitter = lifetimes.BetaGeoFitter().fit(data["frequency_cal"], data["recency_cal"], data["T_cal"])
        data["predicted"] = fitter.conditional_expected_number_of_purchases_up_to_time(
            data["duration_holdout"], data["frequency_cal"], data["recency_cal"], data["T_cal"]
        )
    data["bucket"] = data["frequency_cal"].clip(upper=7).astype(int)
    grouped = data.groupby("bucket").agg(
        customers=("predicted", "size"), predicted=("predicted", "mean"), actual=("frequency_holdout", "mean")
    )
    return {int(b): (int(row.customers), float(row.predicted), float(row.actual)) for b, row in grouped.iterrows()}


def _cdnow_report() -> Any:
    transactions = transactions_read(CDNOW)
    return calibration_report(
        transactions.customer, transactions.day, calibration_end=CALIBRATION_END, holdout_end=HOLDOUT_END
    )


def test_cdnow_predicted_and_actual_per_frequency_match_lifetimes() -> None:
    report = _cdnow_report()
    expected = _lifetimes_table()
    assert [bucket.frequency for bucket in report.buckets] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    for number, bucket in enumerate(report.buckets):
        customers, predicted, actual = expected[number]
        assert bucket.customers == customers, bucket.frequency
        assert bucket.predicted_mean == pytest.approx(predicted, rel=0.01), bucket.frequency
        assert bucket.actual_mean == pytest.approx(actual, rel=0.001), bucket.frequency
    assert report.customers == 2357


def test_cdnow_fit_gives_the_published_parameters_and_predicts_the_holdout_total() -> None:
    report = _cdnow_report()
    # Fader, Hardie & Lee (2005): r 0.243, alpha 4.414 (weeks), a 0.793, b 2.426 on this sample.
    assert report.parameters == pytest.approx({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, rel=0.01)
    assert report.actual_total == 1882  # repeat purchase days of the 2357 customers in the 39-week holdout
    assert report.holdout_weeks == pytest.approx(39.0, abs=0.1)
    # BG/NBD under-predicts this sample's holdout a little (1653 vs 1882), well within 15 %.
    assert report.predicted_total == pytest.approx(report.actual_total, rel=0.15)
    assert report.error_percent is not None
    assert -15 < report.error_percent < 0
    means = [bucket.predicted_mean for bucket in report.buckets]
    assert means == sorted(means), "more calibration purchases never predict fewer holdout purchases"


def test_several_orders_on_one_day_are_one_purchase_occasion() -> None:
    transactions = transactions_read(CDNOW)
    doubled = calibration_report(
        np.r_[transactions.customer, transactions.customer],
        np.r_[transactions.day, transactions.day],
        calibration_end=CALIBRATION_END,
        holdout_end=HOLDOUT_END,
    )
    once = _cdnow_report()
    assert doubled.actual_total == once.actual_total
    assert doubled.predicted_total == pytest.approx(once.predicted_total)
    assert [b.customers for b in doubled.buckets] == [b.customers for b in once.buckets]


def test_customers_new_on_the_calibration_end_day_are_left_out_and_counted() -> None:
    transactions = transactions_read(CDNOW)
    newcomer = int(transactions.customer.max()) + 1
    report = calibration_report(
        np.r_[transactions.customer, [newcomer, newcomer]],
        np.r_[transactions.day, [epoch_day(CALIBRATION_END), epoch_day(date(1998, 1, 5))]],
        calibration_end=CALIBRATION_END,
        holdout_end=HOLDOUT_END,
    )
    assert report.customers == 2357
    assert report.excluded_new == 1
    assert report.actual_total == 1882


def test_the_command_prints_the_report_and_writes_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.csv"
    code = main(
        [
            "insights",
            "calibration",
            "--transactions",
            str(CDNOW),
            "--calibration-end",
            "1997-09-30",
            "--holdout-end",
            "1998-06-30",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["customers"] == 2357
    assert report["actual_total"] == 1882
    assert report["parameters"]["r"] == pytest.approx(0.243, rel=0.01)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["frequency"] for row in rows] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert int(rows[0]["customers"]) == 1411
    assert float(rows[-1]["actual_mean"]) == pytest.approx(6.3594, abs=1e-4)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("customer,day\n1,2024-01-01\n", "missing column(s) customer_id, date"),
        (HEADER + "1,2024-01-01\n2,yesterday\n", "line 3: date is not a date (YYYY-MM-DD): 'yesterday'"),
        (HEADER + "1,2024-01-01\n,2024-02-01\n", "line 3: customer_id is empty"),
        (HEADER, "no transactions"),
        ("", "missing column(s)"),
    ],
)
def test_bad_transaction_files_get_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    transactions = tmp_path / "tx.csv"
    transactions.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    arguments = ["--calibration-end", "2024-06-30", "--holdout-end", "2024-12-31", "--out", str(out)]
    assert main(["insights", "calibration", "--transactions", str(transactions), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_bad_dates_and_missing_files_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    absent = str(tmp_path / "absent.csv")
    assert (
        main(
            [
                "insights",
                "calibration",
                "--transactions",
                absent,
                "--calibration-end",
                "2024-06-30",
                "--holdout-end",
                "2024-12-31",
            ]
        )
        == 2
    )
    assert "cannot open" in capsys.readouterr().err
    assert (
        main(
            [
                "insights",
                "calibration",
                "--transactions",
                str(CDNOW),
                "--calibration-end",
                "1998-06-30",
                "--holdout-end",
                "1997-09-30",
            ]
        )
        == 2
    )
    assert "--holdout-end must be after --calibration-end" in capsys.readouterr().err
    assert (
        main(
            [
                "insights",
                "calibration",
                "--transactions",
                str(CDNOW),
                "--calibration-end",
                "30/09/1997",
                "--holdout-end",
                "1998-06-30",
            ]
        )
        == 2
    )
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_database_report_reads_sold_orders_as_the_file_report_reads_transactions(org: Org) -> None:
    """The first 400 CDNOW customers as orders 28 years later: the same report from the database."""
    transactions = transactions_read(CDNOW)
    chosen = transactions.customer < 400
    shift = date(2025, 1, 1) - date(1997, 1, 1)
    customers = [CustomerFactory(owner=org["rep1"]) for _ in range(400)]
    rep = org["rep1"]
    Order.objects.bulk_create(
        Order(
            customer=customers[int(who)],
            number=f"CDNOW-{i}",
            ordered_on=date(1970, 1, 1) + timedelta(days=int(day)) + shift,
            amount=Decimal("20.00"),
            created_by=rep,
            updated_by=rep,
        )
        for i, (who, day) in enumerate(zip(transactions.customer[chosen], transactions.day[chosen], strict=True))
    )
    Order.objects.create(  # cancelled orders are no purchase
        customer=customers[0], number="CANCELLED", ordered_on=date(2025, 3, 3), status="cancelled",
        created_by=rep, updated_by=rep,
    )  # fmt: skip

    report = calibration_from_database(as_of=HOLDOUT_END + shift, holdout_weeks=39)

    expected = calibration_report(
        transactions.customer[chosen],
        transactions.day[chosen],
        calibration_end=CALIBRATION_END,
        holdout_end=HOLDOUT_END,
    )
    assert report["calibration_end"] == (CALIBRATION_END + shift).isoformat()
    assert report["customers"] == expected.customers == 400
    assert report["actual_total"] == expected.actual_total
    assert [b["predicted_mean"] for b in report["buckets"]] == pytest.approx(
        [b.predicted_mean for b in expected.buckets], rel=1e-3
    )


def _cdnow_orders(org: Org, customers: int) -> date:
    """The first ``customers`` CDNOW customers as orders ending on the returned day."""
    transactions = transactions_read(CDNOW)
    chosen = transactions.customer < customers
    shift = date(2025, 1, 1) - date(1997, 1, 1)
    people = [CustomerFactory(owner=org["rep1"]) for _ in range(customers)]
    rep = org["rep1"]
    Order.objects.bulk_create(
        Order(
            customer=people[int(who)],
            number=f"CDNOW-{i}",
            ordered_on=date(1970, 1, 1) + timedelta(days=int(day)) + shift,
            amount=Decimal("20.00"),
            created_by=rep,
            updated_by=rep,
        )
        for i, (who, day) in enumerate(zip(transactions.customer[chosen], transactions.day[chosen], strict=True))
    )
    return HOLDOUT_END + shift


@pytest.mark.django_db
def test_the_value_run_reports_the_same_calibration_from_a_second_process(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large runs compute the calibration in a forked process beside the write; small ones inline: same report."""
    as_of = _cdnow_orders(org, 300)
    monkeypatch.setattr(services, "FORK_MIN_DAYS", 10**9)
    inline = services.value_recompute(run=services.value_run_start(as_of=as_of)).results["calibration"]
    monkeypatch.setattr(services, "FORK_MIN_DAYS", 0)
    beside = services.value_recompute(run=services.value_run_start(as_of=as_of)).results["calibration"]

    assert inline["customers"] > 200
    assert inline["actual_total"] > 0
    assert beside == inline


@pytest.mark.django_db
def test_a_calibration_process_that_dies_does_not_lose_the_report(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    as_of = _cdnow_orders(org, 200)
    expected = services.value_recompute(run=services.value_run_start(as_of=as_of)).results["calibration"]

    def dies(*_args: Any) -> None:
        os._exit(3)

    monkeypatch.setattr(services, "FORK_MIN_DAYS", 0)
    monkeypatch.setattr(services, "_beside_child", dies)
    run = services.value_recompute(run=services.value_run_start(as_of=as_of))

    assert run.status == "done"
    assert run.results["calibration"] == expected
