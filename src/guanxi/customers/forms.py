"""HTML input shapes for customers; normalisation and rules live in services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import PageForm
from guanxi.customers.models import (
    BuyingRole,
    Channel,
    CompanySize,
    CustomerKind,
    CustomerSource,
    Direction,
    Industry,
    Outcome,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


class CustomerForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text=_("Mobile or landline, e.g. 138 0013 8000 or 021-6888 1234."),
    )


def _blank(choices: Sequence[tuple[str, StrOrPromise]]) -> list[tuple[str, StrOrPromise]]:
    return [("", "—"), *choices]


def _date_field(label: StrOrPromise, *, required: bool = False) -> forms.DateField:
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    return forms.DateField(label=label, required=required, widget=widget)


class CustomerProfileForm(CustomerForm):
    """Name and phone plus the hand-kept profile; the services validate and normalise it."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=CustomerKind.choices, initial=CustomerKind.ORGANISATION, required=False
    )
    short_name = forms.CharField(label=_("Short name"), max_length=100, required=False)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    industry = forms.ChoiceField(label=_("Industry"), choices=_blank(Industry.choices), required=False)
    size = forms.ChoiceField(label=_("Size"), choices=_blank(CompanySize.choices), required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.URLField(label=_("Website"), max_length=300, required=False, assume_scheme="https")
    province = forms.CharField(label=_("Province"), max_length=40, required=False)
    city = forms.CharField(label=_("City"), max_length=40, required=False)
    district = forms.CharField(label=_("District"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    founded_on = _date_field(_("Founded on"))
    birthday = _date_field(_("Birthday"))
    source = forms.ChoiceField(label=_("Source"), choices=_blank(CustomerSource.choices), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_kind(self) -> str | None:
        """Not sent means unchanged (a new customer is an organisation by default)."""
        return self.cleaned_data.get("kind") or None


class CustomerEditForm(CustomerProfileForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    CLEARABLE = ("birthday", "founded_on")

    def cleared(self) -> list[str]:
        """Date fields sent empty: the user emptied them, so they are cleared (not "unchanged")."""
        return [name for name in self.CLEARABLE if name in self.data and self.cleaned_data.get(name) is None]


class ContactForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    mobile = forms.CharField(
        label=_("Mobile"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    department = forms.CharField(label=_("Department"), max_length=120, required=False)
    buying_role = forms.ChoiceField(label=_("Buying role"), choices=_blank(BuyingRole.choices), required=False)


class PositionChangeForm(PageForm):
    title = forms.CharField(label=_("New title"), max_length=120, required=False)
    department = forms.CharField(label=_("Department"), max_length=120, required=False)
    buying_role = forms.ChoiceField(label=_("Buying role"), choices=_blank(BuyingRole.choices), required=False)
    changed_on = _date_field(_("Date"))


class PositionEndForm(PageForm):
    ended_on = _date_field(_("Date"))


class InteractionForm(PageForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices)
    contact = forms.ChoiceField(label=_("Contact"), required=False)
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=_blank(Outcome.choices), required=False)
    summary = forms.CharField(label=_("Summary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    next_step = forms.CharField(label=_("Next step"), max_length=500, required=False)
    next_step_on = _date_field(_("Next step date"))

    def __init__(self, *args: Any, contacts: list[tuple[str, str]], **kwargs: Any) -> None:
        """``contacts``: (contact id, label) of the customer's current contacts."""
        super().__init__(*args, **kwargs)
        contact = self.fields["contact"]
        if isinstance(contact, forms.ChoiceField):
            contact.choices = _blank(contacts)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
