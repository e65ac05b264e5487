"""Background entry points of the value engine."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.insights import incremental, services
from guanxi.insights.grading import services as grading_services
from guanxi.insights.models import ValueRun
from guanxi.insights.segments import services as segment_services


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


@db_task()
def grade_evaluation_task(scheme_id: str) -> None:
    """ "Evaluate now": grade every customer with the active scheme (at a million customers, ~20 s)."""
    grading_services.grade_evaluation_process(scheme_id=scheme_id)


@db_task()
def segment_refresh_task(segment_id: str) -> None:
    """ "Recompute members now" of one segment."""
    segment_services.segment_refresh_process(segment_id=segment_id)
