"""Lead pages: channels (list with their value, detail with costs, cleaning rules and the form address),
the lead settings (grading, assignment, pool) and the leads dashboard (funnel, channel value, grade check).

Channel management and the settings are for ``Perm.MANAGE_LEADS`` holders; the channel list, the
settings (read-only) and the dashboard are open to every signed-in user, with figures covering the
leads they work with and money shown to lead managers only.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, URLResolver, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from guanxi.accounts import access
from guanxi.accounts.models import Perm
from guanxi.core.errors import Conflict, InvalidInput
from guanxi.core.forms import PageForm, add_domain_errors, form_write
from guanxi.core.pages import actor_of
from guanxi.leads import channels, cleaning, reports
from guanxi.leads.api.channels import form_path
from guanxi.leads.models import Channel, ChannelKind

PERIOD_CHOICES = (
    ("month", gettext_lazy("Month")),
    ("quarter", gettext_lazy("Quarter")),
    ("year", gettext_lazy("Year")),
    ("range", gettext_lazy("Date range")),
)
BY_CHOICES = (("channel", gettext_lazy("Channel")), ("owner", gettext_lazy("Rep")), ("team", gettext_lazy("Team")))


# --- forms ------------------------------------------------------------------------------------------------


class PeriodForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(label=gettext_lazy("Funnel by"), choices=BY_CHOICES, required=False)

    def window(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"period": data.get("period") or "month", "start": data.get("start"), "end": data.get("end")}


class ChannelForm(PageForm):
    name = forms.CharField(label=gettext_lazy("Channel name"), max_length=120)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ChannelKind.choices)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    team = forms.TypedChoiceField(label=gettext_lazy("Pool team"), coerce=int, required=False, empty_value=None)
    form_enabled = forms.BooleanField(label=gettext_lazy("Web form enabled"), required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = [("", _("No pool team"))] + [(team.pk, team.name) for team in channels.team_choices()]
        self.fields["team"].choices = teams  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CleaningForm(PageForm):
    """The structured editor of a channel's cleaning rules; the JSON tab edits the same document."""

    required = forms.CharField(
        label=gettext_lazy("Required fields"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One group per line; a line like “phone, email” means phone or email."),
    )
    blacklist = forms.CharField(
        label=gettext_lazy("Blocked words"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One per line; a lead containing one is rejected."),
    )  # fmt: skip
    disposable_add = forms.CharField(
        label=gettext_lazy("Also treat these email domains as disposable"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), help_text=gettext_lazy("One domain per line."),
    )  # fmt: skip
    disposable_remove = forms.CharField(
        label=gettext_lazy("Accept these email domains after all"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}), help_text=gettext_lazy("One domain per line."),
    )  # fmt: skip
    phone_region = forms.CharField(label=gettext_lazy("Default phone region"), max_length=2, required=False)
    max_links = forms.IntegerField(label=gettext_lazy("Most links in a message (0: any)"), min_value=0, max_value=100)
    version = forms.IntegerField(widget=forms.HiddenInput)

    FLAGS = (
        ("reject_invalid_phone", gettext_lazy("Reject invalid phone numbers")),
        ("reject_invalid_email", gettext_lazy("Reject invalid email addresses")),
        ("reject_disposable_email", gettext_lazy("Reject disposable email addresses")),
        ("reject_link_only_message", gettext_lazy("Reject a message that is only a link")),
        ("reject_links_in_name", gettext_lazy("Reject links in names")),
        ("phone_strict", gettext_lazy("Phone numbers must be valid for their region")),
        ("canonical_company_suffix", gettext_lazy("Write company suffixes one way (有限公司, Co., Ltd.)")),
        ("title_case_latin_names", gettext_lazy("Capitalise Latin names")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in self.FLAGS:
            self.fields[name] = forms.BooleanField(label=label, required=False)
        for name in cleaning.LEAD_FIELDS:
            self.fields[f"max_{name}"] = forms.IntegerField(
                label=cleaning.FIELD_LABELS[name], min_value=1, max_value=cleaning.HARD_LIMIT
            )

    @classmethod
    def initial_of(cls, channel: Channel) -> dict[str, Any]:
        config = cleaning.config_to_json(
            cleaning.config_from_json(channel.cleaning) if channel.cleaning else cleaning.default_config()
        )
        initial = {
            "required": "\n".join(", ".join(group) for group in config["required"]),
            "blacklist": "\n".join(config["blacklist"]),
            "disposable_add": "\n".join(config["disposable_add"]),
            "disposable_remove": "\n".join(config["disposable_remove"]),
            "phone_region": config["phone_region"],
            "max_links": config["max_links"],
            "version": channel.version,
            **{name: config[name] for name, _label in cls.FLAGS},
            **{f"max_{name}": config["max_lengths"][name] for name in cleaning.LEAD_FIELDS},
        }
        return initial

    def rules(self, current: dict[str, Any]) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **{key: value for key, value in current.items() if key == "honeypot_fields"},
            "required": [
                [name.strip() for name in line.split(",") if name.strip()] for line in _lines(data["required"])
            ],
            "blacklist": _lines(data["blacklist"]),
            "disposable_add": _lines(data["disposable_add"]),
            "disposable_remove": _lines(data["disposable_remove"]),
            "phone_region": (data["phone_region"] or "CN").upper(),
            "max_links": data["max_links"],
            **{name: bool(data[name]) for name, _label in self.FLAGS},
            "max_lengths": {name: data[f"max_{name}"] for name in cleaning.LEAD_FIELDS},
        }

    def length_fields(self) -> list[Any]:
        return [self[f"max_{name}"] for name in cleaning.LEAD_FIELDS]

    def flag_fields(self) -> list[Any]:
        return [self[name] for name, _label in self.FLAGS]

    def list_fields(self) -> list[Any]:
        return [self[name] for name in ("required", "blacklist", "disposable_add", "disposable_remove")]


class JsonForm(PageForm):
    document = forms.CharField(label=gettext_lazy("Rules as JSON"), widget=forms.Textarea(attrs={"rows": 14}))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def parsed(self) -> Any:
        try:
            return json.loads(self.cleaned_data["document"])
        except ValueError as exc:
            raise InvalidInput(_("This is not valid JSON: %(error)s") % {"error": exc}) from None


class CostForm(PageForm):
    spent_on = forms.DateField(label=gettext_lazy("Spent on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=gettext_lazy("Amount"), min_value=0, max_digits=14, decimal_places=2)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


class SettingsForm(PageForm):
    grading = forms.CharField(label=gettext_lazy("Grading rules (JSON)"), widget=forms.Textarea(attrs={"rows": 14}))
    assignment = forms.CharField(
        label=gettext_lazy("Assignment rules (JSON)"), widget=forms.Textarea(attrs={"rows": 14})
    )
    claim_limit = forms.IntegerField(label=gettext_lazy("Open claimed leads per rep"), min_value=1, max_value=10000)
    recycle_days = forms.IntegerField(
        label=gettext_lazy("Days without follow-up before a lead returns to the pool"), min_value=1, max_value=10000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        parsed: dict[str, Any] = {"claim_limit": data["claim_limit"], "recycle_days": data["recycle_days"]}
        errors: list[dict[str, object]] = []
        for name in ("grading", "assignment"):
            try:
                parsed[name] = json.loads(data[name])
            except ValueError as exc:
                errors.append({"loc": [name], "msg": _("This is not valid JSON: %(error)s") % {"error": exc}})
        if errors:
            raise InvalidInput(_("The rule settings are not valid."), errors=errors)
        return parsed


# --- helpers --------------------------------------------------------------------------------------------------


def lead_list_url(**params: Any) -> str:
    """The lead list filtered (built by the lead-list pages; ``/leads/`` until its name exists)."""
    try:
        base = reverse("leads:lead-list")
    except NoReverseMatch:
        base = "/leads/"
    query = {key: str(value) for key, value in params.items() if value not in (None, "")}
    return f"{base}?{urlencode(query)}" if query else base


def _errors_by_path(exc: InvalidInput) -> list[str]:
    """``grading › rules › 0 › points: Must be a whole number.`` — each error with its path."""
    lines = []
    for error in exc.errors:
        loc = error.get("loc") or []
        where = " › ".join(str(part) for part in loc) if isinstance(loc, list | tuple) else ""
        lines.append(f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", "")))
    return lines or [exc.detail]


def _value_table(actor: Any, window: dict[str, Any]) -> dict[str, Any]:
    report = reports.channel_value(actor=actor, **window)
    rows = [
        {
            "row": row,
            "detail_url": reverse("leads:channel-detail", args=[row.channel_id]) if row.channel_id else "",
        }
        for row in report.rows
    ]
    return {"value": report, "value_rows": rows}


FEW_LEADS = 20  # a grade with fewer leads gives a rough conversion rate
BENCHMARK_MARGIN = Decimal("0.05")  # a flagged share within 5 points of the benchmark is "about as many"


def percent(rate: Decimal | None) -> str:
    """A 0–1 rate as a percentage with one decimal (``0.0083`` → ``0.8%``); "—" when there is none."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _links(drill: dict[str, str]) -> dict[str, str]:
    """The lead-list links of a grade check number."""
    lead_list = reverse("leads:lead-list")
    return {column: f"{lead_list}?{query}" for column, query in drill.items()}


def _grade_names(grades: tuple[str, ...], configured: tuple[str, ...]) -> str:
    """``A–C`` for three or more grades in a row of the grading rules, else ``A, B``; "no grade" for ""."""
    names = [grade or str(_("no grade")) for grade in grades]
    letters = "".join(grades)
    if (
        len(grades) >= 3
        and "" not in grades
        and all(len(g) == 1 for g in configured)
        and letters in "".join(configured)
    ):
        return f"{grades[0]}–{grades[-1]}"
    return ", ".join(names)


RESEARCH = gettext_lazy(
    "Research finds that about %(benchmark)s of prospects waste effort and are given up in the end."
)
VERDICTS = {
    "about": gettext_lazy("Your grading flags %(share)s of the leads, about as many."),
    "more": gettext_lazy(
        "Your grading flags %(share)s of the leads, more than that: check that it does not flag leads worth working."
    ),
    "fewer": gettext_lazy(
        "Your grading flags only %(share)s of the leads: some of those that waste effort are probably in the higher "
        "grades."
    ),
}


def _grade_sentences(report: reports.GradeCheckReport) -> list[dict[str, str]]:
    """Plain sentences: the flagged share against the ~38 % benchmark, the conversion rates, the grades' order."""
    flagged, rest, total = report.flagged, report.rest, report.total
    configured = tuple(row.grade for row in report.rows if row.configured)
    if total.leads == 0:
        return [{"text": _("No leads that you work with were created in this period."), "tone": "secondary"}]
    if not flagged.grades:
        text = _("The grading rules flag no grade as not worth a salesperson's time, so there is nothing to check.")
        return [{"text": text, "tone": "warning"}]
    what = {
        "flagged": _grade_names(flagged.grades, configured),
        "share": percent(flagged.share),
        "rate": percent(flagged.conversion_rate),
        "rest": _grade_names(rest.grades, configured),
        "rest_rate": percent(rest.conversion_rate),
        "benchmark": percent(report.benchmark),
    }
    summary = _("%(flagged)s: %(share)s of leads, %(rate)s converted; %(rest)s: %(rest_rate)s converted.")
    gap = (flagged.share or Decimal(0)) - report.benchmark
    verdict = VERDICTS["about" if abs(gap) <= BENCHMARK_MARGIN else "more" if gap > 0 else "fewer"]
    sentences = [
        {"text": summary % what, "tone": "body"},
        {"text": f"{RESEARCH % what} {verdict % what}", "tone": "body"},
    ]
    if total.converted and flagged.conversion_rate is not None and rest.conversion_rate is not None:
        if flagged.conversion_rate >= rest.conversion_rate:
            text = _(
                "The flagged leads convert at least as well as the others: the flag does not pick out the leads "
                "that waste effort. Look at the grading rules."
            )
            sentences.append({"text": text, "tone": "warning"})
        else:
            lost = {"lost": percent(flagged.conversion_share), "count": flagged.converted, "total": total.converted}
            text = _("Skipping the flagged leads would have cost %(lost)s of the conversions (%(count)s of %(total)s).")
            sentences.append({"text": text % lost, "tone": "body"})
    rates = " › ".join(f"{rate.grade} {percent(rate.rate)}" for rate in report.rates)
    compared = [row.leads for row in report.rows if row.configured and row.leads]
    few = {"count": FEW_LEADS} if compared and min(compared) < FEW_LEADS else None
    if report.ordered is None:
        text = _("Too few graded leads and conversions to tell whether the grades are in order.")
        sentences.append({"text": text, "tone": "secondary"})
    elif report.ordered:
        text = _("Conversion falls from grade to grade (%(rates)s): the grades are in order.")
        sentences.append({"text": text % {"rates": rates}, "tone": "success"})
    elif few is not None:
        text = _(
            "Conversion does not fall from grade to grade (%(rates)s), but some grades have fewer than %(count)s "
            "leads, so this may be chance: look at a longer period before changing the grading rules."
        )
        sentences.append({"text": text % {"rates": rates, **few}, "tone": "warning", "unordered": "1"})
        few = None
    else:
        text = _("Conversion does not fall from grade to grade (%(rates)s): the grading rules need a look.")
        sentences.append({"text": text % {"rates": rates}, "tone": "danger", "unordered": "1"})
    if few is not None:
        text = _(
            "Some grades have fewer than %(count)s leads in this period, so their rates are rough: a longer period "
            "gives a firmer answer."
        )
        sentences.append({"text": text % few, "tone": "secondary"})
    return sentences


def _grade_line(label: str, numbers: Any, links: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "label": label,
        "n": numbers,
        "links": links,
        "share": percent(numbers.share),
        "rate": percent(numbers.conversion_rate),
        **extra,
    }


def _grade_panel(actor: Any, window: dict[str, Any]) -> dict[str, Any]:
    """The grade check: per grade (and flagged vs the others) with lead-list links and plain sentences."""
    report = reports.grade_check(actor=actor, **window)
    configured = tuple(row.grade for row in report.rows if row.configured)
    rows = [_grade_line(row.label, row, _links(row.drill)) for row in report.rows]
    groups = [
        _grade_line(
            label % {"grades": _grade_names(group.grades, configured)},
            group,
            _links(group.drill),
            conversions=percent(group.conversion_share),
        )
        for label, group in ((_("Flagged: %(grades)s"), report.flagged), (_("Others: %(grades)s"), report.rest))
        if group.grades
    ]
    return {
        "grades": report,
        "grade_rows": rows,
        "grade_total": _grade_line(report.total.label, report.total, _links(report.total.drill)),
        "grade_groups": groups,
        "grade_sentences": _grade_sentences(report),
        "grades_unordered": report.ordered is False,
    }


# --- channel pages ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def channel_list_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    period = PeriodForm(request.GET or None)
    context = {
        "period_form": period,
        "can_manage": access.has_perm(actor, Perm.MANAGE_LEADS),
        **_value_table(actor, period.window()),
    }
    return render(request, "leads/channel_list.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def channel_create_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    access.ensure_perm(actor, Perm.MANAGE_LEADS)
    form = ChannelForm(request.POST or None, initial={"is_active": True, "kind": ChannelKind.PAID})
    status = 200
    if request.method == "POST":
        channel, status = form_write(form, lambda: channels.channel_create(actor=actor, **form.changes()))
        if channel is not None:
            messages.success(request, _("The channel has been created."))
            return redirect("leads:channel-detail", channel.pk)
    return render(request, "leads/channel_form.html", {"form": form}, status=status)


def _detail(request: HttpRequest, channel: Channel, *, status: int = 200, **forms_: Any) -> HttpResponse:
    actor = actor_of(request)
    cleaning_json = json.dumps(
        channel.cleaning or cleaning.config_to_json(cleaning.default_config()), ensure_ascii=False, indent=2
    )
    context = {
        "channel": channel,
        "form": forms_.get("form") or ChannelForm(initial={**_channel_initial(channel)}),
        "cleaning_form": forms_.get("cleaning_form") or CleaningForm(initial=CleaningForm.initial_of(channel)),
        "json_form": forms_.get("json_form")
        or JsonForm(initial={"document": cleaning_json, "version": channel.version}),
        "json_errors": forms_.get("json_errors", []),
        "cost_form": forms_.get("cost_form") or CostForm(),
        "costs": channels.channel_costs(actor=actor, channel=channel)[:200],
        "form_url": request.build_absolute_uri(form_path(channel)),
        "tab": forms_.get("tab", "rules"),
        "leads_url": lead_list_url(channel_id=channel.pk),
    }
    return render(request, "leads/channel_detail.html", context, status=status)


def _channel_initial(channel: Channel) -> dict[str, Any]:
    return {
        "name": channel.name, "kind": channel.kind, "description": channel.description, "team": channel.team_id,
        "form_enabled": channel.form_enabled, "is_active": channel.is_active, "version": channel.version,
    }  # fmt: skip


def _managed_channel(request: HttpRequest, channel_id: Any) -> Channel:
    access.ensure_perm(actor_of(request), Perm.MANAGE_LEADS)
    return channels.channel_get(pk=channel_id)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def channel_detail_view(request: HttpRequest, channel_id: Any) -> HttpResponse:
    """The channel's settings, costs, cleaning rules and web form address (lead managers)."""
    channel = _managed_channel(request, channel_id)
    if request.method != "POST":
        return _detail(request, channel)
    actor = actor_of(request)
    form = ChannelForm(request.POST)
    updated, status = form_write(
        form,
        lambda: channels.channel_update(
            actor=actor, channel=channel, version=form.cleaned_data.get("version"), changes=form.changes()
        ),
    )
    if updated is not None:
        messages.success(request, _("The channel has been saved."))
        return redirect("leads:channel-detail", channel.pk)
    return _detail(request, channels.channel_get(pk=channel.pk), status=status, form=form, tab="settings")


@login_required
@require_POST
def channel_cleaning_view(request: HttpRequest, channel_id: Any) -> HttpResponse:
    """Save the structured cleaning-rules editor (or, with ``document``, the JSON tab)."""
    channel = _managed_channel(request, channel_id)
    actor = actor_of(request)
    as_json = "document" in request.POST
    form: CleaningForm | JsonForm = JsonForm(request.POST) if as_json else CleaningForm(request.POST)
    json_errors: list[str] = []
    status = 422
    if form.is_valid():
        try:
            rules = form.parsed() if isinstance(form, JsonForm) else form.rules(channel.cleaning or {})
            channels.channel_set_cleaning(
                actor=actor, channel=channel, version=form.cleaned_data["version"], rules=rules
            )
            messages.success(request, _("The cleaning rules have been saved."))
            return redirect(f"{reverse('leads:channel-detail', args=[channel.pk])}#cleaning")
        except InvalidInput as exc:
            json_errors = _errors_by_path(exc)
            if isinstance(form, CleaningForm):
                add_domain_errors(form, exc, aliases={name: f"max_{name}" for name in cleaning.LEAD_FIELDS})
        except Conflict as exc:
            form.add_error(None, exc.detail)
            status = 409
    key = "json_form" if as_json else "cleaning_form"
    tab = "json" if as_json else "rules"
    return _detail(request, channel, status=status, json_errors=json_errors, tab=tab, **{key: form})


@login_required
@require_POST
def channel_form_key_view(request: HttpRequest, channel_id: Any) -> HttpResponse:
    channel = _managed_channel(request, channel_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        channels.channel_new_form_key(actor=actor_of(request), channel=channel, version=version)
    except Conflict as exc:
        messages.error(request, exc.detail)
        return redirect("leads:channel-detail", channel.pk)
    messages.success(request, _("The web form has a new address; the old one no longer works."))
    return redirect("leads:channel-detail", channel.pk)


@login_required
@require_POST
def channel_cost_add_view(request: HttpRequest, channel_id: Any) -> HttpResponse:
    channel = _managed_channel(request, channel_id)
    form = CostForm(request.POST)
    cost, status = form_write(
        form, lambda: channels.channel_cost_add(actor=actor_of(request), channel=channel, **form.cleaned_data)
    )
    if cost is None:
        return _detail(request, channel, status=status, cost_form=form, tab="costs")
    messages.success(request, _("The cost has been added."))
    return redirect(f"{reverse('leads:channel-detail', args=[channel.pk])}#costs")


@login_required
@require_POST
def channel_cost_remove_view(request: HttpRequest, channel_id: Any, cost_id: Any) -> HttpResponse:
    channel = _managed_channel(request, channel_id)
    channels.channel_cost_remove(actor=actor_of(request), channel=channel, cost_id=cost_id)
    messages.success(request, _("The cost has been removed."))
    return redirect(f"{reverse('leads:channel-detail', args=[channel.pk])}#costs")


# --- lead settings -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    """The grading and assignment rules and the pool limits: read by all, changed by lead managers."""
    actor = actor_of(request)
    can_edit = access.has_perm(actor, Perm.MANAGE_LEADS)
    row = channels.lead_settings_get()
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        access.ensure_perm(actor, Perm.MANAGE_LEADS)
        form = SettingsForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                channels.lead_settings_update(actor=actor, version=form.cleaned_data["version"], changes=form.changes())
                messages.success(request, _("The lead rules have been saved."))
                return redirect("leads:settings")
            except InvalidInput as exc:
                errors = _errors_by_path(exc)
                add_domain_errors(form, _first_segment(exc))
            except Conflict as exc:
                form.add_error(None, exc.detail)
                status = 409
    else:
        form = SettingsForm(
            initial={
                "grading": json.dumps(row.grading, ensure_ascii=False, indent=2),
                "assignment": json.dumps(row.assignment, ensure_ascii=False, indent=2),
                "claim_limit": row.claim_limit,
                "recycle_days": row.recycle_days,
                "version": row.version,
            }
        )
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    context = {"form": form, "can_edit": can_edit, "errors": errors, "settings_row": row}
    return render(request, "leads/settings.html", context, status=status)


def _first_segment(exc: InvalidInput) -> InvalidInput:
    """Errors placed on the form field their path starts with (``grading``, ``assignment``, …)."""
    errors = [{"loc": [str((error.get("loc") or [""])[0])], "msg": error.get("msg", "")} for error in exc.errors]  # type: ignore[index]
    return InvalidInput(exc.detail, errors=errors)


# --- the dashboard -----------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The leads dashboard: the funnel (chart and table by channel, rep or team), the channel value table and
    the grade check (does the lowest grade catch the leads that waste effort?)."""
    actor = actor_of(request)
    period = PeriodForm(request.GET or None)
    window = period.window()
    by = (period.cleaned_data.get("by") if period.is_valid() else "") or "channel"
    try:
        board = reports.funnel(actor=actor, by=by, **window)
        value = _value_table(actor, window)
        grades = _grade_panel(actor, window)
    except InvalidInput as exc:
        add_domain_errors(period, exc)
        window = {"period": "month", "start": None, "end": None}
        board = reports.funnel(actor=actor, by=by, **window)
        value = _value_table(actor, window)
        grades = _grade_panel(actor, window)
    total = board.total
    lead_list = reverse("leads:lead-list")
    chart = {
        "steps": [
            {"name": str(label), "value": number, "url": f"{lead_list}?{total.drill[column]}"}
            for label, number, column in (
                (_("New"), total.created, "created"),
                (_("Contacted"), total.contacted, "contacted"),
                (_("Qualified"), total.qualified, "qualified"),
                (_("Converted"), total.converted, "converted"),
            )
        ],
        "labels": {"leads": _("Leads")},
    }
    context = {
        "period_form": period,
        "by": by,
        "board": board,
        "funnel_rows": [(row, row.drill) for row in [*board.rows, board.total]],
        "chart_data": chart,
        "can_manage": access.has_perm(actor, Perm.MANAGE_LEADS),
        **value,
        **grades,
    }
    return render(request, "leads/dashboard.html", context)


urlpatterns: list[URLPattern | URLResolver] = [
    path("dashboard/", dashboard_view, name="dashboard"),
    path("channels/", channel_list_view, name="channel-list"),
    path("channels/new/", channel_create_view, name="channel-create"),
    path("channels/<uuid:channel_id>/", channel_detail_view, name="channel-detail"),
    path("channels/<uuid:channel_id>/cleaning/", channel_cleaning_view, name="channel-cleaning"),
    path("channels/<uuid:channel_id>/form-key/", channel_form_key_view, name="channel-form-key"),
    path("channels/<uuid:channel_id>/costs/", channel_cost_add_view, name="channel-cost-add"),
    path(
        "channels/<uuid:channel_id>/costs/<uuid:cost_id>/remove/", channel_cost_remove_view, name="channel-cost-remove"
    ),
    path("settings/", settings_view, name="settings"),
]

__all__ = ["lead_list_url", "urlpatterns"]
