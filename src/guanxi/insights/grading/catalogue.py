"""The indicator catalogue of composite grading, and the check of a scheme a manager submits.

An indicator key names where its per-customer value comes from: a column of ``GradeInputs``
(read from the stored value figures), nothing yet (payment punctuality waits for receipts), or a
tag (``tag:<id>``: a strategic flag, 1 when the customer carries the tag).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core.errors import InvalidInput
from guanxi.customers.models import Tag
from guanxi.insights.kernels import grading as kernel

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

TAG_PREFIX = "tag:"
MAX_INDICATORS = 20
MAX_GRADES = 10
MAX_GRADE_LENGTH = 8


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    label: StrOrPromise
    normalisation: kernel.Normalisation
    higher_is_better: bool
    source: str | None  # the GradeInputs field, or None while the data does not exist yet
    help: StrOrPromise = ""

    @property
    def available(self) -> bool:
        return self.source is not None


_RANK = kernel.Normalisation.RANK
INDICATORS: dict[str, IndicatorSpec] = {
    spec.key: spec
    for spec in (
        IndicatorSpec("profit", gettext_lazy("Profit"), _RANK, True, "profit"),
        IndicatorSpec("margin", gettext_lazy("Profit margin %"), _RANK, True, "margin"),
        IndicatorSpec("revenue", gettext_lazy("Revenue"), _RANK, True, "revenue"),
        IndicatorSpec(
            "growth",
            gettext_lazy("Spend growth"),
            _RANK,
            True,
            "growth",
            gettext_lazy("Revenue against the previous period; missing when there was none then."),
        ),
        IndicatorSpec("orders", gettext_lazy("Orders"), _RANK, True, "orders"),
        IndicatorSpec(
            "tenure", gettext_lazy("Tenure"), _RANK, True, "tenure_days", gettext_lazy("Days since the first purchase.")
        ),
        IndicatorSpec("lifetime_value", gettext_lazy("Lifetime value"), _RANK, True, "lifetime_value"),
        IndicatorSpec(
            "recency",
            gettext_lazy("Recency"),
            _RANK,
            False,
            "recency_days",
            gettext_lazy("Days since the last purchase: fewer is better."),
        ),
        IndicatorSpec(
            "payment_punctuality",
            gettext_lazy("Payment punctuality"),
            _RANK,
            True,
            None,
            gettext_lazy(
                "Not available until contracts and receipts are recorded: it is missing for every customer, "
                "and its weight is shared by the other indicators."
            ),
        ),
    )
}


def tag_id_of(key: str) -> int | None:
    """The tag id of a ``tag:<id>`` key, else None."""
    if not key.startswith(TAG_PREFIX):
        return None
    raw = key.removeprefix(TAG_PREFIX)
    return int(raw) if raw.isdigit() else None


def indicator_labels(keys: list[str]) -> dict[str, str]:
    """Display labels of indicator keys (one query for the tags among them)."""
    tag_ids = [tag_id for key in keys if (tag_id := tag_id_of(key)) is not None]
    tags = {tag.pk: tag.name for tag in Tag.objects.filter(pk__in=tag_ids)} if tag_ids else {}
    labels = {}
    for key in keys:
        tag_id = tag_id_of(key)
        if tag_id is not None:
            name = tags.get(tag_id)
            labels[key] = _("Tag: %(name)s") % {"name": name} if name else _("Deleted tag")
        else:
            spec = INDICATORS.get(key)
            labels[key] = str(spec.label) if spec else key
    return labels


def _error(loc: list[Any], message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message}


def _weight(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > 1000:
        return None
    return float(number)


def _indicator(index: int, raw: Any, tags: set[int], errors: list[dict[str, Any]]) -> dict[str, Any] | None:
    loc: list[Any] = ["indicators", index]
    if not isinstance(raw, dict) or set(raw) - {"key", "weight", "normalisation", "higher_is_better"}:
        errors.append(_error(loc, _("An indicator has a key, a weight, a normalisation and a direction.")))
        return None
    key = raw.get("key")
    tag_id = tag_id_of(key) if isinstance(key, str) else None
    if not isinstance(key, str) or (key not in INDICATORS and (tag_id is None or tag_id not in tags)):
        errors.append(_error([*loc, "key"], _("Unknown indicator.")))
        return None
    spec = INDICATORS.get(key)
    default = spec.normalisation if spec else kernel.Normalisation.FLAG
    normalisation = raw.get("normalisation") or default
    if normalisation not in set(kernel.Normalisation):
        errors.append(_error([*loc, "normalisation"], _("Choose rank, min-max or flag.")))
        return None
    if (tag_id is None) == (normalisation == kernel.Normalisation.FLAG):
        message = _("A tag is a flag; other indicators are normalised by rank or min-max.")
        errors.append(_error([*loc, "normalisation"], message))
        return None
    weight = _weight(raw.get("weight"))
    if weight is None:
        errors.append(_error([*loc, "weight"], _("The weight is a number from 0 to 1000.")))
        return None
    higher = raw.get("higher_is_better", spec.higher_is_better if spec else True)
    if not isinstance(higher, bool):
        errors.append(_error([*loc, "higher_is_better"], _("Say yes or no.")))
        return None
    return {"key": key, "weight": weight, "normalisation": str(normalisation), "higher_is_better": higher}


def _grades(grades: Any, thresholds: Any, errors: list[dict[str, Any]]) -> tuple[list[str], list[float]]:
    valid_grades = (
        isinstance(grades, list)
        and 1 <= len(grades) <= MAX_GRADES
        and all(isinstance(g, str) and g.strip() and len(g.strip()) <= MAX_GRADE_LENGTH for g in grades)
    )
    if not valid_grades:
        message = _("Give 1 to %(max)d grades, each a short name (up to 8 characters).") % {"max": MAX_GRADES}
        errors.append(_error(["grades"], message))
        return [], []
    names = [g.strip() for g in grades]
    if len(set(names)) != len(names) or "new" in names:
        errors.append(_error(["grades"], _("Grade names must be different (and not “new”).")))
    values = [_weight(t) for t in thresholds] if isinstance(thresholds, list) else []
    if len(values) != len(names) or any(v is None or v > 100 for v in values):
        errors.append(_error(["thresholds"], _("Give one threshold from 0 to 100 per grade.")))
        return names, []
    return names, [float(v) for v in values if v is not None]


def scheme_clean(*, indicators: Any, grades: Any, thresholds: Any) -> dict[str, Any]:
    """The scheme's JSON parts checked against the catalogue and the kernel; InvalidInput names every bad field."""
    errors: list[dict[str, Any]] = []
    if not isinstance(indicators, list) or not 1 <= len(indicators) <= MAX_INDICATORS:
        message = _("Choose 1 to %(max)d indicators.") % {"max": MAX_INDICATORS}
        raise InvalidInput(message, errors=[_error(["indicators"], message)])
    wanted = [tag_id_of(i.get("key", "")) for i in indicators if isinstance(i, dict) and isinstance(i.get("key"), str)]
    tag_ids = [t for t in wanted if t is not None]
    tags = set(Tag.objects.filter(pk__in=tag_ids).values_list("pk", flat=True)) if tag_ids else set()
    cleaned = [_indicator(i, raw, tags, errors) for i, raw in enumerate(indicators)]
    names, limits = _grades(grades, thresholds, errors)
    if errors:
        raise InvalidInput(_("Some fields are not valid."), errors=errors)
    rows = [row for row in cleaned if row is not None]
    scheme = kernel_scheme(rows, names, limits)
    try:
        scheme.check()
    except ValueError as error:
        raise InvalidInput(_("Some fields are not valid."), errors=[_check_error(str(error))]) from None
    return {"indicators": rows, "grades": names, "thresholds": limits}


def _check_error(message: str) -> dict[str, Any]:
    """The kernel's refusal, translated and placed on the field it is about."""
    known: dict[str, tuple[str, StrOrPromise]] = {
        "indicator names must be unique": ("indicators", gettext_lazy("Each indicator may be chosen once.")),
        "weights must be >= 0 and not all zero": ("indicators", gettext_lazy("At least one weight must be above 0.")),
        "thresholds must fall strictly from the best grade to the worst": (
            "thresholds",
            gettext_lazy("Thresholds must fall from the best grade to the worst."),
        ),
        "the last grade must start at 0, so every customer gets a grade": (
            "thresholds",
            gettext_lazy("The last grade must start at 0, so that every customer gets a grade."),
        ),
    }
    field, text = known.get(message, ("indicators", message))
    return _error([field], str(text))


def kernel_scheme(indicators: list[dict[str, Any]], grades: list[str], thresholds: list[float]) -> kernel.GradeScheme:
    return kernel.GradeScheme(
        indicators=tuple(
            kernel.Indicator(
                name=row["key"],
                weight=float(row["weight"]),
                normalisation=kernel.Normalisation(row["normalisation"]),
                higher_is_better=bool(row["higher_is_better"]),
            )
            for row in indicators
        ),
        grades=tuple(grades),
        thresholds=tuple(float(t) for t in thresholds),
    )
