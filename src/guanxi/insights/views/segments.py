"""Insights pages: segments — the list, the rule builder (create, edit), the detail page with its curves."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.core.errors import Conflict, InvalidInput, NotAllowed
from guanxi.core.forms import PageForm
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.insights import segments
from guanxi.insights.segments import selectors as segment_selectors
from guanxi.insights.segments import services as segment_services
from guanxi.insights.segments.rules import FIELDS, OPS, TAG_OPS, condition_from_text

MAX_ROWS = 20
BLANK_ROWS = 1


class SegmentForm(PageForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=120, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False)
    teams = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Sales teams working this segment"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = [(t.pk, t.name) for t in segment_selectors.team_choices()]  # type: ignore[attr-defined]


def _rows_from_post(data: QueryDict) -> list[dict[str, Any]]:
    """The builder's rows (``cond-<i>-field/op/value``), in order; "remove" drops a row, "add" adds one."""
    try:
        count = min(max(int(data.get("cond-count", "0")), 0), MAX_ROWS)
    except ValueError:
        count = 0
    removed = data.get("remove_row", "")
    rows = [
        {
            "field": data.get(f"cond-{i}-field", ""),
            "op": data.get(f"cond-{i}-op", ""),
            "value": data.get(f"cond-{i}-value", "")[:2000],
            "error": "",
        }
        for i in range(count)
        if str(i) != removed
    ]
    if "add_row" in data and len(rows) < MAX_ROWS:
        rows.append({"field": "", "op": "", "value": "", "error": ""})
    return rows


def _rows_from_rule(rule: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for condition in rule.get("conditions", []):
        value = condition.get("value")
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, list):
            text = ", ".join(str(item) for item in value)
        else:
            text = "" if value is None else str(value)
        rows.append({"field": condition.get("field", ""), "op": condition.get("op", ""), "value": text, "error": ""})
    return rows + [{"field": "", "op": "", "value": "", "error": ""} for _ in range(BLANK_ROWS)]


def _rule_from_rows(match: str, rows: list[dict[str, Any]]) -> tuple[dict[str, Any], list[int]]:
    """The rule of the filled rows, and which row each condition came from (to show errors there)."""
    used = [i for i, row in enumerate(rows) if row["field"]]
    conditions = [condition_from_text(rows[i]["field"], rows[i]["op"], rows[i]["value"]) for i in used]
    return {"match": match if match in {"all", "any"} else "all", "conditions": conditions}, used


def _show_errors(form: SegmentForm, rows: list[dict[str, Any]], used: list[int], exc: InvalidInput) -> None:
    for error in exc.errors or [{"loc": [], "msg": exc.detail}]:
        loc = list(error.get("loc") or [])  # type: ignore[call-overload]
        message = str(error.get("msg", exc.detail))
        if loc[:2] == ["rule", "conditions"] and len(loc) > 2 and isinstance(loc[2], int) and loc[2] < len(used):
            rows[used[loc[2]]]["error"] = message
        elif loc and loc[-1] in form.fields:
            form.add_error(str(loc[-1]), message)
        elif loc == ["team_ids"]:
            form.add_error("teams", message)
        else:
            form.add_error(None, message)


def _builder(
    request: HttpRequest, form: SegmentForm, rows: list[dict[str, Any]], match: str, **extra: Any
) -> HttpResponse:
    catalogue = {
        key: {"type": spec.type, "ops": list(spec.ops), "list": f"gx-values-{key}" if _has_values(spec) else ""}
        for key, spec in FIELDS.items()
    }
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, spec in FIELDS.items():
        groups.setdefault(str(spec.group), []).append((key, str(spec.label)))
    status = 422 if form.errors or any(row["error"] for row in rows) else extra.pop("status", 200)
    context = {
        "form": form,
        "rows": rows,
        "match": match,
        "field_groups": groups.items(),
        "ops": [(key, str(label)) for key, label in OPS.items()],
        "tag_ops": {key: str(label) for key, label in TAG_OPS.items()},
        "catalogue": catalogue,
        "value_lists": _value_lists(),
        "row_template": {"field": "", "op": "", "value": "", "error": ""},
        **extra,
    }
    return render(request, "insights/segment_form.html", context, status=status)


def _has_values(spec: Any) -> bool:
    return bool(spec.choices) or spec.type in {"user", "team", "tag", "boolean"}


def _value_lists() -> list[tuple[str, list[tuple[Any, str]]]]:
    ids = segment_selectors.rule_value_choices()
    lists = []
    for key, spec in FIELDS.items():
        if spec.choices:
            lists.append((f"gx-values-{key}", [(value, str(label)) for value, label in spec.choices]))
        elif spec.type in ids:
            lists.append((f"gx-values-{key}", ids[spec.type]))
        elif spec.type == "boolean":
            lists.append((f"gx-values-{key}", [("yes", _("yes")), ("no", _("no"))]))
    return lists


def _ensure_manager(actor: Any) -> None:
    if not segments.can_manage(actor):
        raise NotAllowed(_("You do not have the permission for this action."))


def _changes(form: SegmentForm, rule: dict[str, Any]) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "name_en": data["name_en"],
        "description": data["description"],
        "is_active": data["is_active"],
        "team_ids": data["teams"],
        "rule": rule,
    }


@login_required
def segment_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    rows = segments.segment_list(actor=actor)
    return render(request, "insights/segment_list.html", {"rows": rows, "can_manage": segments.can_manage(actor)})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def segment_create_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    _ensure_manager(actor)
    if request.method != "POST":
        form = SegmentForm(initial={"is_active": True})
        return _builder(request, form, _rows_from_rule({"conditions": []}), "all")
    form = SegmentForm(request.POST)
    rows, match = _rows_from_post(request.POST), request.POST.get("match", "all")
    if "add_row" in request.POST or "remove_row" in request.POST or not form.is_valid():
        return _builder(request, form, rows, match)
    rule, used = _rule_from_rows(match, rows)
    try:
        segment = segments.segment_create(actor=actor, **_changes(form, rule))
    except InvalidInput as exc:
        _show_errors(form, rows, used, exc)
        return _builder(request, form, rows, match)
    messages.success(request, _("Segment “%(name)s” has been created.") % {"name": segment.name})
    return redirect("insights:segment-detail", pk=segment.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def segment_edit_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    segment = segments.segment_get(actor=actor, pk=pk)
    _ensure_manager(actor)
    if request.method != "POST":
        initial = {
            "name": segment.name,
            "name_en": segment.name_en,
            "description": segment.description,
            "is_active": segment.is_active,
            "teams": [team.pk for team in segment.teams.all()],
            "version": segment.version,
        }
        return _builder(
            request, SegmentForm(initial=initial), _rows_from_rule(segment.rule), segment.rule.get("match", "all"),
            segment=segment,
        )  # fmt: skip
    form = SegmentForm(request.POST)
    rows, match = _rows_from_post(request.POST), request.POST.get("match", "all")
    if "add_row" in request.POST or "remove_row" in request.POST or not form.is_valid():
        return _builder(request, form, rows, match, segment=segment)
    rule, used = _rule_from_rows(match, rows)
    try:
        segments.segment_update(
            actor=actor, segment=segment, version=form.cleaned_data["version"], changes=_changes(form, rule)
        )
    except Conflict:
        form.add_error(None, _("This segment was changed by someone else. Reload it and try again."))
        return _builder(request, form, rows, match, segment=segment, status=409)
    except InvalidInput as exc:
        _show_errors(form, rows, used, exc)
        return _builder(request, form, rows, match, segment=segment)
    messages.success(request, _("Your changes have been saved."))
    return redirect("insights:segment-detail", pk=segment.pk)


@login_required
@require_POST
def segment_delete_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    segment = segments.segment_get(actor=actor, pk=pk)
    segments.segment_delete(actor=actor, segment=segment)
    messages.success(request, _("Segment “%(name)s” has been deleted.") % {"name": segment.name})
    return redirect("insights:segment-list")


@login_required
@require_POST
def segment_refresh_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    """Queue "recompute members now" (value managers); the detail page follows the job."""
    actor = actor_of(request)
    segment = segments.segment_get(actor=actor, pk=pk)
    try:
        segment_services.segment_refresh_request(actor=actor, segment=segment)
    except InvalidInput as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("The members are being recomputed in the background."))
    return redirect("insights:segment-detail", pk=segment.pk)


def _refresh_job(segment: Any, history: segment_selectors.SegmentHistory | None) -> dict[str, Any]:
    """The "recompute members" job, for insights/partials/_job_status.html."""
    result = ""
    last = history.snapshots[-1] if history is not None and history.snapshots else None
    if last is not None:
        result = _("%(members)d members, %(joined)d joined, %(left)d left.") % {
            "members": last.members,
            "joined": last.joined,
            "left": last.left,
        }
    return {
        "job": segment.refresh_job,
        "job_id": "gx-refresh-job",
        "job_url": reverse("insights:segment-refresh-status", args=[segment.pk]),
        "result": result,
        "not_active_text": _("The segment was deactivated before the worker got to it."),
    }


@login_required
@require_http_methods(["GET", "HEAD"])
def segment_refresh_status_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    """Where "recompute members" stands (polled while it works); once it stops, the page reloads."""
    actor = actor_of(request)
    segment = segments.segment_get(actor=actor, pk=pk)
    _ensure_manager(actor)
    context = _refresh_job(segment, segments.segment_history(actor=actor, segment=segment))
    response = render(request, "insights/partials/_job_status.html", context)
    if request.htmx and not segment.refresh_job.is_active:
        response["HX-Refresh"] = "true"
    return response


@login_required
def segment_detail_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    segment = segments.segment_get(actor=actor, pk=pk)
    row = segments.segment_row(actor=actor, segment=segment)
    history = segments.segment_history(actor=actor, segment=segment)
    curves = segments.segment_curves(actor=actor, segment=segment) if row.curves_visible else {}
    size = {
        "dates": [s.as_of.isoformat() for s in history.snapshots],
        "members": [s.members for s in history.snapshots],
        "joined": [s.joined for s in history.snapshots],
        "left": [s.left for s in history.snapshots],
    }
    data = {kind: curve.data for kind, curve in curves.items()}
    has_purchases = any(curve.data.get("purchases") for curve in curves.values())
    context = {
        "segment": segment,
        "row": row,
        "lines": segment_selectors.rule_lines(segment.rule),
        "history": history,
        "size": size,
        "curves": data,
        "curves_as_of": max((curve.as_of for curve in curves.values()), default=None),
        "has_purchases": has_purchases,
        "interpurchase": data.get("interpurchase", {}),
        "members_url": reverse("customers:customer-list") + f"?segment_id={segment.pk}",
        "chart_labels": curve_labels(),
        **(_refresh_job(segment, history) if row.can_manage else {}),
    }
    return render(request, "insights/segment_detail.html", context)


def curve_labels() -> dict[str, str]:
    """The labels of the curve charts (insights/curves.js), in the reader's language."""
    return {
        "members": _("Members"),
        "joined": _("Joined"),
        "left": _("Left"),
        "month": _("Month since acquisition"),
        "spend": _("Spend per customer"),
        "cumulative": _("Cumulative spend per customer"),
        "purchases": _("Purchases per customer"),
        "days": _("Days between purchases"),
        "count": _("Gaps"),
        "actual": _("Monthly spend"),
        "fitted": _("Trend"),
        "forecast": _("Forecast"),
        # xgettext:no-python-format
        "interval": _("90% interval"),
        "more": _("or more"),
    }


urlpatterns: list[URLPattern | URLResolver] = [
    path("segments/", segment_list_view, name="segment-list"),
    path("segments/new/", segment_create_view, name="segment-create"),
    path("segments/<uuid:pk>/", segment_detail_view, name="segment-detail"),
    path("segments/<uuid:pk>/edit/", segment_edit_view, name="segment-edit"),
    path("segments/<uuid:pk>/delete/", segment_delete_view, name="segment-delete"),
    path("segments/<uuid:pk>/refresh/", segment_refresh_view, name="segment-refresh"),
    path("segments/<uuid:pk>/refresh/status/", segment_refresh_status_view, name="segment-refresh-status"),
]
