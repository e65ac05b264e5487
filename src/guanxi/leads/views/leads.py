"""Lead pages: the lead list, the pool (claim), a lead (follow-up, status, convert, assign), new and edit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.accounts import access
from guanxi.accounts.models import User
from guanxi.core.errors import Conflict, InvalidInput, InvalidTransition, NotAllowed
from guanxi.core.forms import PageForm, add_domain_errors
from guanxi.core.pages import HtmxHttpRequest, actor_of
from guanxi.customers.models import Channel as InteractionChannel
from guanxi.customers.models import Outcome
from guanxi.leads import duplicates, reports, selectors, services
from guanxi.leads.cleaning import FIELD_LABELS, LEAD_FIELDS
from guanxi.leads.models import (
    MAX_GRADE_LENGTH,
    NO_GRADE,
    OPEN,
    OPEN_STATUSES,
    DuplicateCandidate,
    DuplicateState,
    Lead,
    LeadEvent,
    LeadEventKind,
    LeadStatus,
)

PAGE_SIZE = 25
MAX_GRADE_CHOICES = 12  # the grading rules' (at most 10) grades, "no grade", and one more
# The lead list's "reached" filter: the funnel's steps, with the leads dashboard's names for them.
FUNNEL_STEPS = (
    ("new", gettext_lazy("New")),
    ("contacted", gettext_lazy("Contacted")),
    ("qualified", gettext_lazy("Qualified")),
    ("converted", gettext_lazy("Converted")),
    ("recycled", gettext_lazy("Back in the pool at some time")),
)
TEXTAREA_FIELDS = {"message"}
MAX_LENGTHS = {name: getattr(Lead._meta.get_field(name), "max_length", None) or 200 for name in LEAD_FIELDS}


# --- forms -----------------------------------------------------------------------------------


class LeadFieldsForm(PageForm):
    """The lead's own fields (shape only: the service cleans them with the channel's rules)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in LEAD_FIELDS:
            widget = forms.Textarea(attrs={"rows": 3}) if name in TEXTAREA_FIELDS else forms.TextInput()
            self.fields[name] = forms.CharField(
                label=FIELD_LABELS.get(name, name), max_length=MAX_LENGTHS[name], required=False, widget=widget
            )

    def lead_values(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in LEAD_FIELDS}


class LeadCreateForm(LeadFieldsForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = [(str(channel.pk), channel.name) for channel in selectors.channel_choices()]
        self.fields["channel"] = forms.ChoiceField(label=gettext_lazy("Channel"), choices=[("", "—"), *channels])
        self.order_fields(["channel", *LEAD_FIELDS])


class LeadEditForm(LeadFieldsForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class FollowUpForm(PageForm):
    channel = forms.ChoiceField(label=gettext_lazy("How"), choices=InteractionChannel.choices)
    summary = forms.CharField(
        label=gettext_lazy("What happened"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=[("", "—"), *Outcome.choices], required=False)
    next_step = forms.CharField(label=gettext_lazy("Next step"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusForm(PageForm):
    status = forms.ChoiceField(label=gettext_lazy("New status"), choices=())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(LeadStatus.choices)
        moves = services.MOVES.get(current, ()) if current else tuple(labels)
        self.fields["status"].choices = [(str(move), labels[move]) for move in moves]  # type: ignore[attr-defined]


class ConvertForm(PageForm):
    customer_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AssignForm(PageForm):
    owner_id = forms.TypedChoiceField(label=gettext_lazy("Give to"), coerce=int, choices=())
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, users: list[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [  # type: ignore[attr-defined]
            (user.pk, f"{user} · {user.team.name}" if user.team else str(user)) for user in users or []
        ]


# --- the list and the pool -------------------------------------------------------------------


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 18 else None


def _id_or_none(raw: str) -> int | Literal["none"] | None:
    """An id, or ``"none"`` for the leads without one (owner: in a pool; team: no team)."""
    return selectors.NONE if raw == selectors.NONE else _int(raw)


def _uuid(raw: str) -> UUID | None:
    try:
        return UUID(raw) if raw else None
    except ValueError:
        return None


def _chosen_grades(request: HttpRequest) -> list[str]:
    """The grade filter: letters of the grading rules (or of earlier rules, still on older leads); "none": no grade."""
    chosen = (grade.strip() for grade in request.GET.getlist("grade")[:MAX_GRADE_CHOICES])
    return list(dict.fromkeys(grade for grade in chosen if 0 < len(grade) <= MAX_GRADE_LENGTH and "\x00" not in grade))


def _grade_choices(chosen: list[str]) -> list[tuple[str, str]]:
    """The grade check boxes: the grading rules' grades, best first, then any other chosen, then "no grade"."""
    letters = [str(grade.letter) for grade in reports.grading_grades()]
    letters += [grade for grade in chosen if grade not in letters and grade != NO_GRADE]
    return [*((letter, letter) for letter in letters), (NO_GRADE, _("No grade"))]


def _list_filters(request: HttpRequest) -> dict[str, Any]:
    """Filters from the query string; malformed values are left out rather than failing the page."""
    get = request.GET
    status = get.get("status", "")
    duplicate = get.get("duplicate_state", "")
    reached = get.get("reached", "")
    duplicate_states = {str(value) or "none": str(value) for value, _label in DuplicateState.choices}
    return {
        "q": get.get("q", "")[:200].replace("\x00", ""),
        "status": status if status in LeadStatus.values or status == OPEN else "",
        "grades": _chosen_grades(request),
        "channel_id": _uuid(get.get("channel_id", "")),
        "owner_id": _id_or_none(get.get("owner_id", "")),
        "team_id": _id_or_none(get.get("team_id", "")),
        "pool": get.get("pool") in {"1", "true", "on"},
        "created_from": _date(get.get("created_from", "")),
        "created_to": _date(get.get("created_to", "")),
        "duplicate_state": duplicate_states.get(duplicate),
        "reached": reached if reached in reports.REACHABLE else None,
    }


def _query(filters: dict[str, Any], order: str) -> str:
    pairs: list[tuple[str, str]] = []
    for key, value in filters.items():
        if key == "grades":
            pairs += [("grade", grade) for grade in value]
        elif key == "pool":
            pairs += [("pool", "1")] if value else []
        elif key == "duplicate_state":
            pairs += [] if value is None else [("duplicate_state", value or "none")]
        elif value not in (None, ""):
            pairs.append((key, str(value)))
    return urlencode([*pairs, ("ordering", order)])


def _teams(owners: list[User], chosen: int | str | None) -> list[tuple[int, str]]:
    """The teams of the people leads may be handed to, by name (and the chosen one, should it have nobody)."""
    names = {owner.team.pk: owner.team.name for owner in owners if owner.team is not None}
    if isinstance(chosen, int) and chosen not in names:
        names[chosen] = _("Team %(id)s") % {"id": chosen}
    return sorted(names.items(), key=lambda item: item[1])


@login_required
def lead_list_view(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    filters = _list_filters(request)
    order = request.GET.get("ordering", "")
    order = order if order.lstrip("-") in selectors.LEAD_ORDERING.fields else selectors.LEAD_ORDERING.default
    page = selectors.lead_page(
        actor=actor, order=order, limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None, **filters
    )
    owners = list(selectors.assignee_choices())
    context = {
        "leads": page["items"],
        "next_cursor": page["next_cursor"],
        "filters": filters,
        "ordering": order,
        "query": _query(filters, order),
        "statuses": [(OPEN, _("Open (new, contacted, qualified or recycled)")), *LeadStatus.choices],
        "grades": _grade_choices(filters["grades"]),
        "duplicate_states": [(str(value) or "none", label) for value, label in DuplicateState.choices],
        "steps": FUNNEL_STEPS,
        "channels": list(selectors.channel_choices(active_only=False)),
        "owners": owners,
        "teams": _teams(owners, filters["team_id"]),
        "chosen_duplicate": "" if filters["duplicate_state"] is None else (filters["duplicate_state"] or "none"),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "leads/partials/lead_rows.html", context)
    return render(request, "leads/lead_list.html", context)


@login_required
def pool_view(request: HtmxHttpRequest) -> HttpResponse:
    actor = actor_of(request)
    grades = _chosen_grades(request)
    page = selectors.lead_page(
        actor=actor, pool=True, grades=grades, order="-score", limit=PAGE_SIZE, cursor=request.GET.get("cursor") or None
    )
    context = {
        "leads": page["items"],
        "next_cursor": page["next_cursor"],
        "grades": _grade_choices(grades),
        "chosen_grades": grades,
        "query": urlencode([("grade", grade) for grade in grades]),
        "team": actor.team,
        "claim_limit": services.lead_settings().claim_limit,
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "leads/partials/lead_pool_rows.html", context)
    return render(request, "leads/pool.html", context)


@login_required
@require_POST
def lead_claim_view(request: HtmxHttpRequest, pk: UUID) -> HttpResponse:
    """Claim from the pool. Whoever comes second reads "someone else claimed it first" (409), never a 500."""
    actor = actor_of(request)
    try:
        lead = services.lead_claim(actor=actor, lead_id=pk)
    except Conflict as exc:
        if request.htmx:
            context = {"lead": None, "lead_id": pk, "problem": exc.detail}
            return render(request, "leads/partials/lead_pool_row.html", context, status=409)
        messages.warning(request, exc.detail)
        return redirect("leads:pool")
    if request.htmx:
        return render(request, "leads/partials/lead_pool_row.html", {"lead": lead, "claimed": True})
    messages.success(request, _("The lead is yours now."))
    return redirect("leads:lead-detail", pk=lead.pk)


# --- one lead --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventRow:
    at: datetime
    kind: str
    title: str
    actor: str
    move: str
    details: list[tuple[str, str]]


DETAIL_LABELS = {
    "summary": gettext_lazy("Summary"),
    "outcome": gettext_lazy("Outcome"),
    "next_step": gettext_lazy("Next step"),
    "reason": gettext_lazy("Reason"),
    "rule": gettext_lazy("Rule"),
    "channel": gettext_lazy("Channel"),
    "source": gettext_lazy("Source"),
    "previous_owner": gettext_lazy("Previous owner"),
    "fields": gettext_lazy("Fields"),
    "days": gettext_lazy("Days"),
}


# Codes stored in an event's data, shown by their labels (a follow-up's channel and outcome).
CODE_LABELS: dict[str, dict[str, Any]] = {"outcome": dict(Outcome.choices)}
INTERACTION_CHANNELS: dict[str, Any] = dict(InteractionChannel.choices)


def _event_rows(events: list[LeadEvent]) -> list[EventRow]:
    labels = dict(LeadStatus.choices)
    rows = []
    for event in events:
        move = ""
        if event.from_status or event.to_status:
            before, after = (
                labels.get(event.from_status, event.from_status),
                labels.get(event.to_status, event.to_status),
            )
            move = f"{before} → {after}"
        details = []
        for key, label in DETAIL_LABELS.items():
            value = event.data.get(key)
            if value in (None, "", []):
                continue
            if key == "channel" and event.kind == LeadEventKind.FOLLOWED_UP:
                value = INTERACTION_CHANNELS.get(str(value), value)
            text = ", ".join(str(FIELD_LABELS.get(v, v)) for v in value) if isinstance(value, list) else str(value)
            details.append((str(label), str(CODE_LABELS.get(key, {}).get(text, text))))
        if event.data.get("grade_from") != event.data.get("grade_to") and event.data.get("grade_to"):
            details.append((_("Grade"), f"{event.data.get('grade_from') or '—'} → {event.data['grade_to']}"))
        rules = event.data.get("rules") or []
        details += [(_("Rejected"), str(rule.get("reason", ""))) for rule in rules if isinstance(rule, dict)]
        rows.append(
            EventRow(
                at=event.created_at,
                kind=event.kind,
                title=str(event.get_kind_display()),
                actor=str(event.actor) if event.actor else _("System"),
                move=move,
                details=details,
            )
        )
    return rows


@dataclass
class DetailForms:
    follow_up: FollowUpForm | None = None
    status: StatusForm | None = None
    convert: ConvertForm | None = None
    assign: AssignForm | None = None


def _forms(lead: Lead, given: DetailForms, can_assign: bool) -> DetailForms:
    version = {"version": lead.version}
    return DetailForms(
        follow_up=given.follow_up or FollowUpForm(initial=version | {"channel": "phone"}),
        status=given.status or StatusForm(initial=version, current=lead.status),
        convert=given.convert or ConvertForm(initial=version),
        assign=given.assign
        or (AssignForm(initial=version, users=list(selectors.assignee_choices())) if can_assign else None),
    )


def _detail_page(
    request: HttpRequest, actor: User, lead: Lead, given: DetailForms | None = None, *, status: int = 200
) -> HttpResponse:
    can_edit = access.can(actor, "change", lead)
    is_open = lead.status in OPEN_STATUSES
    can_assign = is_open and access.can(actor, "assign", lead)
    customer_q = request.GET.get("customer_q", "")[:200] if request.method == "GET" else ""
    context = {
        "lead": lead,
        "fields": [(FIELD_LABELS.get(name, name), getattr(lead, name)) for name in LEAD_FIELDS if name != "message"],
        "can_edit": can_edit,
        "is_open": is_open,
        "can_work": can_edit and is_open,
        "can_move": can_edit and bool(services.MOVES.get(lead.status)),
        "can_claim": lead.in_pool and actor.team_id is not None and actor.team_id == lead.team_id,
        "can_assign": can_assign,
        "forms": _forms(lead, given or DetailForms(), can_assign),
        "duplicates": duplicates.lead_duplicates(actor=actor, lead=lead),
        "events": _event_rows(selectors.lead_timeline(actor=actor, lead=lead)),
        "customer_q": customer_q,
        "picked": selectors.customer_pick(actor=actor, q=customer_q) if customer_q and can_edit else [],
        "customer_visible": lead.customer is not None and access.can(actor, "view", lead.customer),
    }
    return render(request, "leads/lead_detail.html", context, status=status)


@login_required
def lead_detail_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    return _detail_page(request, actor, selectors.lead_detail(actor=actor, pk=pk))


def _write(request: HttpRequest, actor: User, lead: Lead, name: str, form: PageForm, call: Any) -> HttpResponse:
    """Validate a detail-page form and call the service; refused input shows the page again with the form."""
    status = 422
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except InvalidInput as exc:
            add_domain_errors(form, exc)
        except (Conflict, InvalidTransition, NotAllowed) as exc:
            form.add_error(None, exc.detail)
            status = exc.status
        else:
            return redirect("leads:lead-detail", pk=lead.pk)
    current = selectors.lead_detail(actor=actor, pk=lead.pk)
    given = DetailForms()
    setattr(given, name, form)
    return _detail_page(request, actor, current, given, status=status)


@login_required
@require_POST
def lead_follow_up_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    lead = selectors.lead_detail(actor=actor, pk=pk)

    def call(data: dict[str, Any]) -> None:
        services.lead_follow_up(
            actor=actor, lead=lead, channel=data["channel"], summary=data["summary"], outcome=data["outcome"],
            next_step=data["next_step"], version=data["version"],
        )  # fmt: skip
        messages.success(request, _("The follow-up has been recorded."))

    return _write(request, actor, lead, "follow_up", FollowUpForm(request.POST), call)


@login_required
@require_POST
def lead_status_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    lead = selectors.lead_detail(actor=actor, pk=pk)

    def call(data: dict[str, Any]) -> None:
        services.lead_set_status(
            actor=actor, lead=lead, status=data["status"], version=data["version"], reason=data["reason"]
        )
        messages.success(request, _("The status has been changed."))

    return _write(request, actor, lead, "status", StatusForm(request.POST), call)


@login_required
@require_POST
def lead_convert_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    lead = selectors.lead_detail(actor=actor, pk=pk)

    def call(data: dict[str, Any]) -> None:
        existing = None
        if data["customer_id"]:
            existing = selectors.customer_for_conversion(actor=actor, pk=data["customer_id"])
        customer = services.lead_convert(actor=actor, lead=lead, customer=existing, version=data["version"])
        messages.success(request, _("The lead is now the customer “%(name)s”.") % {"name": customer.name})

    return _write(request, actor, lead, "convert", ConvertForm(request.POST), call)


@login_required
@require_POST
def lead_assign_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    lead = selectors.lead_detail(actor=actor, pk=pk)
    access.ensure(actor, "assign", lead)
    form = AssignForm(request.POST, users=list(selectors.assignee_choices()))
    if form.is_valid():
        try:
            owner = selectors.assignee_choices().get(pk=form.cleaned_data["owner_id"])
            services.lead_assign(actor=actor, lead=lead, owner=owner, version=form.cleaned_data["version"])
        except (Conflict, InvalidTransition, InvalidInput) as exc:
            form.add_error(None, exc.detail)
            current = selectors.lead_detail(actor=actor, pk=lead.pk)
            return _detail_page(request, actor, current, DetailForms(assign=form), status=exc.status)
        messages.success(request, _("The lead has been given to %(name)s.") % {"name": owner})
        if access.can(actor, "view", lead):
            return redirect("leads:lead-detail", pk=lead.pk)
        return redirect("leads:lead-list")
    return _detail_page(request, actor, lead, DetailForms(assign=form), status=422)


@login_required
@require_POST
def lead_duplicate_view(request: HttpRequest, pk: UUID, candidate_id: int) -> HttpResponse:
    """Settle one duplicate candidate: merge into it (another lead, or an existing customer) or dismiss it."""
    actor = actor_of(request)
    lead = selectors.lead_detail(actor=actor, pk=pk)
    seen = next((c for c in duplicates.lead_duplicates(actor=actor, lead=lead) if c.id == candidate_id), None)
    candidate = (
        DuplicateCandidate.objects.select_related("other_lead", "customer").filter(pk=seen.id).first()
        if seen is not None and seen.visible
        else None
    )
    if candidate is None:
        messages.error(request, _("This duplicate candidate is gone or not yours to see."))
        return redirect("leads:lead-detail", pk=lead.pk)
    action = request.POST.get("action", "")
    try:
        if action == "dismiss":
            duplicates.lead_duplicate_dismiss(actor=actor, lead=lead, candidate=candidate)
            messages.success(request, _("Marked as not the same."))
        elif action == "merge" and candidate.other_lead is not None:
            kept = duplicates.lead_merge(actor=actor, lead=lead, into_lead=candidate.other_lead)
            messages.success(request, _("Merged into the other lead."))
            return redirect("leads:lead-detail", pk=kept.pk)
        elif action == "merge" and candidate.customer is not None:
            customer = services.lead_convert(actor=actor, lead=lead, customer=candidate.customer)
            messages.success(request, _("Merged into the customer “%(name)s”.") % {"name": customer.name})
        else:
            messages.error(request, _("Choose merge or dismiss."))
    except (Conflict, InvalidTransition, InvalidInput, NotAllowed) as exc:
        messages.error(request, str(exc.detail))
    return redirect("leads:lead-detail", pk=lead.pk)


# --- new and edit ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_create_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = LeadCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = selectors.channel_for_entry(pk=form.cleaned_data["channel"])
            lead = services.lead_create(actor=actor, channel=channel, raw=form.lead_values(), source="manual")
        except InvalidInput as exc:
            add_domain_errors(form, exc, aliases={"channel_id": "channel"})
        else:
            if lead.status == LeadStatus.REJECTED:
                messages.warning(request, _("The lead was kept as rejected: it failed a cleaning rule."))
            else:
                messages.success(request, _("The lead has been created."))
            if access.can(actor, "view", lead):
                return redirect("leads:lead-detail", pk=lead.pk)
            return redirect("leads:lead-list")
    context = {"form": form, "lead": None, "channels_exist": bool(form.fields["channel"].choices[1:])}  # type: ignore[attr-defined]
    return render(request, "leads/lead_form.html", context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_edit_view(request: HttpRequest, pk: UUID) -> HttpResponse:
    actor = actor_of(request)
    lead = selectors.lead_detail(actor=actor, pk=pk)
    access.ensure(actor, "change", lead)
    initial = {name: getattr(lead, name) for name in LEAD_FIELDS} | {"version": lead.version}
    form = LeadEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.lead_update(actor=actor, lead=lead, version=form.cleaned_data["version"], **form.lead_values())
            except InvalidInput as exc:
                add_domain_errors(form, exc)
            except Conflict as exc:
                form.add_error(None, exc.detail)
                status = exc.status
            else:
                messages.success(request, _("Your changes have been saved."))
                return redirect("leads:lead-detail", pk=lead.pk)
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead}, status=status)


urlpatterns: list[URLPattern | URLResolver] = [
    path("", lead_list_view, name="lead-list"),
    path("pool/", pool_view, name="pool"),
    path("new/", lead_create_view, name="lead-create"),
    path("<uuid:pk>/", lead_detail_view, name="lead-detail"),
    path("<uuid:pk>/edit/", lead_edit_view, name="lead-edit"),
    path("<uuid:pk>/claim/", lead_claim_view, name="lead-claim"),
    path("<uuid:pk>/follow-up/", lead_follow_up_view, name="lead-follow-up"),
    path("<uuid:pk>/status/", lead_status_view, name="lead-status"),
    path("<uuid:pk>/convert/", lead_convert_view, name="lead-convert"),
    path("<uuid:pk>/assign/", lead_assign_view, name="lead-assign"),
    path("<uuid:pk>/duplicates/<int:candidate_id>/", lead_duplicate_view, name="lead-duplicate"),
]
