"""Dynamic segments (VAL-8) and their mapping to sales teams (SALE-6): rules, membership, services, reads."""

from guanxi.insights.segments.membership import segment_member_q, segments_refresh
from guanxi.insights.segments.rules import FIELDS, rule_clean, segment_rule_q
from guanxi.insights.segments.selectors import (
    SegmentHistory,
    SegmentRow,
    can_manage,
    curves_visible,
    customer_segments,
    segment_curves,
    segment_get,
    segment_history,
    segment_list,
    segment_members_page,
    segment_row,
)
from guanxi.insights.segments.services import (
    segment_create,
    segment_delete,
    segment_refresh,
    segment_update,
    segments_default_ensure,
)

__all__ = [
    "FIELDS",
    "SegmentHistory",
    "SegmentRow",
    "can_manage",
    "curves_visible",
    "customer_segments",
    "rule_clean",
    "segment_create",
    "segment_curves",
    "segment_delete",
    "segment_get",
    "segment_history",
    "segment_list",
    "segment_member_q",
    "segment_members_page",
    "segment_refresh",
    "segment_row",
    "segment_rule_q",
    "segment_update",
    "segments_default_ensure",
    "segments_refresh",
]
