"""Formatting filters for templates (formatting only: no queries, no permission logic)."""

from __future__ import annotations

import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value: timedelta | None) -> int:
    """A duration in whole minutes, rounded up: ``timedelta(seconds=61)`` → 2."""
    if not isinstance(value, timedelta):
        return 0
    return max(math.ceil(value.total_seconds() / 60), 0)
