"""The customer list as a saved-view target: its filters and its columns."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guanxi.core.saved_views import ListSpec, register_list

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
        },
        default_columns=("name", "phone", "owner", "team", "updated_at"),
        choices={"ordering": CUSTOMER_ORDERINGS},
    )
)


def cell(customer: Any, column: str) -> Any:
    """The value a column shows for one customer (choice labels, names of related records)."""
    if column in {"kind", "industry", "source"}:
        return getattr(customer, f"get_{column}_display")()
    return getattr(customer, column)


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
