"""Background jobs of the customer master."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from guanxi.customers import services
from guanxi.customers.models import TagRule

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="30"))
def customer_facts_nightly() -> None:
    """Recompute every customer's interaction figures set-based, so drift from any source heals overnight."""
    count = services.customer_facts_refresh()
    logger.info("customer facts refreshed for %d customers", count)


@db_periodic_task(crontab(hour="3", minute="0"))
def tag_rules_nightly() -> None:
    """Re-evaluate every active tag rule after the facts are fresh."""
    count = services.tag_rules_apply_all()
    logger.info("tag rules applied: %d customer tags held by rules", count)


@db_task()
def tag_rule_run(rule_id: str) -> None:
    """Run one rule now (after it was saved, or from the "apply" button)."""
    rule = TagRule.objects.filter(pk=rule_id, is_active=True).select_related("tag").first()
    if rule is not None:
        services.tag_rule_apply(rule=rule)
