"""``guanxi insights clv --summary FILE.csv``: parameters as JSON, predictions per customer, clear errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from guanxi.cli import main

CDNOW = Path(__file__).resolve().parent / "data" / "cdnow_summary.csv"
HEADER = "customer_id,frequency,recency,T,monetary_value\n"


def test_cdnow_summary_gives_the_published_parameters_and_a_prediction_per_customer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "predictions.csv"
    code = main(["insights", "clv", "--summary", str(CDNOW), "--horizon-weeks", "39", "--out", str(out)])
    assert code == 0
    params = json.loads(capsys.readouterr().out)
    assert set(params) == {"bgnbd", "gamma_gamma"}
    assert params["bgnbd"]["r"] == pytest.approx(0.243, rel=0.01)
    assert params["bgnbd"]["alpha"] == pytest.approx(4.414, rel=0.01)
    assert params["bgnbd"]["a"] == pytest.approx(0.793, rel=0.01)
    assert params["bgnbd"]["b"] == pytest.approx(2.426, rel=0.01)
    assert params["gamma_gamma"] == pytest.approx({"p": 6.25, "q": 3.74, "gamma": 15.44}, rel=0.01)
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2357
    assert list(rows[0]) == ["customer_id", "expected_purchases", "p_alive", "expected_avg_spend", "clv"]
    first = rows[0]  # customer 1: 2 repeat purchases, the last at week 30.43 of 38.86, $22.35 on average
    assert first["customer_id"] == "1"
    assert 0.5 < float(first["p_alive"]) < 1
    assert float(first["expected_purchases"]) > 0
    assert float(first["expected_avg_spend"]) == pytest.approx(24.66, rel=0.01)
    assert all(float(row["clv"]) >= 0 for row in rows)


def test_customer_ids_that_look_like_formulas_are_written_as_text(tmp_path: Path) -> None:
    summary = tmp_path / "summary.csv"
    cdnow = CDNOW.read_text(encoding="utf-8").splitlines()[1:500]
    summary.write_text(HEADER + "=HYPERLINK(1),1,2,20,30\n" + "\n".join(cdnow) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["insights", "clv", "--summary", str(summary), "--out", str(out)]) == 0
    with out.open(encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert first["customer_id"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("customer_id,frequency,recency\n1,2,3\n", "missing column(s) T, monetary_value"),
        (HEADER + "1,two,3,4,5\n", "line 2: frequency is not a number: 'two'"),
        (HEADER + "1,2,30,20,5\n", "line 2: need 0 <= recency <= T"),
        (HEADER + "1,-1,3,20,5\n", "line 2: frequency must be a number >= 0"),
        (HEADER + "1,1.5,3,20,5\n", "line 2: frequency counts repeat purchases"),
        (HEADER + "1,2,3,20,0\n", "line 2: a customer with repeat purchases needs recency and spend > 0"),
        (HEADER, "no customers"),
        ("", "missing column(s)"),
    ],
)
def test_bad_summaries_get_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    summary = tmp_path / "summary.csv"
    summary.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["insights", "clv", "--summary", str(summary), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_unreadable_files_and_bad_options_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["insights", "clv", "--summary", str(tmp_path / "absent.csv")]) == 2
    assert "cannot open" in capsys.readouterr().err
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage")
    assert main(["insights", "clv", "--summary", str(binary)]) == 2
    assert "not UTF-8" in capsys.readouterr().err
    assert main(["insights", "clv", "--summary", str(CDNOW), "--horizon-weeks", "0"]) == 2
    assert "--horizon-weeks" in capsys.readouterr().err


def test_data_that_cannot_identify_the_model_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    summary = tmp_path / "summary.csv"
    lines = [f"c{i},2,10,20,10" for i in range(40)]  # everyone alike: no heterogeneity to estimate
    summary.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    assert main(["insights", "clv", "--summary", str(summary)]) == 1
    assert "cannot fit these data" in capsys.readouterr().err
