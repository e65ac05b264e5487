"""The public web form of a lead channel (``/f/<form key>/``): anyone may fill it in, no login.

What comes in goes through the channel's cleaning rules like every other lead (a bot that fills
the hidden field is kept as a rejected lead with the reason). Each address is rate-limited per
client IP (``GUANXI_LEAD_FORM_RATE``, default 10 per hour): the limit answers 429 and stores nothing.
"""

from __future__ import annotations

import hashlib
import time

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from guanxi.accounts import access
from guanxi.core.errors import InvalidInput
from guanxi.leads import services
from guanxi.leads.models import Channel

HONEYPOT = "website"  # hidden from people by CSS; bots fill it in


class LeadForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    message = forms.CharField(label=_("Message"), max_length=5000, required=False, widget=forms.Textarea({"rows": 4}))
    website = forms.CharField(label=_("Leave this field empty"), max_length=200, required=False)


def _rate(raw: str) -> tuple[int, int]:
    count, _slash, unit = raw.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(unit[:1] or "h", 3600)
    return max(int(count or 0), 1), seconds


def _allowed(request: HttpRequest, channel: Channel) -> bool:
    """A fixed window per (form, client IP) in the shared cache."""
    limit, window = _rate(getattr(settings, "GUANXI_LEAD_FORM_RATE", "10/h"))
    client = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{channel.form_key}|{client}".encode()).hexdigest()[:24]
    key = f"leadform:{digest}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return True


def _channel(form_key: str) -> Channel:
    channel = Channel.objects.filter(form_key=form_key[:40], form_enabled=True, is_active=True).first()
    if channel is None:
        raise Http404
    return channel


@require_http_methods(["GET", "POST"])
def lead_form(request: HttpRequest, form_key: str) -> HttpResponse:
    channel = _channel(form_key)
    form = LeadForm(request.POST or None)
    context = {"channel": channel, "form": form, "honeypot": HONEYPOT}
    if request.method != "POST":
        return render(request, "leads/webform.html", context)
    if not _allowed(request, channel):
        context["limited"] = True
        return render(request, "leads/webform.html", context, status=429)
    if not form.is_valid():
        return render(request, "leads/webform.html", context, status=422)
    raw = {key: value for key, value in form.cleaned_data.items() if key != HONEYPOT}
    raw[HONEYPOT] = form.cleaned_data.get(HONEYPOT, "")
    try:
        services.lead_create(actor=access.system_actor(), channel=channel, raw=raw, source="form", honeypot=HONEYPOT)
    except InvalidInput as error:  # the channel was switched off meanwhile, or the like
        form.add_error(None, str(error))
        return render(request, "leads/webform.html", context, status=422)
    # Rejected or not, the visitor gets the same thanks: a bot learns nothing from the answer.
    return render(request, "leads/webform_thanks.html", {"channel": channel})


urlpatterns: list[URLPattern | URLResolver] = [
    path("<str:form_key>/", lead_form, name="form"),
]
