"""Customer pages: list with search-as-you-type and cursor paging, detail with history, create, edit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import Conflict, InvalidInput
from guanxi.core.forms import add_domain_errors
from guanxi.core.models import AuditEntry
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.customers import selectors, services
from guanxi.customers.forms import CustomerEditForm, CustomerForm
from guanxi.customers.models import Customer

PAGE_SIZE = 25
HISTORY_LIMIT = 100


@login_required
def customer_list_view(request: HtmxHttpRequest) -> HttpResponse:
    q, order = request.GET.get("q", "")[:200], request.GET.get("ordering") or selectors.CUSTOMER_ORDERING.default
    page = selectors.customer_page(
        actor=actor_of(request), q=q, order=order, limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None
    )
    context = {"customers": page["items"], "next_cursor": page["next_cursor"], "q": q, "ordering": order}
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "customers/partials/_customer_rows.html", context)
    return render(request, "customers/customer_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def customer_create_view(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(request.POST or None)
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
    form = CustomerEditForm(initial={"name": customer.name, "phone": customer.phone, "version": customer.version})
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
        services.customer_update(actor=actor, customer=customer, **form.cleaned_data)
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
    history = selectors.customer_history(actor=actor, customer=customer)[:HISTORY_LIMIT]
    context = {
        "customer": customer,
        "form": form,
        "can_edit": access.can(actor, "change", customer),
        "conflict": conflict,
        "history": _history_rows(history),
    }
    return render(request, "customers/customer_detail.html", context, status=status)


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    actor: str
    action: str
    field: str
    old_value: str
    new_value: str
    is_create: bool


def _field_label(name: str) -> str | None:
    """The translated label of an editable field; None hides derived fields (pinyin, E.164)."""
    try:
        field = Customer._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    if not getattr(field, "editable", True) and name not in {"owner", "team"}:
        return None
    return str(getattr(field, "verbose_name", name))


def _history_rows(entries: Iterable[AuditEntry]) -> list[HistoryRow]:
    rows = []
    for entry in entries:
        label = _field_label(entry.field) if entry.field else ""
        if label is None:
            continue
        rows.append(
            HistoryRow(
                at=entry.at,
                actor=str(entry.actor),
                action=entry.get_action_display(),
                field=label,
                old_value=entry.old_value,
                new_value=entry.new_value,
                is_create=entry.action == AuditEntry.Action.CREATE,
            )
        )
    return rows
