"""Customer pages: list with search-as-you-type and cursor paging, the 360° page and its panels, create, edit."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from guanxi.core.forms import PageForm, add_domain_errors
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.customers import panels, selectors, services, timeline
from guanxi.customers.forms import (
    ContactForm,
    CustomerEditForm,
    CustomerProfileForm,
    InteractionForm,
    PositionChangeForm,
    PositionEndForm,
)
from guanxi.customers.models import Channel, Customer, Position

PAGE_SIZE = 25
# Tells the page that the customer's records changed (the timeline panel reloads itself).
CHANGED_EVENT = "gx-customer-changed"


# The customer list page lives in views_list.py (filters, columns, saved views).


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def customer_create_view(request: HttpRequest) -> HttpResponse:
    form = CustomerProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=actor_of(request), **form.cleaned_data)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Customer “%(name)s” has been created.") % {"name": customer.name})
            return redirect("customers:customer-detail", pk=customer.pk)
    return render(request, "customers/customer_create.html", {"form": form}, status=422 if form.errors else 200)


@login_required
def customer_detail_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    fields = ("name", "phone", *services.PROFILE_FIELDS)
    form = CustomerEditForm(
        initial={field: getattr(customer, field) for field in fields} | {"version": customer.version}
    )
    return _detail_page(request, actor, customer, form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def customer_edit_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    if request.method != "POST":
        return redirect("customers:customer-detail", pk=pk)
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    form = CustomerEditForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, actor, customer, form, status=422)
    try:
        services.customer_update(actor=actor, customer=customer, clear=form.cleared(), **form.cleaned_data)
    except Conflict:
        current = selectors.customer_get(actor=actor, pk=pk)
        return _detail_page(request, actor, current, form, status=409, conflict=True)
    except InvalidInput as exc:
        add_domain_errors(form, exc)
        return _detail_page(request, actor, customer, form, status=422)
    messages.success(request, _("Your changes have been saved."))
    return redirect("customers:customer-detail", pk=customer.pk)


def _detail_page(
    request: HttpRequest,
    actor: User,
    customer: Customer,
    form: CustomerEditForm,
    *,
    status: int = 200,
    conflict: bool = False,
) -> HttpResponse:
    side = panels.customer_panels(actor=actor, customer=customer, area="side")
    context = {
        "customer": customer,
        "form": form,
        "can_edit": access.can(actor, "change", customer),
        "conflict": conflict,
        "tags": selectors.customer_tags(actor=actor, customer=customer),
        "last_touch": _last_touch(customer),
        "header_figures": panels.customer_panels(actor=actor, customer=customer, area="header"),
        "side_panels": [panel for panel in side if panel.available],
        "empty_slots": [panel for panel in side if not panel.available],
    }
    return render(request, "customers/customer_detail.html", context, status=status)


@dataclass(frozen=True)
class LastTouch:
    at: datetime
    channel: str


def _last_touch(customer: Customer) -> LastTouch | None:
    facts = getattr(customer, "facts", None)
    if facts is None or facts.last_touch_at is None:
        return None
    channel = facts.last_touch_channel
    label = Channel(channel).label if channel in Channel.values else channel
    return LastTouch(at=facts.last_touch_at, channel=str(label))


# --- panels: timeline and relationship network ----------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def customer_timeline_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The timeline panel; with ``?cursor=`` only the next entries (the "load more" fragment)."""
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    cursor = request.GET.get("cursor", "")[:1000] or None
    page = timeline.timeline_page(actor=actor, customer=customer, cursor=cursor)
    context = {"customer": customer, "entries": page.entries, "next_cursor": page.next_cursor}
    template = "_timeline_rows.html" if cursor else "_timeline_panel.html"
    return render(request, f"customers/partials/{template}", context)


@dataclass(frozen=True)
class EdgeRow:
    source: str
    source_url: str
    label: str
    target: str
    target_url: str


def _graph(customer: Customer, network: selectors.Network) -> tuple[dict[str, Any], list[EdgeRow]]:
    """ECharts' nodes and links (categories by distance), and the same edges as a plain list."""
    urls = {
        node.id: "" if node.id == customer.pk else reverse("customers:customer-detail", args=[node.id])
        for node in network.nodes
    }
    names = {node.id: node.name for node in network.nodes}
    graph = {
        "categories": [str(_("This customer")), str(_("Directly related")), str(_("Two steps away"))],
        "nodes": [
            {"id": str(node.id), "name": node.name, "category": min(node.hops, 2), "url": urls[node.id]}
            for node in network.nodes
        ],
        "links": [{"source": str(e.source), "target": str(e.target), "label": e.label} for e in network.edges],
    }
    rows = [EdgeRow(names[e.source], urls[e.source], e.label, names[e.target], urls[e.target]) for e in network.edges]
    return graph, rows


@login_required
@require_http_methods(["GET", "HEAD"])
def customer_network_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Related customers two steps deep: a graph drawn by ECharts from ``data-gx-network``, and a list."""
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    network = selectors.customer_network(actor=actor, customer=customer, depth=2)
    graph, edges = _graph(customer, network)
    context = {"customer": customer, "graph_json": json.dumps(graph, ensure_ascii=False), "edges": edges}
    return render(request, "customers/partials/_network_panel.html", context | {"truncated": network.truncated})


# --- panels: contacts and interactions (htmx fragments loaded by the detail page) -------------

INTERACTION_PAGE_SIZE = 20


@dataclass(frozen=True)
class PostForms:
    post: Position
    change_form: PositionChangeForm
    end_form: PositionEndForm


@dataclass(frozen=True)
class PostRow:
    """A current post; its forms are rendered inline only after a refused write, else loaded on opening."""

    post: Position
    forms: PostForms | None = None


def _post_forms(post: Position, form: PageForm | None = None) -> PostForms:
    auto_id = f"id_{post.pk.hex}_%s"
    change = form if isinstance(form, PositionChangeForm) else PositionChangeForm(auto_id=auto_id)
    end = form if isinstance(form, PositionEndForm) else PositionEndForm(auto_id=auto_id)
    return PostForms(post=post, change_form=change, end_form=end)


def _post_row(post: Position, failed: Position | None, form: PageForm | None) -> PostRow:
    return PostRow(post=post, forms=_post_forms(post, form) if failed is not None and failed.pk == post.pk else None)


def _contacts_panel(
    request: HttpRequest,
    actor: User,
    customer: Customer,
    *,
    form: PageForm | None = None,
    failed: Position | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    posts = list(selectors.contact_list(actor=actor, customer=customer))
    context = {
        "customer": customer,
        "can_edit": access.can(actor, "change", customer),
        "current": [_post_row(post, failed, form) for post in posts if post.is_current],
        "ended": [post for post in posts if not post.is_current],
        "form": form if isinstance(form, ContactForm) else ContactForm(),
        "error": error,
    }
    return render(request, "customers/partials/_contacts_panel.html", context, status=status)


def _panel_done(request: HtmxHttpRequest, response: Callable[[], HttpResponse], customer: Customer) -> HttpResponse:
    """After a successful write: the refreshed panel for htmx (telling the page the customer changed),
    the detail page otherwise."""
    if not request.htmx:
        return redirect("customers:customer-detail", pk=customer.pk)
    panel = response()
    panel["HX-Trigger"] = CHANGED_EVENT
    return panel


def _ensure_can_change(actor: User, customer: Customer) -> None:
    if not access.can(actor, "change", customer):
        raise NotAllowed(_("You can view this customer but not change it."))


@login_required
@require_http_methods(["GET", "HEAD"])
def customer_contacts_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    return _contacts_panel(request, actor, selectors.customer_get(actor=actor, pk=pk))


@login_required
@require_http_methods(["POST"])
def contact_create_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    _ensure_can_change(actor, customer)
    form = ContactForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        post = {field: data.pop(field) for field in ("title", "department", "buying_role")}
        try:
            services.contact_create(actor=actor, customer=customer, post=post, **data)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
    if form.errors:
        return _contacts_panel(request, actor, customer, form=form, status=422)
    return _panel_done(request, lambda: _contacts_panel(request, actor, customer), customer)


@login_required
@require_http_methods(["GET", "HEAD"])
def position_forms_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """The change and end forms of one post, loaded when the user opens them (a long org chart stays fast)."""
    actor = actor_of(request)
    position = selectors.position_get(actor=actor, pk=pk)
    _ensure_can_change(actor, position.customer)
    return render(request, "customers/partials/_position_forms.html", {"row": _post_forms(position)})


def _position_write(request: HtmxHttpRequest, pk: UUID, form: PageForm, write: Callable[..., Any]) -> HttpResponse:
    """Change or end one post: the form's cleaned data go to ``write``; errors show on that post's form."""
    actor = actor_of(request)
    position = selectors.position_get(actor=actor, pk=pk)
    customer = position.customer
    _ensure_can_change(actor, customer)
    form.auto_id = f"id_{position.pk.hex}_%s"
    try:
        if form.is_valid():
            given = {name: value for name, value in form.cleaned_data.items() if value not in ("", None)}
            write(actor=actor, position=position, **given)
    except InvalidInput as exc:
        add_domain_errors(form, exc)
    except InvalidTransition as exc:
        return _contacts_panel(request, actor, customer, error=exc.detail, status=409)
    if form.errors:
        return _contacts_panel(request, actor, customer, form=form, failed=position, status=422)
    return _panel_done(request, lambda: _contacts_panel(request, actor, customer), customer)


@login_required
@require_http_methods(["POST"])
def position_change_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    return _position_write(request, pk, PositionChangeForm(request.POST), services.position_change)


@login_required
@require_http_methods(["POST"])
def position_end_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    return _position_write(request, pk, PositionEndForm(request.POST), services.position_end)


def _interaction_form(actor: User, customer: Customer, data: Any = None) -> tuple[InteractionForm, dict[str, Any]]:
    """The log form with the customer's current contacts to choose from, and those contacts by id."""
    posts = selectors.contact_list(actor=actor, customer=customer, current_only=True)
    contacts = {str(post.contact_id): post.contact for post in posts}
    labels = [(str(post.contact_id), " · ".join(filter(None, [post.contact.name, post.title]))) for post in posts]
    return InteractionForm(data, contacts=labels), contacts


def _interactions_panel(
    request: HttpRequest,
    actor: User,
    customer: Customer,
    *,
    form: InteractionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cursor = request.GET.get("cursor") or None if request.method == "GET" else None
    page = selectors.interaction_page(actor=actor, customer=customer, limit=INTERACTION_PAGE_SIZE, cursor=cursor)
    context = {
        "customer": customer,
        "interactions": page["items"],
        "next_cursor": page["next_cursor"],
        "last": page["items"][0] if page["items"] and cursor is None else None,
    }
    if cursor is not None:
        return render(request, "customers/partials/_interaction_rows.html", context)
    can_edit = access.can(actor, "change", customer)
    if can_edit and form is None:
        form, _contacts = _interaction_form(actor, customer)
    context |= {"can_edit": can_edit, "form": form}
    return render(request, "customers/partials/_interactions_panel.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def customer_interactions_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    return _interactions_panel(request, actor, selectors.customer_get(actor=actor, pk=pk))


@login_required
@require_http_methods(["POST"])
def interaction_create_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    _ensure_can_change(actor, customer)
    form, contacts = _interaction_form(actor, customer, request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data) | {"contact": contacts.get(form.cleaned_data["contact"])}
        try:
            services.interaction_log(actor=actor, customer=customer, **data)
        except InvalidInput as exc:
            add_domain_errors(form, exc, aliases={"contact_id": "contact"})
    if form.errors:
        return _interactions_panel(request, actor, customer, form=form, status=422)
    return _panel_done(request, lambda: _interactions_panel(request, actor, customer), customer)
