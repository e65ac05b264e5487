"""Calendar days in the organisation's time zone."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone


def day_start(day: date) -> datetime:
    """The start of ``day`` in the site's time zone (where date-only things sit among timestamps)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())
