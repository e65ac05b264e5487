"""Value demo: a customer base large enough to measure, then grading and segments with some history.

The named demo customers are too few to fit lifetime value or to show an 80/20 curve, so the
first start adds ``VALUE_DEMO_CUSTOMERS`` generated customers (``demo_scale``: a few very
profitable key accounts, big accounts that buy at deep discounts and cost a lot to serve, a
middle and a long tail). Then the default grading scheme and segments, and three value runs a
month apart, each keeping a grade evaluation: the dashboard, the grade history and the migration
chart have something to show on the first visit.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from guanxi.accounts import access
from guanxi.insights import grading, segments, services
from guanxi.insights.models import RunStatus, ValueRun
from guanxi.web.demo_scale import DEFAULT_SEED
from guanxi.web.demo_scale.load import demo_scale_load

VALUE_DEMO_CUSTOMERS = 1_500
RUNS_MONTHS_APART = (60, 30, 0)  # days before today of the three demo runs


def demo_value_load(*, customers: int = VALUE_DEMO_CUSTOMERS) -> bool:
    """Generate the customer base and the value history once; True when anything was created."""
    if ValueRun.objects.filter(status=RunStatus.DONE).exists():
        return False
    if customers:
        demo_scale_load(customers=customers, seed=DEFAULT_SEED)
    system = access.system_actor()
    grading.grade_scheme_default_ensure(actor=system)
    segments.segments_default_ensure(actor=system)
    today = timezone.localdate()
    for days_ago in RUNS_MONTHS_APART:
        run = services.value_run_start(as_of=today - timedelta(days=days_ago))
        services.value_recompute(run=run, evaluate_grades=True)
    return True
