"""The customer list page: search as you type, filters, columns, saved views (own and shared)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import saved_views
from guanxi.core.errors import Conflict, InvalidInput, NotFound
from guanxi.core.models import ViewSharing
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.customers import selectors
from guanxi.customers.lists import (
    CUSTOMER_LIST,
    CUSTOMER_ORDERINGS,
    VALUE_COLUMNS,
    VALUE_FILTERS,
    cell,
    filter_chip_label,
    value_filters,
    with_view,
)
from guanxi.customers.models import Tag

PAGE_SIZE = 25
TEXT_FILTERS = ("q", "province", "city")
NUMBER_FILTERS = ("owner_id", "team_id", "tag_id")


def _given(request: HttpRequest) -> dict[str, Any]:
    """Filters from the query string; malformed numbers are ignored rather than failing the page."""
    given: dict[str, Any] = {key: request.GET.get(key, "")[:200].replace("\x00", "") for key in TEXT_FILTERS}
    for key in NUMBER_FILTERS:
        raw = request.GET.get(key, "")
        given[key] = int(raw) if raw.isdigit() and len(raw) < 18 else None
    ordering = request.GET.get("ordering", "")
    given["ordering"] = ordering if ordering in CUSTOMER_ORDERINGS else ""
    for key in VALUE_FILTERS:  # checked by ``lists.value_filters``: the page says which are not valid
        given[key] = request.GET.get(key, "")[:60]
    return given


def _chips(actor: Any, value: dict[str, Any], keep: dict[str, Any]) -> list[tuple[str, str]]:
    """The active value filters as (label, URL of the list without that filter)."""
    chips = []
    for key, chosen in value.items():
        shown = chosen
        if key == "segment_id":
            shown = selectors.segment_name(actor=actor, pk=chosen) or chosen
        rest = {k: v for k, v in keep.items() if k != key}
        chips.append((filter_chip_label(key, shown), f"{reverse('customers:customer-list')}?{urlencode(rest)}"))
    return chips


def _columns(request: HttpRequest, view: Any) -> list[str]:
    chosen = [c for c in request.GET.getlist("columns") if c in CUSTOMER_LIST.columns]
    if chosen:
        return chosen
    return list(view.columns) if view is not None and view.columns else list(CUSTOMER_LIST.default_columns)


@login_required
def customer_list_view(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    view_id = request.GET.get("view") or None
    try:
        filters, view = with_view(actor, view_id, _given(request))
    except NotFound:
        messages.warning(request, _("That saved view does not exist or is not shared with you."))
        filters, view = with_view(actor, None, _given(request))
    value, value_errors = value_filters(filters, strict=False)
    filters = {key: given for key, given in filters.items() if key not in VALUE_FILTERS}
    order = filters.pop("ordering", None) or selectors.CUSTOMER_ORDERING.default
    columns = _columns(request, view)
    page = selectors.customer_page(
        actor=actor,
        order=order,
        limit=PAGE_SIZE,
        cursor=request.GET.get("cursor") or None,
        with_figures=any(c in VALUE_COLUMNS for c in columns),
        **filters,
        **value,
    )
    state = {key: given for key, given in filters.items() if given not in (None, "")}
    value_state = {key: str(chosen) for key, chosen in value.items()}
    view_state = {"view": view.pk} if view else {}
    query = urlencode({**state, **value_state, "ordering": order, **view_state})
    query_columns = urlencode([("columns", c) for c in columns])
    context = {
        "rows": [(customer, [(c, cell(customer, c)) for c in columns]) for customer in page["items"]],
        "has_name": "name" in columns,
        "next_cursor": page["next_cursor"],
        "q": filters.get("q", ""),
        "filters": {**filters, **value_state},
        "value_state": value_state,
        "value_chips": _chips(actor, value, {**state, **value_state, "ordering": order, **view_state}),
        "value_errors": value_errors,
        "ordering": order,
        "columns": [(key, CUSTOMER_LIST.columns[key]) for key in columns],
        "all_columns": list(CUSTOMER_LIST.columns.items()),
        "view": view,
        "views": saved_views.saved_view_list(actor=actor, record_type=CUSTOMER_LIST.record_type),
        "tags": Tag.objects.select_related("group").order_by("group__name", "name")[:200],
        "sharing_choices": ViewSharing.choices,
        "query": query,
        "query_columns": query_columns,
        "export_query": request.GET.urlencode(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "customers/partials/_customer_rows.html", context)
    return render(request, "customers/customer_list.html", context)


def _list_url(view_id: Any = None) -> str:
    url = reverse("customers:customer-list")
    return f"{url}?{urlencode({'view': view_id})}" if view_id else url


@login_required
@require_POST
def saved_view_save(request: HttpRequest) -> HttpResponse:
    """Save the list's current filters and columns as a new view, or over one of the user's own views."""
    actor = actor_of(request)
    raw = {key: request.POST.get(key, "") for key in (*TEXT_FILTERS, *NUMBER_FILTERS, *VALUE_FILTERS, "ordering")}
    columns = [c for c in request.POST.getlist("columns") if c]
    sharing = request.POST.get("sharing") or ViewSharing.PRIVATE
    try:
        if request.POST.get("replace"):
            existing = saved_views.saved_view_get(
                actor=actor, pk=request.POST["replace"], record_type=CUSTOMER_LIST.record_type
            )
            view = saved_views.saved_view_update(
                actor=actor, view=existing, version=existing.version, filters=raw, columns=columns, sharing=sharing
            )
        else:
            view = saved_views.saved_view_create(
                actor=actor,
                record_type=CUSTOMER_LIST.record_type,
                name=request.POST.get("name", ""),
                filters=raw,
                columns=columns,
                sharing=sharing,
            )
    except (InvalidInput, Conflict) as exc:
        details = "; ".join(str(e.get("msg", "")) for e in getattr(exc, "errors", []) or []) or exc.detail
        messages.error(request, _("The view was not saved: %(reason)s") % {"reason": details})
        return redirect(_list_url())
    messages.success(request, _("Saved view “%(name)s”.") % {"name": view.name})
    return redirect(_list_url(view.pk))


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_of(request)
    view = saved_views.saved_view_get(actor=actor, pk=pk, record_type=CUSTOMER_LIST.record_type)
    saved_views.saved_view_delete(actor=actor, view=view)
    messages.success(request, _("Deleted view “%(name)s”.") % {"name": view.name})
    return redirect(_list_url())
