"""The customer list's value filters and columns: the drill-downs of the value dashboard."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from guanxi.core import saved_views
from guanxi.customers.lists import filter_chip_label
from guanxi.customers.models import Customer
from guanxi.insights.models import (
    CustomerGrade,
    CustomerValue,
    GradeEvaluation,
    GradeScheme,
    Segment,
    SegmentMember,
    ValueClassChoice,
)
from tests.conftest import Org
from tests.customers.factories import CustomerFactory

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)


def _figures(customer: Customer, profit: str, value_class: str, rfm: tuple[int, int, int], clv: str) -> None:
    CustomerValue.objects.create(
        customer=customer,
        as_of=AS_OF,
        profit=Decimal(profit),
        value_class=value_class,
        rfm_recency=rfm[0],
        rfm_frequency=rfm[1],
        rfm_monetary=rfm[2],
        lifetime_value=Decimal(clv),
    )


@pytest.fixture
def book(org: Org) -> dict[str, Customer]:
    """rep1: star (A), loser (C), newbie (no figures); rep2: rival (negative, like loser)."""
    people = {
        "star": CustomerFactory(owner=org["rep1"], name="明星客户"),
        "loser": CustomerFactory(owner=org["rep1"], name="亏损客户"),
        "newbie": CustomerFactory(owner=org["rep1"], name="新来客户"),
        "rival": CustomerFactory(owner=org["rep2"], name="别组亏损客户"),
    }
    _figures(people["star"], "1200.00", "most_valuable", (5, 4, 5), "3000.00")
    _figures(people["loser"], "-80.50", "negative", (2, 1, 1), "-120.00")
    _figures(people["rival"], "-10.00", "negative", (2, 1, 1), "-20.00")
    scheme = GradeScheme.objects.create(name="评级", is_active=True, created_by=org["admin"], updated_by=org["admin"])
    evaluation = GradeEvaluation.objects.create(scheme=scheme, as_of=AS_OF)
    for key, grade in (("star", "A"), ("loser", "C"), ("rival", "C")):
        CustomerGrade.objects.create(
            customer=people[key], evaluation=evaluation, as_of=AS_OF, grade=grade, grade_index=1
        )
    return people


def _ids(api: Any, actor: str, query: str) -> set[str]:
    response = api(actor).get(f"/api/v1/customers?{query}")
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


def _names(book: dict[str, Customer], ids: set[str]) -> set[str]:
    return {key for key, customer in book.items() if str(customer.pk) in ids}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("value_class=negative", {"loser"}),
        ("value_class=most_valuable", {"star"}),
        ("grade=A", {"star"}),
        ("grade=C", {"loser"}),
        ("rfm_r=5&rfm_f=4", {"star"}),
        ("rfm_r=2&rfm_f=1&rfm_m=1", {"loser"}),
        ("rfm_m=3", set()),
        ("profit_max=-0.01", {"loser"}),
        ("profit_min=1200", {"star"}),
        ("profit_min=-80.50&profit_max=0", {"loser"}),
        ("clv_min=0&clv_max=2999.99", set()),
        ("clv_min=-1000&clv_max=3000", {"star", "loser"}),
        ("value_class=negative&grade=A", set()),
    ],
)
def test_value_filters_narrow_the_list_to_the_actor_s_matching_customers(
    book: dict[str, Customer], api: Any, query: str, expected: set[str]
) -> None:
    assert _names(book, _ids(api, "rep1", query)) == expected


def test_the_director_sees_every_loss_maker_and_a_rep_only_their_own(book: dict[str, Customer], api: Any) -> None:
    assert _names(book, _ids(api, "director", "value_class=negative")) == {"loser", "rival"}
    assert _names(book, _ids(api, "rep2", "value_class=negative")) == {"rival"}


def test_segment_filter_lists_the_visible_members(org: Org, book: dict[str, Customer], api: Any) -> None:
    segment = Segment.objects.create(name="负价值客户", created_by=org["admin"], updated_by=org["admin"])
    for key in ("loser", "rival"):
        SegmentMember.objects.create(segment=segment, customer=book[key], since=AS_OF)
    assert _names(book, _ids(api, "rep1", f"segment_id={segment.pk}")) == {"loser"}
    assert _names(book, _ids(api, "director", f"segment_id={segment.pk}")) == {"loser", "rival"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("value_class=priceless", "value_class"),
        ("rfm_r=11", "rfm_r"),
        ("rfm_f=0", "rfm_f"),
        ("rfm_m=x", "rfm_m"),
        ("profit_min=abc", "profit_min"),
        ("profit_max=NaN", "profit_max"),
        ("clv_min=1e400", "clv_min"),
        ("clv_max=1.234", "clv_max"),
        ("segment_id=not-a-uuid", "segment_id"),
        ("grade=ABCDEFGHIJ", "grade"),
    ],
)
def test_a_bad_filter_value_is_a_clear_error(
    book: dict[str, Customer], api: Any, browser_client: Any, query: str, field: str
) -> None:
    response = api("rep1").get(f"/api/v1/customers?{query}")
    assert response.status_code == 422
    assert field in response.content.decode()
    page = browser_client("rep1").get(f"/customers/?{query}")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="filter-errors"' in body
    assert f"<code>{field}</code>" in body


def test_a_saved_view_with_a_broken_value_filter_answers_422(org: Org, book: dict[str, Customer], api: Any) -> None:
    view = saved_views.saved_view_create(
        actor=org["rep1"], record_type="customers.customer", name="坏视图", filters={"profit_min": "lots"}
    )
    response = api("rep1").get(f"/api/v1/customers?view={view.pk}")
    assert response.status_code == 422
    assert "profit_min" in response.content.decode()


def test_a_saved_view_keeps_its_value_filters(org: Org, book: dict[str, Customer], browser_client: Any) -> None:
    view = saved_views.saved_view_create(
        actor=org["rep1"], record_type="customers.customer", name="亏损", filters={"value_class": "negative"}
    )
    body = browser_client("rep1").get(f"/customers/?view={view.pk}").content.decode()
    assert str(book["loser"].pk) in body
    assert str(book["star"].pk) not in body


def test_active_value_filters_show_as_removable_chips(book: dict[str, Customer], browser_client: Any) -> None:
    response = browser_client("rep1").get("/customers/?value_class=negative&rfm_r=2&q=亏损")
    body = response.content.decode()
    with translation.override("zh-hans"):  # the test users' language
        assert filter_chip_label("value_class", "negative") in body
        assert filter_chip_label("rfm_r", 2) in body
    assert 'href="/customers/?q=%E4%BA%8F%E6%8D%9F&amp;rfm_r=2&amp;ordering=-created_at"' in body
    assert '<input type="hidden" name="value_class" value="negative">' in body  # a search keeps the filter
    assert str(book["loser"].pk) in body


def test_value_columns_show_the_figures_without_a_query_per_row(
    org: Org, book: dict[str, Customer], browser_client: Any
) -> None:
    client = browser_client("rep1")
    url = "/customers/?columns=name&columns=value_class&columns=profit&columns=lifetime_value&columns=grade"
    body = client.get(url).content.decode()
    with translation.override("zh-hans"):
        assert str(ValueClassChoice.MOST_VALUABLE.label) in body
    assert "-80.50" in body
    assert "3000.00" in body.replace(",", "")
    counts = []
    for extra in (2, 30):
        for i in range(extra):
            customer = CustomerFactory(owner=org["rep1"], name=f"批量{extra}-{i}")
            _figures(customer, str(i), "other", (1, 1, 1), str(i))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_value_filtered_pages_follow_the_cursor(org: Org, api: Any) -> None:
    for i in range(5):
        customer = CustomerFactory(owner=org["rep1"], name=f"亏损{i}")
        _figures(customer, "-1", "negative", (1, 1, 1), "-1")
    CustomerFactory(owner=org["rep1"], name="不亏")
    client = api("rep1")
    first = client.get("/api/v1/customers?value_class=negative&limit=3").json()
    second = client.get(f"/api/v1/customers?value_class=negative&limit=3&cursor={first['next_cursor']}").json()
    names = [item["name"] for item in first["items"] + second["items"]]
    assert sorted(names) == [f"亏损{i}" for i in range(5)]
    assert second["next_cursor"] is None


def test_exporting_from_the_list_keeps_its_value_filters(org: Org, book: dict[str, Customer], client: Any) -> None:
    """The list's export holds the rows the filtered list shows (a manager of East: rep1's customers)."""
    from django.urls import reverse

    from tests.dataio.matrix import _names

    client.force_login(org["manager1"], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    response = client.get(reverse("dataio:export", args=["customers"]), {"value_class": "negative"})
    assert response.status_code == 200
    assert _names(b"".join(response.streaming_content)) == {"亏损客户"}
    everything = client.get(reverse("dataio:export", args=["customers"]))
    assert {"明星客户", "亏损客户", "新来客户"} <= _names(b"".join(everything.streaming_content))
