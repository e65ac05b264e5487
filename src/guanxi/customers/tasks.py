"""Background jobs of the customer master."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from guanxi.customers import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="30"))
def customer_facts_nightly() -> None:
    """Recompute every customer's interaction figures set-based, so drift from any source heals overnight."""
    count = services.customer_facts_refresh()
    logger.info("customer facts refreshed for %d customers", count)
