"""The lead import page: upload a CSV or xlsx file for a channel, see what became of its rows."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access
from guanxi.accounts.models import Perm
from guanxi.core.errors import InvalidInput, NotAllowed
from guanxi.core.forms import PageForm, add_domain_errors
from guanxi.core.pages import actor_of
from guanxi.leads import imports


class ImportForm(PageForm):
    channel = forms.ModelChoiceField(queryset=imports.channels_for_import(), label=gettext_lazy("Channel"))
    file = forms.FileField(
        label=gettext_lazy("File"), help_text=gettext_lazy("CSV (UTF-8 or GBK) or Excel (xlsx), with a header row.")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["channel"].queryset = imports.channels_for_import()  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def lead_import_view(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    allowed = access.has_perm(actor, Perm.MANAGE_LEADS)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST":
        if not allowed:
            raise NotAllowed(_("You do not have the permission for this action."))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = imports.leads_import(
                    actor=actor, channel=form.cleaned_data["channel"], upload=upload, file_name=upload.name or ""
                )
            except InvalidInput as exc:
                add_domain_errors(form, exc)
    context = {"form": form, "can_import": allowed, "report": report, "columns": imports.HEADERS}
    return render(request, "leads/import.html", context, status=422 if form.errors else 200)


urlpatterns: list[URLPattern | URLResolver] = [
    path("import/", lead_import_view, name="lead-import"),
]
