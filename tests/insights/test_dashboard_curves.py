"""The value dashboard's curve card: a segment picker and the chosen segment's stored curves, for its readers."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.insights.models import CurveKind, CustomerValue, RunStatus, Segment, SegmentCurve, ValueRun
from guanxi.insights.segments import segment_create
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 6, 30)
RULE = {"match": "all", "conditions": [{"field": "profit", "op": "gt", "value": 0}]}


def _curves(segment: Segment, spend: float) -> None:
    """Stored curves of ``segment`` whose figures carry ``spend`` (to tell segments apart)."""
    data = {
        CurveKind.COHORT: {"purchases": 3, "months": 2, "spend_per_customer": [spend, 1.0],
                           "cumulative_spend_per_customer": [spend, spend + 1], "purchases_per_customer": [1.0, 0.5]},
        CurveKind.INTERPURCHASE: {"purchases": 3, "edges": [0, 30], "counts": [1, 1], "gaps": 2,
                                  "median": 21.0, "p25": 10.0, "p75": 40.0},
        CurveKind.TREND: {"purchases": 3, "months": ["2026-05", "2026-06"], "spend": [spend, 2.0],
                          "forecast_months": ["2026-07"], "available": True, "fitted": [spend, 2.0],
                          "forecast": [3.0], "lower": [1.0], "upper": [5.0], "level": 0.9},
    }  # fmt: skip
    for kind, figures in data.items():
        SegmentCurve.objects.create(segment=segment, kind=kind, as_of=AS_OF, data=figures)


@pytest.fixture
def world(org: Org, records: Records) -> dict[str, Segment]:
    """A finished run; "东区细分" mapped to East (rep1's team), "南区细分" mapped to South."""
    ValueRun.objects.create(as_of=AS_OF, status=RunStatus.DONE, finished_at=timezone.now())
    for customer in records.all().values():
        CustomerValue.objects.create(customer=customer, as_of=AS_OF, profit=Decimal(10))
    east = segment_create(actor=org["admin"], name="东区细分", rule=RULE, team_ids=[org.east.pk])
    south = segment_create(actor=org["admin"], name="南区细分", rule=RULE, team_ids=[org.south.pk])
    _curves(east, 111.5)
    _curves(south, 777.25)
    return {"east": east, "south": south}


def _curve_data(html: str) -> dict[str, Any] | None:
    found = re.search(r'<script id="gx-dashboard-curves" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


def test_a_director_sees_the_chosen_segments_curves_with_their_drill_down(
    world: dict[str, Segment], browser_client: Any, django_assert_max_num_queries: Any
) -> None:
    client = browser_client("director")
    client.get("/insights/")  # warm the session and caches
    south = world["south"]
    with django_assert_max_num_queries(19):
        response = client.get(f"/insights/?curve_segment={south.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    data = _curve_data(html)
    assert data is not None
    assert data["cohort"]["spend_per_customer"] == [777.25, 1.0]
    assert data["trend"]["forecast"] == [3.0]
    assert data["trend"]["lower"] == [1.0]
    assert data["trend"]["upper"] == [5.0]
    assert data["interpurchase"]["counts"] == [1, 1]
    assert f'<option value="{south.pk}" selected>南区细分</option>' in html
    assert html.count(f'href="/customers/?segment_id={south.pk}"') == 3  # one "customers behind it" per curve


def test_the_first_segment_by_name_is_the_default(world: dict[str, Segment], browser_client: Any) -> None:
    html = browser_client("director").get("/insights/").content.decode()
    data = _curve_data(html)
    assert data is not None
    first = min(world.values(), key=lambda s: s.name)
    spend = 111.5 if first == world["east"] else 777.25
    assert data["cohort"]["spend_per_customer"][0] == spend


def test_the_query_count_does_not_grow_with_segments(
    world: dict[str, Segment], org: Org, browser_client: Any, django_assert_max_num_queries: Any
) -> None:
    for number in range(8):
        extra = segment_create(actor=org["admin"], name=f"额外{number}", rule=RULE, team_ids=[org.east.pk])
        _curves(extra, float(number))
    client = browser_client("rep1")
    client.get("/insights/")
    with django_assert_max_num_queries(19):
        response = client.get(f"/insights/?curve_segment={world['east'].pk}")
    assert response.status_code == 200
    assert response.content.decode().count("<option value=") == 9


def test_a_rep_without_the_team_mapping_gets_no_curve_data(world: dict[str, Segment], browser_client: Any) -> None:
    south = world["south"]
    response = browser_client("rep1").get(f"/insights/?curve_segment={south.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert _curve_data(html) is None
    assert "777.25" not in html
    assert 'id="gx-curves-hidden"' in html
    assert f"?segment_id={south.pk}" not in html
    assert "南区细分" in html  # the segment's name is no secret: definitions are readable by everyone
    offered = re.findall(r'<option value="([^"]+)"', html)
    assert offered == [str(world["east"].pk)]


def test_a_mapped_rep_sees_their_segments_curves(world: dict[str, Segment], browser_client: Any) -> None:
    data = _curve_data(browser_client("rep1").get(f"/insights/?curve_segment={world['east'].pk}").content.decode())
    assert data is not None
    assert data["cohort"]["spend_per_customer"][0] == 111.5


@pytest.mark.parametrize("raw", ["nonsense", "00000000-0000-0000-0000-000000000000", "%00", "x" * 300])
def test_a_bad_segment_id_shows_the_default_segment_and_a_message(
    world: dict[str, Segment], browser_client: Any, raw: str
) -> None:
    response = browser_client("rep1").get("/insights/", {"curve_segment": raw})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="gx-curves-unknown"' in html
    data = _curve_data(html)
    assert data is not None
    assert data["cohort"]["spend_per_customer"][0] == 111.5


def test_an_inactive_segment_is_not_offered(world: dict[str, Segment], browser_client: Any) -> None:
    Segment.objects.filter(pk=world["east"].pk).update(is_active=False)
    html = browser_client("rep1").get(f"/insights/?curve_segment={world['east'].pk}").content.decode()
    assert _curve_data(html) is None
    assert 'id="gx-curves-unknown"' in html
    assert 'id="gx-curves-no-segment"' in html


def test_a_user_without_a_team_sees_no_segment_to_pick(
    world: dict[str, Segment], org: Org, browser_client: Any
) -> None:
    type(org["rep2"]).objects.filter(pk=org["rep2"].pk).update(team=None)
    html = browser_client("rep2").get("/insights/").content.decode()
    assert _curve_data(html) is None
    assert 'id="gx-curves-no-segment"' in html
