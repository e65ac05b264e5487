"""The 360° timeline: the merge of every source's newest entries (``engine``), and the customer
master's own sources (``sources``). Other apps add sources in their own ``timeline.py``."""

from guanxi.core.dates import day_start
from guanxi.customers.timeline import sources
from guanxi.customers.timeline.engine import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    Change,
    Mark,
    SourceOrderError,
    TimelineEntry,
    TimelinePage,
    TimelineSource,
    Window,
    audit_changes,
    audit_events,
    register_source,
    registered_sources,
    timeline_page,
    timeline_source,
)

__all__ = [
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "Change",
    "Mark",
    "SourceOrderError",
    "TimelineEntry",
    "TimelinePage",
    "TimelineSource",
    "Window",
    "audit_changes",
    "audit_events",
    "day_start",
    "register_source",
    "registered_sources",
    "sources",
    "timeline_page",
    "timeline_source",
]
