"""Background entry points of the core app."""

from __future__ import annotations

import os
import socket

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.core import services


@db_task()
def health_ping_process(ping_id: int) -> None:
    """Prove that a worker runs: stamp the ping with the time and the worker's host and pid."""
    services.health_ping_mark_processed(ping_id=ping_id, worker=f"{socket.gethostname()}:{os.getpid()}")


@db_periodic_task(crontab(minute="17"))
def idempotency_records_purge() -> None:
    """Hourly: drop stored Idempotency-Key answers past the replay window."""
    services.idempotency_records_purge()


@db_periodic_task(crontab(hour="4", minute="10"))
def planner_statistics_refresh() -> None:
    """Nightly: refresh the query planner's statistics, so searches and lists keep their index paths as data grows."""
    services.planner_statistics_refresh()
