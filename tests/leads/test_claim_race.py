"""Twenty reps claim one pool lead at the same moment: exactly one owner, nineteen clear refusals.

On PostgreSQL the threads run against the test database. On SQLite the in-memory test database
(shared cache) answers a second writer "table is locked" at once, so the race runs against a FILE
copy configured like production (WAL, ``busy_timeout``, ``BEGIN IMMEDIATE``), in a child process
(``tests/leads/claim_race.py``); its final state is read back from that file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from guanxi.accounts.models import User
from guanxi.leads import services
from guanxi.leads.models import Lead, LeadEvent, LeadEventKind
from tests.accounts.factories import UserFactory, role
from tests.conftest import Org
from tests.leads import claim_race

ROOT = Path(__file__).resolve().parents[2]
REPS = 20
CHILD_TIMEOUT_S = 60
SOMEONE_ELSE = "Someone else claimed this lead first."


@dataclass
class FinalState:
    owner_id: int | None
    version: int
    claimed_by: list[int]  # the actor of every CLAIMED event of the lead


def _pool_lead_and_reps(org: Org) -> tuple[Lead, list[User]]:
    channel = services.channel_create(actor=org["admin"], name="Web", kind="self_built", team=org.east)
    settings_row = services.lead_settings()
    settings_row.assignment = {"rules": [{"kind": "pool"}]}  # every lead waits in its channel team's pool
    settings_row.save()
    lead = services.lead_create(actor=org["admin"], channel=channel, raw={"name": "抢单", "phone": "13400134000"})
    reps = [org["rep1"], org["rep1b"]]
    reps += [UserFactory(username=f"east{i}", role=role("rep"), team=org.east) for i in range(REPS - len(reps))]
    lead.refresh_from_db()
    assert lead.owner_id is None, "the lead waits in a pool"
    assert lead.team_id == org.east.pk, "East's pool"
    return lead, reps


def _race_on_a_sqlite_file(lead: Lead, reps: list[User], tmp_path: Path) -> tuple[list[Any], FinalState]:
    database = tmp_path / "race.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(database)
    try:
        connection.connection.backup(target)  # the test database as it is now, committed (transaction=True)
    finally:
        target.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL", "REDIS_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        DJANGO_SETTINGS_MODULE="guanxi.settings",
        GUANXI_VAR_DIR=str(tmp_path / "var"),  # never the real var/ (cache, task queue)
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    if not env.get("SECRET_KEY"):
        env["GUANXI_DEBUG"] = "1"
    (tmp_path / "var").mkdir()
    done = subprocess.run(  # noqa: S603 -- our own interpreter and module
        [sys.executable, "-m", "tests.leads.claim_race", str(lead.pk), *(str(rep.pk) for rep in reps)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=CHILD_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    outcomes: list[Any] = json.loads(done.stdout.strip().splitlines()[-1])

    lead_key = Lead._meta.pk.get_db_prep_value(lead.pk, connection)
    with closing(sqlite3.connect(database)) as result:
        assert result.execute("PRAGMA journal_mode").fetchone() == ("wal",), "the child ran with production settings"
        owner_id, version = result.execute(
            f"SELECT owner_id, version FROM {Lead._meta.db_table} WHERE id = ?",  # noqa: S608 -- our table name
            [lead_key],
        ).fetchone()
        claimed_by = [
            row[0]
            for row in result.execute(
                f"SELECT actor_id FROM {LeadEvent._meta.db_table} WHERE lead_id = ? AND kind = ?",  # noqa: S608
                [lead_key, LeadEventKind.CLAIMED.value],
            )
        ]
    return outcomes, FinalState(owner_id=owner_id, version=version, claimed_by=claimed_by)


def _race_in_the_test_database(lead: Lead, reps: list[User]) -> tuple[list[Any], FinalState]:
    outcomes = claim_race.race(reps, lead.pk)
    lead.refresh_from_db()
    claimed_by = list(lead.events.filter(kind=LeadEventKind.CLAIMED).values_list("actor_id", flat=True))
    return list(outcomes), FinalState(owner_id=lead.owner_id, version=lead.version, claimed_by=claimed_by)


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_claims_make_exactly_one_owner(org: Org, tmp_path: Path) -> None:
    lead, reps = _pool_lead_and_reps(org)
    version_before = lead.version

    if connection.vendor == "sqlite":
        outcomes, final = _race_on_a_sqlite_file(lead, reps, tmp_path)
    else:
        outcomes, final = _race_in_the_test_database(lead, reps)

    assert len(outcomes) == REPS, outcomes
    assert [o for o in outcomes if o["outcome"] == "error"] == [], "no rep may see anything but win or 409"
    winners = [o["user"] for o in outcomes if o["outcome"] == "won"]
    refusals = [o for o in outcomes if o["outcome"] == "conflict"]
    assert len(winners) == 1, outcomes
    assert len(refusals) == REPS - 1, outcomes
    assert {r["error"] for r in refusals} == {"Conflict"}
    assert {r["message"] for r in refusals} == {SOMEONE_ELSE}, refusals
    assert final.owner_id == winners[0]
    assert final.claimed_by == winners, "exactly one CLAIMED event, by the winner"
    assert final.version == version_before + 1, "the lead was written once"
