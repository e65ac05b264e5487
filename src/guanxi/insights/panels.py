"""The 360° page's value and grade header slots (customers.panels), filled by insights fragments."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.customers.panels import register_panel

register_panel("value", url_name="insights:customer-value-panel", title=_("Value"))
register_panel("grade", url_name="insights:customer-grade-panel", title=_("Grade"))
