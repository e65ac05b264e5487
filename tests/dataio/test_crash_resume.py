"""A real ``guanxi worker`` is killed with SIGKILL in the middle of an import, then restarted.

Afterwards every good row of the file is a customer exactly once and every bad row is in the
error file with its reason. The worker, its Huey queue and the database are real processes and
files (SQLite in a temporary ``GUANXI_VAR_DIR``); nothing is mocked.

The file here has 6,000 rows so the suite stays quick; ``docs/import-export.md`` gives the
figures of the same run with 100,000 rows (``GUANXI_CRASH_ROWS=100000``).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.dataio import bigfile

ROOT = Path(__file__).resolve().parents[2]
ROWS = int(os.environ.get("GUANXI_CRASH_ROWS", "6000"))
CHUNK = 200 if ROWS < 20_000 else 500

SETUP = """
import django, json, sys
django.setup()
from guanxi.accounts.models import User, Role, role_defaults
from guanxi.dataio import services
director_role = Role.objects.get_or_create(code="director", defaults=role_defaults()["director"])[0]
user = User.objects.create(username="importer", role=director_role)
with open(sys.argv[1], "rb") as handle:
    job = services.import_create(actor=user, upload=handle, file_name="big.csv", kind="customers")
services.import_apply(actor=user, job=job, mode="valid_rows")
print(json.dumps({"job": str(job.pk)}))
"""

REPORT = """
import django, json, sys
django.setup()
from collections import Counter
from guanxi.customers.models import Customer
from guanxi.dataio import selectors
from guanxi.dataio.models import ImportJob, ImportRow
job = ImportJob.objects.get(pk=sys.argv[1])
names = Counter(Customer.objects.filter(name__startswith="导入测试公司").values_list("name", flat=True))
error_rows = list(selectors.error_file(actor=job.created_by, job=job).rows)
print(json.dumps({
    "status": job.status,
    "created": job.created_count,
    "rejected": job.rejected_count,
    "rows_done": job.rows_done,
    "outcomes": ImportRow.objects.filter(job=job).count(),
    "names": len(names),
    "twice": [name for name, count in names.items() if count > 1],
    "error_header": error_rows[0],
    "error_rows": error_rows[1:],
}, ensure_ascii=False))
"""


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        GUANXI_VAR_DIR=str(tmp_path / "var"),
        GUANXI_DEBUG="1",
        DJANGO_SETTINGS_MODULE="guanxi.settings",
        GUANXI_IMPORT_CHUNK=str(CHUNK),
        GUANXI_IMPORT_STALE_SECONDS="2",
        GUANXI_WORKERS="2",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    env.pop("GUANXI_TASKS_IMMEDIATE", None)
    (tmp_path / "var").mkdir()
    return env


def _python(env: dict[str, str], code: str, *args: str) -> Any:
    done = subprocess.run(  # noqa: S603 -- our own interpreter and fixed code
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _guanxi(env: dict[str, str], *args: str, log: Path | None = None) -> subprocess.Popen[bytes]:
    out = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(  # noqa: S603 -- our own interpreter and command
        [sys.executable, "-m", "guanxi.cli", *args], env=env, stdout=out, stderr=out, start_new_session=True
    )


def _job_state(database: Path, job_id: str) -> tuple[str, int]:
    connection = sqlite3.connect(database, timeout=30)
    try:
        row = connection.execute(
            "SELECT status, rows_done FROM dataio_importjob WHERE id = ?", [job_id.replace("-", "")]
        ).fetchone()
    finally:
        connection.close()
    return (row[0], row[1]) if row else ("", 0)


def _wait(database: Path, job_id: str, until: Any, timeout: float) -> tuple[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _job_state(database, job_id)
        if until(*state):
            return state
        time.sleep(0.2)
    raise AssertionError(f"timed out, job is {state}")


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_killed_worker_resumes_and_every_row_lands_exactly_once(
    tmp_path: Path, environment: dict[str, str], workers: list[subprocess.Popen[bytes]]
) -> None:
    source = tmp_path / "big.csv"
    good, bad = bigfile.write(source, ROWS)
    migrate = subprocess.run(
        [sys.executable, "-m", "guanxi.cli", "manage", "migrate", "--noinput", "-v", "0"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    job_id = _python(environment, SETUP, str(source))["job"]
    database = Path(environment["GUANXI_VAR_DIR"]) / "guanxi.sqlite3"
    log = tmp_path / "worker.log"

    # Given a worker part-way through the file …
    started = time.monotonic()
    workers.append(_guanxi(environment, "worker", log=log))
    _wait(database, job_id, lambda s, d: d >= ROWS // 4 or s == "done", timeout=300)
    # … when it is killed without warning,
    os.killpg(workers[0].pid, signal.SIGKILL)
    workers[0].wait()
    status, killed_at = _job_state(database, job_id)
    assert status == "running", f"the import finished before the kill ({killed_at} rows); use a bigger file"
    assert 0 < killed_at < ROWS

    # then a restarted worker resumes it from its checkpoint …
    workers.append(_guanxi(environment, "worker", log=log))
    status, _done = _wait(database, job_id, lambda s, d: s not in ("running", "queued"), timeout=600)
    assert status == "done", log.read_text(errors="replace")[-3000:]
    print(f"rows {ROWS}: killed after {killed_at} rows; done {time.monotonic() - started:.1f} s after the first start")

    # … and every good row is there exactly once, every bad row in the error file with its reason.
    report = _python(environment, REPORT, job_id)
    assert report["twice"] == []
    assert report["names"] == good
    assert (report["created"], report["rejected"], report["rows_done"]) == (good, bad, ROWS)
    assert report["outcomes"] == ROWS
    assert report["error_header"] == [*bigfile.HEADER, "错误 / error"]
    rejected = report["error_rows"]
    assert len(rejected) == bad
    expected = {f"导入测试公司{i:06d}" for i in range(ROWS) if bigfile.bad_row(i)}
    assert {row[0] for row in rejected} == expected
    assert all("Not a valid phone number." in row[-1] and "手机" in row[-1] for row in rejected)
