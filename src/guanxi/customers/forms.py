"""HTML input shapes for customers; normalisation and rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import PageForm


class CustomerForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("Mobile or landline, e.g. 138 0013 8000 or 021-6888 1234."),
    )


class CustomerEditForm(CustomerForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
