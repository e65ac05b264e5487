"""Planner statistics: refreshed on demand, nightly and after big loads, and what they buy a manager's search."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core import services, tasks
from guanxi.customers import search
from guanxi.customers.models import Customer
from guanxi.customers.selectors import customer_page
from guanxi.dataio.services import engine, import_apply, import_create
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _customers(org: Org, count: int, name: str) -> None:
    """``count`` rows for rep1 and rep1b (team East), written the way bulk loaders write them."""
    reps = [org["rep1"], org["rep1b"]]
    rows = []
    for i in range(count):
        owner = reps[i % 2]
        row = CustomerFactory.build(
            owner=owner, team=owner.team, created_by=owner, updated_by=owner, name=f"{name}{i:05d}号有限公司"
        )
        for field, value in search.derived_columns(name=row.name).items():
            setattr(row, field, value)
        rows.append(row)
    with search.bulk_load():
        Customer.objects.bulk_create(rows, batch_size=500)


def _customer_rows_known() -> float:
    """How many customer rows the planner believes there are (-1 / None: no statistics yet)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cursor.fetchone()[0]:
                return -1
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'customers_customer' AND idx IS NOT NULL LIMIT 1")
            row = cursor.fetchone()
            return float(row[0].split()[0]) if row else -1
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'customers_customer'")
        return float(cursor.fetchone()[0])


def test_refresh_tells_the_planner_how_many_customers_there_are(org: Org) -> None:
    _customers(org, 300, "统计")
    services.planner_statistics_refresh()
    assert _customer_rows_known() == pytest.approx(300, rel=0.05)
    _customers(org, 300, "增长")
    tasks.planner_statistics_refresh.call_local()  # the nightly task
    assert _customer_rows_known() == pytest.approx(600, rel=0.05)


def test_the_demo_and_statistics_commands_leave_statistics_behind(org: Org) -> None:
    call_command("guanxi_demo", stdout=io.StringIO())
    assert _customer_rows_known() == pytest.approx(Customer.objects.count(), rel=0.05)
    _customers(org, 400, "运维")
    out = io.StringIO()
    call_command("guanxi_statistics", stdout=out)  # for operators, after bulk work outside Guanxi
    assert "refreshed" in out.getvalue()
    assert _customer_rows_known() == pytest.approx(Customer.objects.count(), rel=0.05)


def test_a_large_import_refreshes_statistics_and_a_small_one_does_not(
    org: Org, settings: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    settings.GUANXI_IMPORT_DIR = tmp_path / "imports"
    monkeypatch.setattr(engine, "STATISTICS_AFTER_ROWS", 5)
    director = org["director"]

    def import_rows(count: int, prefix: str) -> None:
        data = "客户名称\r\n" + "".join(f"{prefix}{i}号公司\r\n" for i in range(count))
        job = import_create(actor=director, upload=io.BytesIO(data.encode()), file_name="c.csv", kind="customers")
        with django_capture_on_commit_callbacks(execute=True):
            import_apply(actor=director, job=job, mode="valid_rows")
        job.refresh_from_db()
        assert job.created_count == count

    before = _customer_rows_known()  # none yet (-1), or what an earlier test left (PostgreSQL keeps it)
    import_rows(4, "小")
    assert _customer_rows_known() == before
    import_rows(6, "大")
    assert _customer_rows_known() == pytest.approx(10, rel=0.05)


def test_with_statistics_a_managers_search_does_not_read_the_whole_team_first(org: Org) -> None:
    """At a million rows a manager's search took 400 ms when SQLite read the whole team first."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's planner guesses without statistics; PostgreSQL's autovacuum gathers them")
    _customers(org, 4000, "港盛")
    _customers(org, 1500, "云栖")  # many candidates (fewer than search.PROBE_LIMIT), yet few next to the team
    services.planner_statistics_refresh()
    manager = org["manager1"]
    with CaptureQueriesContext(connection) as queries:
        page = customer_page(actor=manager, q="云栖", limit=20)
    assert len(page["items"]) == 20
    assert all(c.name.startswith("云栖") for c in page["items"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + queries.captured_queries[-1]["sql"])
        plan = " | ".join(str(row[3]) for row in cursor.fetchall())
    # The candidates by key, or the list in order (stopping at the 20th match): not every row of
    # the team and of each owner first, which is what SQLite does when it guesses (this fails then).
    assert "(owner_id=?)" not in plan
    assert "(team_id=?)" not in plan
