"""Page forms of composite grading: the scheme editor (a row per indicator) and a grade's treatment.

Forms check the shape only; the services check the scheme against the catalogue and the kernel.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import PageForm
from guanxi.customers.models import Tag
from guanxi.insights.grading.catalogue import INDICATORS, TAG_PREFIX, tag_id_of
from guanxi.insights.models import GradeScheme, GradeTreatment, ServiceLevel

NORMALISATIONS = [("rank", _("Rank (percentile)")), ("minmax", _("Min-max (1st to 99th percentile)"))]


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class SchemeForm(PageForm):
    """Name, schedule, grades with thresholds, and weight / normalisation / direction per indicator."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=_("Name"), max_length=120)
    name_en = forms.CharField(label=_("English name"), max_length=120, required=False)
    evaluate_every_days = forms.IntegerField(label=_("Keep an evaluation every (days)"), min_value=1, max_value=366)
    grades = forms.CharField(
        label=_("Grades, best first"), max_length=100, help_text=_("Separated by commas: A, B, C, D")
    )
    thresholds = forms.CharField(
        label=_("Thresholds on the 0-100 index"), max_length=100, help_text=_("Where each grade starts: 80, 60, 40, 0")
    )
    add_tag = forms.ModelChoiceField(
        label=_("Add a strategic tag"), queryset=Tag.objects.none(), required=False, empty_label=_("(none)")
    )
    add_tag_weight = forms.DecimalField(
        label=_("Weight of the added tag"), min_value=0, max_value=1000, required=False, decimal_places=2
    )

    def __init__(self, *args: Any, scheme: GradeScheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["add_tag"].queryset = Tag.objects.select_related("group")  # type: ignore[attr-defined]
        current = {row["key"]: row for row in scheme.indicators}
        keys = [*INDICATORS, *(key for key in current if key.startswith(TAG_PREFIX))]
        self.indicator_keys = keys
        for key in keys:
            row = current.get(key)
            spec = INDICATORS.get(key)
            self.fields[f"w_{self._slug(key)}"] = forms.DecimalField(
                min_value=0, max_value=1000, decimal_places=2, required=False, initial=row["weight"] if row else 0
            )
            if spec is not None:
                self.fields[f"n_{key}"] = forms.ChoiceField(
                    choices=NORMALISATIONS,
                    required=False,
                    initial=row["normalisation"] if row else spec.normalisation.value,
                )
                self.fields[f"h_{key}"] = forms.BooleanField(
                    required=False, initial=row["higher_is_better"] if row else spec.higher_is_better
                )

    @staticmethod
    def _slug(key: str) -> str:
        return key.replace(":", "_")

    def rows(self) -> list[dict[str, Any]]:
        """Bound fields per indicator row, for the template."""
        return [
            {
                "key": key,
                "spec": INDICATORS.get(key),
                "tag_id": tag_id_of(key),
                "weight": self[f"w_{self._slug(key)}"],
                "normalisation": self[f"n_{key}"] if key in INDICATORS else None,
                "higher": self[f"h_{key}"] if key in INDICATORS else None,
            }
            for key in self.indicator_keys
        ]

    def indicators(self) -> list[dict[str, Any]]:
        """The indicators with a weight above 0, as the service takes them."""
        data = self.cleaned_data
        chosen = []
        for key in self.indicator_keys:
            weight = data.get(f"w_{self._slug(key)}") or Decimal(0)
            if weight <= 0:
                continue
            if key in INDICATORS:
                normalisation = data.get(f"n_{key}") or INDICATORS[key].normalisation.value
                row = {"key": key, "weight": float(weight), "normalisation": normalisation}
                chosen.append(row | {"higher_is_better": bool(data.get(f"h_{key}"))})
            else:
                chosen.append({"key": key, "weight": float(weight), "normalisation": "flag", "higher_is_better": True})
        tag, weight = data.get("add_tag"), data.get("add_tag_weight") or Decimal(0)
        if tag is not None and weight > 0 and f"{TAG_PREFIX}{tag.pk}" not in self.indicator_keys:
            chosen.append(
                {
                    "key": f"{TAG_PREFIX}{tag.pk}",
                    "weight": float(weight),
                    "normalisation": "flag",
                    "higher_is_better": True,
                }
            )
        return chosen

    def thresholds_list(self) -> list[Any]:
        values: list[Any] = []
        for part in _csv(self.cleaned_data["thresholds"]):
            try:
                values.append(float(part))
            except ValueError:
                values.append(part)  # the service names the field
        return values

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "name_en": data["name_en"],
            "evaluate_every_days": data["evaluate_every_days"],
            "grades": _csv(data["grades"]),
            "thresholds": self.thresholds_list(),
            "indicators": self.indicators(),
        }

    @classmethod
    def initial_for(cls, scheme: GradeScheme) -> dict[str, Any]:
        return {
            "version": scheme.version,
            "name": scheme.name,
            "name_en": scheme.name_en,
            "evaluate_every_days": scheme.evaluate_every_days,
            "grades": ", ".join(scheme.grades),
            "thresholds": ", ".join(f"{t:g}" for t in scheme.thresholds),
        }


class TreatmentForm(PageForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    visit_every_days = forms.IntegerField(label=_("Visit every (days)"), min_value=1, max_value=366, required=False)
    service_level = forms.ChoiceField(label=_("Service level"), choices=ServiceLevel.choices)
    price_book = forms.CharField(label=_("Price book"), max_length=60, required=False)
    credit_limit = forms.DecimalField(
        label=_("Credit limit"), min_value=0, max_digits=18, decimal_places=2, required=False
    )
    max_discount_pct = forms.DecimalField(
        label=_("Maximum discount (%)"), min_value=0, max_value=100, max_digits=5, decimal_places=2, required=False
    )

    @classmethod
    def initial_for(cls, treatment: GradeTreatment | None) -> dict[str, Any]:
        if treatment is None:
            return {"service_level": ServiceLevel.STANDARD}
        return {
            "version": treatment.version,
            "visit_every_days": treatment.visit_every_days,
            "service_level": treatment.service_level,
            "price_book": treatment.price_book,
            "credit_limit": treatment.credit_limit,
            "max_discount_pct": treatment.max_discount_pct,
        }

    def values(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class NewSchemeForm(SchemeForm):
    """A new scheme, started as a copy of ``source`` (the active scheme) or of the default catalogue."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    source = forms.UUIDField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def draft(source: GradeScheme | None) -> GradeScheme:
        """An unsaved scheme to start from: a copy of ``source``, or the default catalogue when there is none."""
        from guanxi.insights.grading.services import DEFAULT_INDICATORS

        if source is None:
            return GradeScheme(
                name=str(_("Composite grade")),
                indicators=[dict(row) for row in DEFAULT_INDICATORS],
                grades=["A", "B", "C", "D"],
                thresholds=[80, 60, 40, 0],
                evaluate_every_days=30,
            )
        return GradeScheme(
            name=str(_("Copy of %(name)s") % {"name": source.name})[:120],
            name_en=source.name_en,
            indicators=[dict(row) for row in source.indicators],
            grades=list(source.grades),
            thresholds=list(source.thresholds),
            evaluate_every_days=source.evaluate_every_days,
        )

    @classmethod
    def initial_for_draft(cls, draft: GradeScheme, source: GradeScheme | None) -> dict[str, Any]:
        return cls.initial_for(draft) | {"version": None, "source": source.pk if source else None}
