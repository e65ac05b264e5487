"""Background jobs of leads."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.leads import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="5"))
def leads_recycle_hourly() -> int:
    """Every hour: open leads nobody followed up within the rule's days go back to their team's pool."""
    count = services.leads_recycle()
    logger.info("leads returned to the pool: %d", count)
    return count
