"""``guanxi leads dedup FILE.csv --out PAIRS.csv``: pairs with readable reasons, clear errors on bad files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from guanxi.cli import main


def _run(tmp_path: Path, content: str | bytes, *extra: str) -> tuple[int, Path]:
    source = tmp_path / "leads.csv"
    if isinstance(content, bytes):
        source.write_bytes(content)
    else:
        source.write_text(content, encoding="utf-8")
    out = tmp_path / "pairs.csv"
    return main(["leads", "dedup", str(source), "--out", str(out), *extra]), out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_pairs_are_written_with_score_and_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = (
        "city,email,id,name,phone,source\n"
        "杭州,,10,张伟,+86 138-0013-8000,fair\n"
        "Hangzhou,,9,張偉,13800138000,web\n"
        "北京,,3,李娜,13900139000,web\n"
        "深圳,wf@163.com,4,王芳,,web\n"
        ",WF@163.com,5,Fang Wang,,\n"
    )
    code, out = _run(tmp_path, "\ufeff" + content)
    assert code == 0
    rows = _rows(out)
    assert [(r["id_a"], r["id_b"]) for r in rows] == [("4", "5"), ("9", "10")]
    assert rows[0]["reason"] == "same e-mail: wf@163.com"
    assert rows[1]["reason"] == "same mobile phone: +8613800138000"
    assert float(rows[1]["score"]) == 1.0
    assert "5 records" in capsys.readouterr().err


def test_company_columns_without_phone_or_email_columns(tmp_path: Path) -> None:
    content = "id,company\n1,杭州云栖科技有限公司\n2,Hangzhou Yunqi Technology Co., Ltd.\n3,北京华信科技\n"
    code, out = _run(tmp_path, content.replace("Technology Co., Ltd.", '"Technology Co., Ltd."'))
    assert code == 0
    assert [(r["id_a"], r["id_b"]) for r in _rows(out)] == [("1", "2")]


def test_a_file_without_duplicates_gives_a_header_only(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "id,name\n1,张伟\n2,李娜\n")
    assert code == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["id_a,id_b,score,reason"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "no header row"),
        ("name,phone\n张伟,13800138000\n", "no 'id' column"),
        ("id,name\n1,张伟\n2,李娜\n1,王芳\n", "line 4: id '1' already used on line 2"),
        ("id,name\n,张伟\n", "line 2: empty id"),
        (b"id,name\n1,\xd5\xc5\xce\xb0\n", "not UTF-8"),
    ],
)
def test_bad_files_exit_2_with_a_clear_message_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    code, out = _run(tmp_path, content)
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pairs.csv"
    assert main(["leads", "dedup", str(tmp_path / "missing.csv"), "--out", str(out)]) == 2
    assert "cannot open" in capsys.readouterr().err
    assert not out.exists()


def test_a_threshold_outside_zero_one_exits_2(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "id,name\n1,张伟\n", "--threshold", "1.5")
    assert code == 2
    assert not out.exists()


def test_an_existing_output_is_left_alone_when_the_input_is_bad(tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    out.write_text("keep me\n", encoding="utf-8")
    code, _ = _run(tmp_path, "name\n张伟\n")
    assert code == 2
    assert out.read_text(encoding="utf-8") == "keep me\n"


def test_ids_that_look_like_formulas_are_written_as_text(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "id,name,phone\n=1+1,张伟,13800138000\n@x,张伟,13800138000\n")
    assert code == 0
    assert out.read_text(encoding="utf-8").splitlines()[1] == "'=1+1,'@x,1.000,same mobile phone: +8613800138000"
