"""Background entry points of imports: run a job, and resume jobs whose worker died."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, on_startup

from guanxi.dataio import services

logger = logging.getLogger(__name__)
_started = threading.Event()


@db_task()
def import_job_run(job_id: str) -> None:
    """Run (or resume) one import job; a job another live worker holds is left alone."""
    services.job_process(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def import_jobs_resume() -> None:
    """Every minute: jobs whose worker has stopped reporting (killed, restarted) are resumed from their checkpoint."""
    for job_id in services.jobs_stale():
        logger.info("resuming import job %s", job_id)
        import_job_run(str(job_id))


@on_startup()
def _resume_when_the_worker_starts() -> None:
    """A worker that starts (perhaps after a crash) picks up stale jobs now and again once a stale heartbeat shows."""
    if _started.is_set():
        return
    _started.set()
    import_jobs_resume()
    import_jobs_resume.schedule(delay=settings.GUANXI_IMPORT_STALE_SECONDS + 1)
