"""Page forms of insights: the value settings (shape only; the service checks the rules)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import PageForm
from guanxi.customers.models import Channel
from guanxi.insights.models import ValueSettings
from guanxi.insights.settings_service import EDITABLE

CHANNEL_PREFIX = "cost_"
SCALAR_FIELDS = tuple(name for name in EDITABLE if name != "interaction_costs")  # costs per channel: one field each


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, min_value=Decimal(0), max_digits=12, decimal_places=2)


class ValueSettingsForm(PageForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    analysis_months = forms.IntegerField(
        label=_("Analysis period (months)"),
        min_value=1,
        max_value=60,
        help_text=_("Profit, RFM and classes cover this many months up to the run's date."),
    )
    rfm_bins = forms.IntegerField(
        label=_("RFM scores"),
        min_value=2,
        max_value=10,
        help_text=_("R, F and M are each scored 1 to this number by quantile."),
    )
    cost_per_visit_hour = _money(_("Cost per visit hour"))
    cost_per_ticket = _money(_("Cost per service ticket"))
    cost_per_return = _money(_("Cost per returned order"))
    late_payment_rate_per_day = forms.DecimalField(
        label=_("Financing cost of late payment, per day"),
        min_value=Decimal(0),
        max_digits=8,
        decimal_places=6,
        help_text=_("A fraction of the amount overdue, per day: 0.0002 is about 7.3 per cent a year."),
    )
    valuable_profit_share = forms.DecimalField(
        label=_("Most valuable: share of profit"),
        max_digits=4,
        decimal_places=3,
        help_text=_(
            "The most profitable customers who together make this share of all positive profit (0.8 means 80 per cent)."
        ),
    )
    growable_share = forms.DecimalField(
        label=_("Most growable: share of the rest"),
        max_digits=4,
        decimal_places=3,
        help_text=_("Of the other customers whose predicted future value exceeds current profit, this top share."),
    )
    clv_horizon_months = forms.IntegerField(label=_("Lifetime value horizon (months)"), min_value=1, max_value=120)
    clv_monthly_discount_rate = forms.DecimalField(
        label=_("Monthly discount rate"), min_value=Decimal(0), max_digits=6, decimal_places=4
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for channel in Channel:
            self.fields[f"{CHANNEL_PREFIX}{channel.value}"] = _money(channel.label)

    @classmethod
    def initial_of(cls, row: ValueSettings) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(row, name) for name in SCALAR_FIELDS}
        initial["version"] = row.version
        for channel in Channel.values:
            initial[f"{CHANNEL_PREFIX}{channel}"] = row.interaction_costs.get(channel, "0.00")
        return initial

    def channel_fields(self) -> list[forms.BoundField]:
        return [self[f"{CHANNEL_PREFIX}{channel}"] for channel in Channel.values]

    def scalar_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in SCALAR_FIELDS]

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {name: data[name] for name in SCALAR_FIELDS}
        changes["interaction_costs"] = {channel: data[f"{CHANNEL_PREFIX}{channel}"] for channel in Channel.values}
        return changes
