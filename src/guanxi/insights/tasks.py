"""Background entry points of the value engine."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.insights import incremental, services
from guanxi.insights.models import ValueRun


@db_task()
def value_run_process(run_id: str) -> None:
    """Run a queued value recompute (the "recompute now" button queues one)."""
    run = ValueRun.objects.filter(pk=run_id).first()
    if run is not None:
        services.value_recompute(run=run)


@db_periodic_task(crontab(hour="1", minute="30"))
def value_recompute_nightly() -> None:
    """Nightly: every customer's value figures as of today, before the working day starts."""
    services.value_recompute(run=services.value_run_start())


@db_task()
def value_customer_refresh_task(customer_id: str) -> None:
    """An order arrived or changed: that customer's value figures follow before the nightly run."""
    incremental.value_customer_refresh(customer_id=customer_id)
