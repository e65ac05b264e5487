"""Import pages' forms: shape only; the services check the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import PageForm
from guanxi.dataio.models import DuplicatePolicy, ImportJob, ImportKind, ImportMode
from guanxi.dataio.selectors import mapping_rows


class UploadForm(PageForm):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices, initial=ImportKind.CUSTOMERS)
    file = forms.FileField(
        label=_("File (CSV or Excel xlsx)"),
        help_text=_("The first row names the columns. CSV may be UTF-8 or GBK, as Excel saves it."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class MappingForm(PageForm):
    """One choice of column per field the import can fill, plus what to do with duplicates."""

    duplicate_policy = forms.ChoiceField(
        label=_("When a row matches an existing record"),
        choices=DuplicatePolicy.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        columns = [
            ("", _("— not imported —")),
            *((str(i), header or f"#{i + 1}") for i, header in enumerate(job.headers)),
        ]
        self.mapped: list[str] = []
        for name, label, required, index in mapping_rows(job):
            self.fields[f"col_{name}"] = forms.ChoiceField(
                label=f"{label} *" if required else label,
                choices=columns,
                required=False,
                initial="" if index is None else str(index),
            )
            self.mapped.append(name)
        self.fields["duplicate_policy"].initial = job.duplicate_policy
        self.order_fields([*(f"col_{name}" for name in self.mapped), "duplicate_policy"])

    def mapping(self) -> dict[str, int | None]:
        return {
            name: int(self.cleaned_data[f"col_{name}"]) if self.cleaned_data.get(f"col_{name}") else None
            for name in self.mapped
        }


class ApplyForm(PageForm):
    mode = forms.ChoiceField(label=_("How to import"), choices=ImportMode.choices, widget=forms.RadioSelect)
    duplicate_policy = forms.ChoiceField(
        label=_("When a row matches an existing record"), choices=DuplicatePolicy.choices, widget=forms.RadioSelect
    )
