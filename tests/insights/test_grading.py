"""Composite grading on stored value figures: schemes, evaluations with history and migration, why, felt key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from guanxi.customers.models import Customer, CustomerTag, Tag, TagGroup, TagSource
from guanxi.insights import grading
from guanxi.insights.models import CustomerGrade, CustomerValue, GradeChange, GradeEvaluation, GradeScheme
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)
PROFIT_ONLY = [{"key": "profit", "weight": 100, "normalisation": "rank", "higher_is_better": True}]


def _value(customer: Customer, profit: float, **fields: Any) -> CustomerValue:
    values = {"revenue": Decimal(str(max(profit, 0) * 2)), "orders": 1} | fields
    return CustomerValue.objects.update_or_create(
        customer=customer, defaults={"as_of": AS_OF, "profit": Decimal(str(profit)), **values}
    )[0]


def _scheme(org: Org, indicators: list[dict[str, Any]] | None = None, *, active: bool = True) -> GradeScheme:
    scheme = grading.grade_scheme_create(
        actor=org["director"],
        name="利润评级",
        indicators=indicators or PROFIT_ONLY,
        grades=["A", "B", "C", "D"],
        thresholds=[75, 50, 25, 0],
    )
    return grading.grade_scheme_activate(actor=org["director"], scheme=scheme) if active else scheme


def _customers(org: Org, profits: list[float]) -> list[Customer]:
    customers = [CustomerFactory(owner=org["rep1"], name=f"客户{i}") for i in range(len(profits))]
    for customer, profit in zip(customers, profits, strict=True):
        _value(customer, profit)
    return customers


def _grades() -> dict[Any, str]:
    return dict(CustomerGrade.objects.values_list("customer_id", "grade"))


def test_default_scheme_is_created_once_with_a_treatment_per_grade(org: Org) -> None:
    scheme = grading.grade_scheme_default_ensure(actor=org["admin"])
    again = grading.grade_scheme_default_ensure(actor=org["admin"])
    assert again.pk == scheme.pk
    assert GradeScheme.objects.count() == 1
    assert scheme.is_active
    assert scheme.name == "综合评级"
    assert scheme.thresholds == [80, 60, 40, 0]
    assert {row["key"]: row["weight"] for row in scheme.indicators} == {
        "profit": 30, "margin": 15, "revenue": 15, "growth": 15, "tenure": 10, "payment_punctuality": 15,
    }  # fmt: skip
    treatments = {t.grade: t for t in scheme.treatments.all()}
    assert treatments["A"].visit_every_days == 14
    assert treatments["A"].credit_limit == Decimal("500000")
    assert treatments["D"].credit_limit is None
    assert treatments["D"].max_discount_pct == Decimal("0")


def test_evaluation_grades_every_customer_by_rank_and_explains_the_index(org: Org) -> None:
    customers = _customers(org, [100, 200, 300, 400, 500, 600, 700, 800])
    _scheme(org)

    evaluation = grading.grade_evaluate(as_of=AS_OF)

    assert evaluation is not None
    grades = _grades()
    assert [grades[c.pk] for c in customers] == ["D", "D", "C", "C", "B", "B", "A", "A"]
    assert evaluation.counts == {"A": 2, "B": 2, "C": 2, "D": 2}
    assert evaluation.customers == 8
    best = CustomerGrade.objects.get(customer=customers[-1])
    assert best.grade_index == Decimal("93.75")  # rank 8 of 8: (8 - 0.5) / 8
    assert best.contributions == [93.75]
    # The first grades are history too; the migration has one row: new customers.
    assert GradeChange.objects.filter(evaluation=evaluation, previous_grade="").count() == 8
    assert evaluation.migration == {"rows": ["new"], "columns": ["A", "B", "C", "D"], "counts": [[2, 2, 2, 2]]}


def test_a_second_evaluation_records_only_changes_and_the_migration(org: Org) -> None:
    customers = _customers(org, [100, 200, 300, 400])
    _scheme(org)
    first = grading.grade_evaluate(as_of=date(2026, 5, 31))
    _value(customers[0], 1000)  # the worst becomes the best; the others move down one
    newcomer = CustomerFactory(owner=org["rep1"], name="新客户")

    second = grading.grade_evaluate(as_of=AS_OF)

    assert second is not None
    assert first is not None
    assert second.previous_id == first.pk
    grades = _grades()
    assert [grades[c.pk] for c in customers] == ["A", "D", "C", "B"]
    assert grades[newcomer.pk] == "D"  # no figures at all: index 0
    changes = {c.customer_id: (c.previous_grade, c.grade) for c in GradeChange.objects.filter(evaluation=second)}
    assert changes == {
        customers[0].pk: ("D", "A"),
        customers[1].pk: ("C", "D"),
        customers[2].pk: ("B", "C"),
        customers[3].pk: ("A", "B"),
        newcomer.pk: ("", "D"),
    }
    migration = second.migration
    assert migration["rows"] == ["A", "B", "C", "D", "new"]
    assert migration["counts"] == [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1]]
    history = list(GradeChange.objects.filter(customer=customers[0]).order_by("as_of").values_list("grade", flat=True))
    assert history == ["D", "A"]


def test_missing_punctuality_shares_its_weight_and_margin_missing_for_non_buyers(org: Org) -> None:
    buyer, other, idle = _customers(org, [500, 100, 0])
    _value(buyer, 500, margin=Decimal("0.4"), tenure_days=400, previous_revenue=Decimal("500"))
    _value(other, 100, margin=Decimal("0.1"), tenure_days=100, previous_revenue=Decimal("300"))
    _value(idle, 0, revenue=Decimal("0"), margin=None, tenure_days=None)
    grading.grade_scheme_default_ensure(actor=org["admin"])

    grading.grade_evaluate(as_of=AS_OF)

    best = CustomerGrade.objects.get(customer=buyer)
    keys = [row["key"] for row in best.evaluation.indicators]
    points = dict(zip(keys, best.contributions, strict=True))
    assert points["payment_punctuality"] == 0
    # Ranks of the best buyer: profit and revenue 2.5/3, margin, growth and tenure 1.5/2 (the idle customer has
    # none of those three). Punctuality's 15 is missing for everybody: the other 85 share the index.
    # (30 × 5/6 + 15 × 3/4 + 15 × 5/6 + 15 × 3/4 + 10 × 3/4) / 85 = 67.5 / 85
    assert float(best.grade_index) == pytest.approx(79.41, abs=0.005)
    assert best.grade == "B"
    assert float(best.grade_index) == pytest.approx(sum(best.contributions), abs=0.05)
    why = grading.customer_grade_history(actor=org["rep1"], customer=buyer).why
    assert [row.missing for row in why if row.key == "payment_punctuality"] == [True]
    idle_why = {row.key: row for row in grading.customer_grade_history(actor=org["rep1"], customer=idle).why}
    assert idle_why["margin"].missing
    assert idle_why["margin"].points == 0


def test_a_strategic_tag_lifts_the_tagged_customer(org: Org) -> None:
    plain, strategic = _customers(org, [500, 400])
    tag = Tag.objects.create(group=TagGroup.objects.create(name="战略"), name="战略客户")
    CustomerTag.objects.create(customer=strategic, tag=tag, source=TagSource.MANUAL, tagged_at=timezone.now())
    indicators = [*PROFIT_ONLY, {"key": f"tag:{tag.pk}", "weight": 100, "normalisation": "flag"}]
    _scheme(org, indicators)

    grading.grade_evaluate(as_of=AS_OF)

    assert _grades() == {plain.pk: "B", strategic.pk: "B"} or _grades()[strategic.pk] <= _grades()[plain.pk]
    assert (
        CustomerGrade.objects.get(customer=strategic).grade_index
        > CustomerGrade.objects.get(customer=plain).grade_index
    )
    why = {row.key: row for row in grading.customer_grade_history(actor=org["rep1"], customer=strategic).why}
    assert why[f"tag:{tag.pk}"].points == 50
    assert why[f"tag:{tag.pk}"].label in {"Tag: 战略客户", "标签：战略客户"}  # in the active language


@pytest.mark.parametrize(
    ("indicators", "grades", "thresholds", "loc"),
    [
        ([{"key": "luck", "weight": 1}], ["A", "B"], [50, 0], ["indicators", 0, "key"]),
        ([{"key": "profit", "weight": -1}], ["A", "B"], [50, 0], ["indicators", 0, "weight"]),
        ([{"key": "profit", "weight": 0}], ["A", "B"], [50, 0], ["indicators"]),
        (
            [{"key": "profit", "weight": 1, "normalisation": "flag"}],
            ["A", "B"],
            [50, 0],
            ["indicators", 0, "normalisation"],
        ),
        ([{"key": "tag:999", "weight": 1, "normalisation": "flag"}], ["A", "B"], [50, 0], ["indicators", 0, "key"]),
        ([*PROFIT_ONLY, *PROFIT_ONLY], ["A", "B"], [50, 0], ["indicators"]),
        (PROFIT_ONLY, ["A", "B"], [0, 50], ["thresholds"]),
        (PROFIT_ONLY, ["A", "B"], [60, 10], ["thresholds"]),
        (PROFIT_ONLY, ["A", "A"], [50, 0], ["grades"]),
        (PROFIT_ONLY, ["A", "B"], [50], ["thresholds"]),
        ([], ["A"], [0], ["indicators"]),
    ],
)
def test_a_bad_scheme_is_refused_naming_the_field(
    org: Org, indicators: Any, grades: Any, thresholds: Any, loc: list[Any]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        grading.grade_scheme_create(
            actor=org["director"], name="坏方案", indicators=indicators, grades=grades, thresholds=thresholds
        )
    assert loc in [error["loc"] for error in refused.value.errors]
    assert not GradeScheme.objects.exists()


def test_only_value_managers_change_schemes_and_activation_keeps_one_active(org: Org) -> None:
    with pytest.raises(NotAllowed):
        grading.grade_scheme_create(
            actor=org["manager1"], name="x", indicators=PROFIT_ONLY, grades=["A"], thresholds=[0]
        )
    first = _scheme(org)
    second = _scheme(org, active=False)
    grading.grade_scheme_activate(actor=org["admin"], scheme=second)
    assert list(GradeScheme.objects.filter(is_active=True)) == [second]
    with pytest.raises(Conflict):
        grading.grade_scheme_delete(actor=org["admin"], scheme=second)
    first.refresh_from_db()
    with pytest.raises(Conflict):
        grading.grade_scheme_update(actor=org["admin"], scheme=first, version=first.version - 1, changes={"name": "旧"})
    grading.grade_scheme_update(
        actor=org["admin"], scheme=first, version=first.version, changes={"grades": ["S", "A"], "thresholds": [50, 0]}
    )
    assert sorted(first.treatments.values_list("grade", flat=True)) == ["A", "S"]
    grading.grade_scheme_delete(actor=org["admin"], scheme=first)
    assert list(GradeScheme.objects.all()) == [second]


def test_treatments_are_set_per_grade_and_read_for_a_customer(org: Org, records: Records) -> None:
    _value(records.own, 900)
    _value(records.team, 10)
    scheme = _scheme(org)
    grading.grade_evaluate(as_of=AS_OF)
    treatment = scheme.treatments.get(grade="A")
    grading.grade_treatment_set(
        actor=org["admin"], scheme=scheme, grade="A", version=treatment.version,
        values={"visit_every_days": 7, "service_level": "premium", "credit_limit": "800000", "max_discount_pct": 12},
    )  # fmt: skip
    found = grading.grade_treatment_for(customer=records.own)
    assert found is not None
    assert found.grade == "A"
    assert found.visit_every_days == 7
    assert found.credit_limit == Decimal("800000")
    with pytest.raises(InvalidInput) as refused:
        grading.grade_treatment_set(
            actor=org["admin"], scheme=scheme, grade="A", version=None, values={"max_discount_pct": 120}
        )
    assert refused.value.errors[0]["loc"] == ["max_discount_pct"]
    with pytest.raises(NotAllowed):
        grading.grade_treatment_set(actor=org["rep1"], scheme=scheme, grade="A", version=None, values={})
    newcomer = CustomerFactory(owner=org["rep1"], name="评级后新建")
    assert grading.grade_treatment_for(customer=newcomer) is None  # not graded yet


def test_an_evaluation_is_due_after_its_interval(org: Org) -> None:
    assert not grading.grade_evaluation_due(as_of=AS_OF)  # no active scheme
    _scheme(org)
    assert grading.grade_evaluation_due(as_of=AS_OF)
    grading.grade_evaluate(as_of=AS_OF)
    assert not grading.grade_evaluation_due(as_of=date(2026, 7, 29))
    assert grading.grade_evaluation_due(as_of=date(2026, 7, 30))


def test_evaluate_now_needs_the_permission_and_an_active_scheme(org: Org) -> None:
    with pytest.raises(NotAllowed):
        grading.grade_evaluate_now(actor=org["rep1"])
    with pytest.raises(Conflict):
        grading.grade_evaluate_now(actor=org["admin"])
    _scheme(org)
    assert grading.grade_evaluate_now(actor=org["admin"], as_of=AS_OF).as_of == AS_OF
    assert GradeEvaluation.objects.count() == 1


def test_grade_history_is_newest_first_and_hidden_customers_are_not_found(org: Org, records: Records) -> None:
    _value(records.own, 10)
    _value(records.other, 500)
    _scheme(org)
    grading.grade_evaluate(as_of=date(2026, 5, 31))
    _value(records.own, 900)
    grading.grade_evaluate(as_of=AS_OF)

    history = grading.customer_grade_history(actor=org["rep1"], customer=records.own)
    assert history.grade is not None
    assert history.grade.grade == "A"
    assert [(c.as_of, c.grade) for c in history.changes] == [(AS_OF, "A"), (date(2026, 5, 31), "C")]
    assert history.why[0].raw == 900
    with pytest.raises(NotFound):
        grading.customer_grade_history(actor=org["rep1"], customer=records.other)


def test_felt_key_marks_are_personal_and_compared_with_the_top_grade(org: Org, records: Records) -> None:
    for customer, profit in ((records.own, 900), (records.team, 10), (records.other, 800), (records.below, 5)):
        _value(customer, profit)
    _scheme(org)
    grading.grade_evaluate(as_of=AS_OF)
    grading.felt_key_mark(actor=org["manager1"], customer=records.team)
    grading.felt_key_mark(actor=org["manager1"], customer=records.team)  # once is enough
    grading.felt_key_mark(actor=org["rep1"], customer=records.own)
    with pytest.raises(NotFound):
        grading.felt_key_mark(actor=org["manager1"], customer=records.other)

    comparison = grading.felt_comparison(actor=org["manager1"])

    # manager1 sees own (A), team (D) and below (D); they felt only "team" was key.
    assert (comparison.felt, comparison.top, comparison.both) == (1, 1, 0)
    assert [row.customer_id for row in comparison.felt_outside_top] == [records.team.pk]
    assert [row.customer_id for row in comparison.top_not_felt] == [records.own.pk]
    assert comparison.top_grade == "A"
    grading.felt_key_unmark(actor=org["manager1"], customer=records.team)
    assert grading.felt_comparison(actor=org["manager1"]).felt == 0
    assert grading.felt_comparison(actor=org["rep1"]).both == 1


def test_evaluation_counts_are_company_wide_for_managers_and_scoped_for_others(org: Org, records: Records) -> None:
    for customer, profit in ((records.own, 900), (records.team, 10), (records.other, 800), (records.below, 5)):
        _value(customer, profit)
    _scheme(org)
    evaluation = grading.grade_evaluate(as_of=AS_OF)
    assert evaluation is not None

    director = grading.grade_evaluation_get(actor=org["director"], pk=evaluation.pk)
    rep = grading.grade_evaluation_get(actor=org["rep1"], pk=evaluation.pk)

    assert director.counts == {"A": 1, "B": 1, "C": 1, "D": 1}
    assert director.migration is not None
    assert rep.scoped
    assert rep.counts == {"A": 1, "B": 0, "C": 0, "D": 0}
    assert rep.migration is None
