"""HTML input shapes for login, personal settings and the user, team and role admin pages."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.models import DataScope, Perm, Role, Team
from guanxi.core.forms import PageForm

OTP_WIDGET = forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"})


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


class LoginForm(PageForm):
    username = forms.CharField(
        label=_("Username or email"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class OtpForm(PageForm):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=10,
        widget=forms.TextInput(attrs={**OTP_WIDGET.attrs, "autofocus": True}),
    )


class PasswordChangeForm(PageForm):
    old_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 10 characters; not only digits, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password (again)"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class PreferencesForm(PageForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=time_zone_choices, help_text=_("Dates and times are shown in this zone.")
    )


class TotpConfirmForm(PageForm):
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=10, widget=OTP_WIDGET)


class TotpDisableForm(PageForm):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TokenCreateForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “ERP sync”."))
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a token that does not expire."),
    )


class _TeamChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Team) -> str:
        return "\u3000" * obj.depth + obj.name


class UserForm(PageForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("Email address"), required=False)
    display_name = forms.CharField(label=_("Display name"), max_length=120, required=False)
    team = _TeamChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("(no team)"))
    role = forms.ModelChoiceField(
        label=_("Role"), queryset=Role.objects.none(), required=False, empty_label=_("(no role)")
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial=settings.TIME_ZONE)
    is_active = forms.BooleanField(label=_("Active (may log in)"), required=False, initial=True)
    password = forms.CharField(
        label=_("Set password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password (a new user without one cannot log in)."),
    )

    def __init__(self, *args: Any, teams: QuerySet[Team], roles: QuerySet[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["role"].queryset = roles  # type: ignore[attr-defined]


class TeamForm(PageForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    parent = _TeamChoiceField(
        label=_("Parent team"), queryset=Team.objects.none(), required=False, empty_label=_("(top level)")
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = teams  # type: ignore[attr-defined]


SCOPE_FIELD_PREFIX = "scope__"


class RoleForm(PageForm):
    code = forms.SlugField(
        label=_("Code"), max_length=50, help_text=_("Letters, digits, - and _; used by integrations.")
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    name_en = forms.CharField(label=_("English name"), max_length=120, required=False)
    permissions = forms.MultipleChoiceField(
        label=_("Function permissions"), choices=Perm.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    default_scope = forms.ChoiceField(
        label=_("Default data scope"),
        choices=DataScope.choices,
        help_text=_("Which records the role sees, unless a record type below says otherwise."),
    )

    def __init__(self, *args: Any, record_types: dict[str, str], **kwargs: Any) -> None:
        """``record_types``: record type → label; each gets a scope select ("" = the default scope)."""
        super().__init__(*args, **kwargs)
        for record_type, label in record_types.items():
            self.fields[SCOPE_FIELD_PREFIX + record_type] = forms.ChoiceField(
                label=_("Data scope: %(records)s") % {"records": label},
                choices=[("", _("Same as the default")), *DataScope.choices],
                required=False,
            )

    def scopes(self) -> dict[str, str]:
        return {
            name.removeprefix(SCOPE_FIELD_PREFIX): value
            for name, value in self.cleaned_data.items()
            if name.startswith(SCOPE_FIELD_PREFIX) and value
        }

    @staticmethod
    def scope_initial(role: Role) -> dict[str, str]:
        return {SCOPE_FIELD_PREFIX + record_type: scope for record_type, scope in role.scopes.items()}
