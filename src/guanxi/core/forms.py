"""The base of every page form: Bootstrap classes on widgets, one template, domain errors on fields.

Forms check the shape of input only; the view then calls a service, and the service's
``InvalidInput(errors=[{"loc": [...], "msg": ...}])`` is shown on the fields with
``add_domain_errors`` (``form_write`` does both for the usual edit page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.forms.boundfield import BoundField

from guanxi.core.errors import Conflict, DomainError, InvalidInput

T = TypeVar("T")


def _widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class PageBoundField(BoundField):
    """Adds ``form-control``/``form-select``/``form-check-input`` and ``is-invalid``."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if widget.is_hidden:
            return attrs
        classes = [str(attrs.get("class", "")), _widget_class(widget), "is-invalid" if self.errors else ""]
        attrs["class"] = " ".join(c for c in classes if c)
        return attrs


class PageForm(forms.Form):
    bound_field_class = PageBoundField
    template_name = "web/partials/_form.html"


def add_domain_errors(form: forms.BaseForm, exc: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Show a service's ``errors=[{"loc": [...], "msg": ...}]`` on the matching form fields.

    The last element of ``loc`` names the field (``aliases`` renames service names to form
    names); errors for fields the form does not have, or without any, become form errors.
    """
    aliases = aliases or {}
    if not exc.errors:
        form.add_error(None, exc.detail)
        return
    for error in exc.errors:
        loc = error.get("loc") or []
        name = str(loc[-1]) if isinstance(loc, list | tuple) and loc else ""
        name = aliases.get(name, name)
        form.add_error(name if name in form.fields else None, str(error.get("msg", exc.detail)))


def form_write(form: forms.BaseForm, write: Callable[[], T]) -> tuple[T | None, int]:
    """Validate ``form`` and call the service ``write``; the result, or None with the page's status.

    A form error or a rule the service refused (``InvalidInput``, shown on its fields) answers
    422; a stale version (``Conflict``) shows the service's message and answers 409.
    """
    if not form.is_valid():
        return None, 422
    try:
        return write(), 200
    except InvalidInput as exc:
        add_domain_errors(form, exc)
        return None, 422
    except Conflict as exc:
        form.add_error(None, exc.detail)
        return None, 409
