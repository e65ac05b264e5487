"""Composite grading (VAL-5): the indicator catalogue, the evaluation step, services and scoped selectors."""

from guanxi.insights.grading.catalogue import INDICATORS, IndicatorSpec, scheme_clean
from guanxi.insights.grading.engine import GradeInputs, grade_evaluate, grade_evaluation_due, grade_inputs_read
from guanxi.insights.grading.selectors import (
    customer_grade_history,
    felt_comparison,
    grade_evaluation_get,
    grade_evaluation_list,
    grade_scheme_get,
    grade_scheme_list,
    grade_treatment_for,
)
from guanxi.insights.grading.services import (
    felt_key_mark,
    felt_key_unmark,
    grade_evaluate_now,
    grade_scheme_activate,
    grade_scheme_create,
    grade_scheme_default_ensure,
    grade_scheme_delete,
    grade_scheme_update,
    grade_treatment_set,
)

__all__ = [
    "INDICATORS",
    "GradeInputs",
    "IndicatorSpec",
    "customer_grade_history",
    "felt_comparison",
    "felt_key_mark",
    "felt_key_unmark",
    "grade_evaluate",
    "grade_evaluate_now",
    "grade_evaluation_due",
    "grade_evaluation_get",
    "grade_evaluation_list",
    "grade_inputs_read",
    "grade_scheme_activate",
    "grade_scheme_create",
    "grade_scheme_default_ensure",
    "grade_scheme_delete",
    "grade_scheme_get",
    "grade_scheme_list",
    "grade_scheme_update",
    "grade_treatment_for",
    "grade_treatment_set",
    "scheme_clean",
]
