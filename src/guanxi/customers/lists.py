"""The customer list as a saved-view target: its filters and its columns."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import InvalidInput
from guanxi.core.saved_views import ListSpec, register_list
from guanxi.insights.models import ValueClassChoice

CUSTOMER_ORDERINGS = ("-created_at", "created_at", "-updated_at", "updated_at", "name", "-name")

CUSTOMER_LIST = register_list(
    ListSpec(
        record_type="customers.customer",
        label=_("Customers"),
        filters={
            "q": str,
            "owner_id": int,
            "team_id": int,
            "tag_id": int,
            "province": str,
            "city": str,
            "ordering": str,
            "value_class": str,
            "grade": str,
            "segment_id": str,
            "rfm_r": int,
            "rfm_f": int,
            "rfm_m": int,
            "profit_min": str,
            "profit_max": str,
            "clv_min": str,
            "clv_max": str,
        },
        columns={
            "name": _("Name"),
            "phone": _("Phone"),
            "email": _("Email"),
            "kind": _("Kind"),
            "industry": _("Industry"),
            "province": _("Province"),
            "city": _("City"),
            "source": _("Source"),
            "owner": _("Owner"),
            "team": _("Team"),
            "created_at": _("Created"),
            "updated_at": _("Last changed"),
            "value_class": _("Value class"),
            "profit": _("Profit"),
            "lifetime_value": _("Lifetime value"),
            "grade": _("Grade"),
        },
        default_columns=("name", "phone", "owner", "team", "updated_at"),
        choices={"ordering": CUSTOMER_ORDERINGS, "value_class": tuple(ValueClassChoice.values)},
    )
)


VALUE_COLUMNS = ("value_class", "profit", "lifetime_value", "grade")


def cell(customer: Any, column: str) -> Any:
    """The value a column shows for one customer (choice labels, names of related records)."""
    if column in {"kind", "industry", "source"}:
        return getattr(customer, f"get_{column}_display")()
    if column in {"value_class", "profit", "lifetime_value"}:
        # A customer added since the last value run has no figures yet.
        value = getattr(customer, "value", None)
        if value is None:
            return None
        return value.get_value_class_display() if column == "value_class" else getattr(value, column)
    if column == "grade":
        grade = getattr(customer, "grade", None)
        return None if grade is None else grade.grade
    return getattr(customer, column)


# --- value filters (the drill-downs of the value dashboard) ----------------------------------

SCORE_FILTERS = ("rfm_r", "rfm_f", "rfm_m")
MONEY_FILTERS = ("profit_min", "profit_max", "clv_min", "clv_max")
VALUE_FILTERS = ("value_class", "grade", "segment_id", *SCORE_FILTERS, *MONEY_FILTERS)
MONEY_LIMIT = Decimal("1e16")
FILTER_LABELS = {
    "value_class": pgettext_lazy("customer list filter", "Value class"),
    "grade": pgettext_lazy("customer list filter", "Grade"),
    "segment_id": pgettext_lazy("customer list filter", "Segment"),
    "rfm_r": pgettext_lazy("customer list filter", "R score"),
    "rfm_f": pgettext_lazy("customer list filter", "F score"),
    "rfm_m": pgettext_lazy("customer list filter", "M score"),
    "profit_min": pgettext_lazy("customer list filter", "Profit at least"),
    "profit_max": pgettext_lazy("customer list filter", "Profit at most"),
    "clv_min": pgettext_lazy("customer list filter", "Lifetime value at least"),
    "clv_max": pgettext_lazy("customer list filter", "Lifetime value at most"),
}
CLASS_LABELS = {
    ValueClassChoice.MOST_VALUABLE.value: pgettext_lazy("customer list filter", "Most valuable"),
    ValueClassChoice.MOST_GROWABLE.value: pgettext_lazy("customer list filter", "Most growable"),
    ValueClassChoice.NEGATIVE.value: pgettext_lazy("customer list filter", "Negative value"),
    ValueClassChoice.OTHER.value: pgettext_lazy("customer list filter", "Other"),
}


def _clean_value(key: str, raw: Any) -> Any:
    """One value filter in its type; ValueError with the message to show when it is not valid."""
    text = str(raw).strip()
    if key == "value_class":
        if text not in ValueClassChoice.values:
            raise ValueError(gettext("Use one of: %s") % ", ".join(ValueClassChoice.values))
        return text
    if key == "grade":
        if len(text) > 8 or "\x00" in text:
            raise ValueError(gettext("A grade has at most 8 characters."))
        return text
    if key == "segment_id":
        try:
            return raw if isinstance(raw, UUID) else UUID(text)
        except ValueError:
            raise ValueError(gettext("Must be a segment id.")) from None
    if key in SCORE_FILTERS:
        if isinstance(raw, bool) or not text.isdigit() or len(text) > 2 or not 1 <= int(text) <= 10:
            raise ValueError(gettext("Must be a whole number from 1 to 10."))
        return int(text)
    try:
        number = raw if isinstance(raw, Decimal) else Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or abs(number) >= MONEY_LIMIT or _cents_below(number):
        raise ValueError(gettext("Must be an amount such as 1200 or -0.01."))
    return number.quantize(Decimal("0.01"))


def _cents_below(number: Decimal) -> bool:
    """More decimals than cents (1.234): money filters are to the cent, as the figures are."""
    exponent = number.normalize().as_tuple().exponent
    return isinstance(exponent, int) and exponent < -2


def value_filters(raw: Mapping[str, Any], *, strict: bool = True) -> tuple[dict[str, Any], list[dict[str, object]]]:
    """The value filters given in ``raw``, cleaned, and an error per invalid one (``loc``: query, name).

    With ``strict`` an invalid filter raises ``InvalidInput`` (the API's 422); else the page shows the
    errors and leaves those filters out.
    """
    clean: dict[str, Any] = {}
    errors: list[dict[str, object]] = []
    for key in VALUE_FILTERS:
        value = raw.get(key)
        if value is None or value == "":
            continue
        try:
            clean[key] = _clean_value(key, value)
        except ValueError as error:
            errors.append({"loc": ["query", key], "msg": str(error)})
    if errors and strict:
        raise InvalidInput(gettext("Some filters are not valid."), errors=errors)
    return clean, errors


def filter_chip_label(key: str, value: Any) -> str:
    """ "Value class: Negative value" — a value filter as the list page shows it (bilingual)."""
    shown = CLASS_LABELS.get(str(value), value) if key == "value_class" else value
    return gettext("%(name)s: %(value)s") % {"name": FILTER_LABELS[key], "value": shown}


def with_view(actor: Any, view_id: Any, given: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The list's filters: a saved view's, overridden by every filter given explicitly.

    Returns the filters and the view (None without one). The view must be visible to the actor
    (own or shared with them) and be a customer view; else it is not found.
    """
    from guanxi.core.saved_views import saved_view_get

    given = {key: value for key, value in given.items() if value not in (None, "")}
    if not view_id:
        return given, None
    view = saved_view_get(actor=actor, pk=view_id, record_type=CUSTOMER_LIST.record_type)
    return dict(view.filters) | given, view
