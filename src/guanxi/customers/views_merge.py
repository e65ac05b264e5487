"""Merge pages: pick the customer to merge with, compare and choose field by field, confirm and undo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from guanxi.core.forms import PageForm
from guanxi.core.pages import actor_of
from guanxi.customers import selectors, services
from guanxi.customers.models import Customer, MergeKind, MergeRecord
from guanxi.customers.services.merge import ABSORBED, CUSTOMER_MERGE, SPECS, SURVIVOR, default_choices, undo_refusal
from guanxi.customers.services.merge_moves import SHARES, concrete

PICK_LIMIT = 20


class MergeForm(PageForm):
    """Both versions as the user read them, and for each field whose value to keep."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    other_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, fields: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sides = [(SURVIVOR, gettext_lazy("Keep this record's value")), (ABSORBED, gettext_lazy("Take the other's"))]
        for name in fields:
            self.fields[f"keep_{name}"] = forms.ChoiceField(choices=sides, required=False, widget=forms.RadioSelect)

    def choices(self) -> dict[str, str]:
        data = self.cleaned_data
        return {key.removeprefix("keep_"): value for key, value in data.items() if key.startswith("keep_") and value}


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: str
    mine: str
    theirs: str
    keep: str
    differs: bool


def _shown(record: Any, name: str) -> str:
    field = concrete(type(record), name)
    value = getattr(record, name)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _rows(survivor: Customer, absorbed: Customer, keep: Mapping[str, str]) -> list[FieldRow]:
    rows = []
    for name in CUSTOMER_MERGE.fields:
        mine, theirs = _shown(survivor, name), _shown(absorbed, name)
        label = str(concrete(Customer, name).verbose_name)
        rows.append(FieldRow(name, label[:1].upper() + label[1:], mine, theirs, keep[name], mine != theirs))
    return rows


def _ensure_can_change(actor: User, customer: Customer) -> None:
    if not access.can(actor, "change", customer):
        raise NotAllowed(_("You can view this customer but not change it."))


@login_required
@require_http_methods(["GET", "HEAD"])
def customer_merge_pick_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Search for the customer to merge into this one."""
    actor = actor_of(request)
    customer = selectors.customer_get(actor=actor, pk=pk)
    _ensure_can_change(actor, customer)
    q = request.GET.get("q", "").strip()[:200]
    found: list[Customer] = []
    if q:
        page = selectors.customer_page(actor=actor, q=q, limit=PICK_LIMIT + 1)
        found = [other for other in page["items"] if other.pk != customer.pk][:PICK_LIMIT]
    context = {"customer": customer, "q": q, "found": found}
    return render(request, "customers/merge/customer_pick.html", context)


def _compare_page(
    request: HttpRequest,
    survivor: Customer,
    absorbed: Customer,
    form: MergeForm | None = None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    keep = default_choices(CUSTOMER_MERGE, survivor, absorbed)
    if form is not None and form.is_bound and hasattr(form, "cleaned_data"):
        keep |= form.choices()
    context = {
        "survivor": survivor,
        "absorbed": absorbed,
        "rows": _rows(survivor, absorbed, keep),
        "owners_differ": survivor.owner_id != absorbed.owner_id,
        "error": error,
    }
    return render(request, "customers/merge/customer_compare.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def customer_merge_compare_view(request: HttpRequest, pk: UUID, other: UUID) -> HttpResponse:
    """Both customers side by side; posting merges ``other`` into ``pk`` with the values chosen."""
    if pk == other:
        return redirect("customers:customer-merge", pk=pk)
    actor = actor_of(request)
    survivor = selectors.customer_get(actor=actor, pk=pk)
    absorbed = selectors.customer_get(actor=actor, pk=other)
    _ensure_can_change(actor, survivor)
    _ensure_can_change(actor, absorbed)
    if request.method != "POST":
        return _compare_page(request, survivor, absorbed)
    form = MergeForm(request.POST, fields=CUSTOMER_MERGE.fields)
    if not form.is_valid():
        return _compare_page(request, survivor, absorbed, form, error=_("Please check your choices."), status=422)
    try:
        merge = services.customer_merge(
            actor=actor,
            survivor=survivor,
            absorbed=absorbed,
            version=form.cleaned_data["version"],
            other_version=form.cleaned_data["other_version"],
            fields=form.choices(),
        )
    except Conflict as exc:
        fresh = (selectors.customer_get(actor=actor, pk=pk), selectors.customer_get(actor=actor, pk=other))
        return _compare_page(request, *fresh, error=exc.detail, status=409)
    except InvalidInput as exc:
        return _compare_page(request, survivor, absorbed, form, error=exc.detail, status=422)
    messages.success(
        request,
        _("“%(absorbed)s” has been merged into “%(survivor)s”.")
        % {"absorbed": merge.absorbed_name, "survivor": merge.survivor_name},
    )
    return redirect("customers:merge-detail", pk=merge.pk)


@dataclass(frozen=True)
class MovedRow:
    records: str
    via: str
    count: int


def _moved_rows(merge: MergeRecord) -> list[MovedRow]:
    rows = []
    for label, pks in sorted(merge.moved.items()):
        if label == SHARES:
            rows.append(MovedRow(_("Shares"), "", len(pks)))
            continue
        app_label, model_name, name = label.split(".")
        model = apps.get_model(app_label, model_name)
        rows.append(MovedRow(str(model._meta.verbose_name_plural), str(concrete(model, name).verbose_name), len(pks)))
    return rows


def _detail_page(
    request: HttpRequest, actor: User, merge: MergeRecord, *, error: str = "", status: int = 200
) -> HttpResponse:
    spec = SPECS[MergeKind(merge.kind)]
    refusal = undo_refusal(actor=actor, merge=merge)
    labels = [str(concrete(spec.model, name).verbose_name) for name in merge.changed_fields]
    survivor_exists, absorbed_exists = selectors.merge_sides_exist(merge=merge)
    context = {
        "merge": merge,
        "is_customer": merge.kind == MergeKind.CUSTOMER,
        "survivor_exists": survivor_exists,
        "absorbed_exists": absorbed_exists,
        "changed": labels,
        "moved": _moved_rows(merge),
        "removed_count": len(merge.removed),
        "can_undo": refusal is None,
        "refusal": "" if refusal is None or merge.undone_at else refusal.detail,
        "error": error,
    }
    return render(request, "customers/merge/merge_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def merge_detail_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """What a merge did, with the undo button while undo is possible."""
    actor = actor_of(request)
    return _detail_page(request, actor, selectors.merge_get(actor=actor, pk=pk))


@login_required
@require_http_methods(["POST"])
def merge_undo_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    merge = selectors.merge_get(actor=actor, pk=pk)
    try:
        services.merge_undo(actor=actor, merge=merge)
    except (Conflict, InvalidTransition) as exc:
        return _detail_page(request, actor, merge, error=exc.detail, status=409)
    messages.success(request, _("The merge has been undone: both records are back as they were."))
    return redirect("customers:merge-detail", pk=merge.pk)
