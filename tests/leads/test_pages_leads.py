"""Lead pages: the list with its filters, the pool and claiming, a lead's page and its forms, new and edit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.customers.models import Customer
from guanxi.leads import services
from guanxi.leads.models import Channel, DuplicateCandidate, Lead, LeadEventKind, LeadStatus
from guanxi.leads.views import leads as lead_views
from tests.conftest import Org, Records

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(org: Org) -> Channel:
    row = services.lead_settings()
    row.assignment = {"rules": [{"kind": "pool"}]}
    row.save()
    return services.channel_create(actor=org["admin"], name="展会 Trade show", kind="paid", team=org.east)


def _client(org: Org, username: str, *, htmx: bool = False) -> Client:
    headers = {"HTTP_ACCEPT_LANGUAGE": "en", **({"HTTP_HX_REQUEST": "true"} if htmx else {})}
    client = Client(**headers)
    client.force_login(org[username], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
    return client


def _lead(org: Org, channel: Channel, name: str, phone: str, **extra: str) -> Lead:
    return services.lead_create(actor=org["admin"], channel=channel, raw={"name": name, "phone": phone, **extra})


def _claimed(org: Org, channel: Channel, rep: str, name: str, phone: str) -> Lead:
    return services.lead_claim(actor=org[rep], lead_id=_lead(org, channel, name, phone).pk)


def test_the_list_shows_own_and_pool_leads_with_grade_and_owner(org: Org, channel: Channel) -> None:
    mine = _claimed(org, channel, "rep1", "张伟", "13800138001")
    _claimed(org, channel, "rep1b", "李娜", "13800138002")
    _lead(org, channel, "王芳", "13800138003")
    response = _client(org, "rep1").get(reverse("leads:lead-list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "张伟" in html
    assert "王芳" in html
    assert "李娜" not in html
    assert f'data-testid="grade">{mine.grade}<' in html
    assert "Pool of East" in html
    assert reverse("leads:pool") in html


def test_the_list_filters_by_grade_and_search_and_answers_htmx_with_rows(org: Org, channel: Channel) -> None:
    rich = _lead(org, channel, "张伟", "13800138001", company="杭州云栖科技有限公司", email="zw@yunqi.cn",
                 title="总经理", industry="制造业")  # fmt: skip
    poor = _lead(org, channel, "李娜", "13800138002")
    client = _client(org, "manager1")
    html = client.get(reverse("leads:lead-list"), {"grade": rich.grade}).content.decode()
    assert "张伟" in html
    assert "李娜" not in html
    rows = _client(org, "manager1", htmx=True).get(reverse("leads:lead-list"), {"q": poor.phone[-6:]})
    assert rows.status_code == 200
    assert "李娜" in rows.content.decode()
    assert "张伟" not in rows.content.decode()
    assert "<html" not in rows.content.decode()
    # malformed filters are left out rather than failing the page
    assert client.get(reverse("leads:lead-list"), {"owner_id": "x", "created_from": "notaday"}).status_code == 200


def test_the_pool_lists_the_teams_claimable_leads(org: Org, channel: Channel) -> None:
    _lead(org, channel, "王芳", "13800138003")
    _claimed(org, channel, "rep1b", "李娜", "13800138002")
    html = _client(org, "rep1").get(reverse("leads:pool")).content.decode()
    assert "王芳" in html
    assert "李娜" not in html
    assert "Claim" in html
    assert "王芳" not in _client(org, "rep2").get(reverse("leads:pool")).content.decode()


def test_claiming_from_the_pool_and_the_second_claim_is_told_politely(org: Org, channel: Channel) -> None:
    lead = _lead(org, channel, "王芳", "13800138003")
    url = reverse("leads:lead-claim", args=[lead.pk])
    won = _client(org, "rep1", htmx=True).post(url)
    assert won.status_code == 200
    assert 'data-testid="claim-won"' in won.content.decode()
    lost = _client(org, "rep1b", htmx=True).post(url)
    assert lost.status_code == 409
    assert "Someone else claimed this lead first." in lost.content.decode()
    plain = _client(org, "rep1b").post(url, follow=True)
    assert plain.status_code == 200
    assert "Someone else claimed this lead first." in plain.content.decode()
    assert Lead.objects.get(pk=lead.pk).owner == org["rep1"]


def test_the_lead_page_shows_why_this_grade_rejections_and_history(org: Org, channel: Channel) -> None:
    lead = _lead(org, channel, "x", "12", email="a@mailinator.com")
    assert lead.status == LeadStatus.REJECTED
    html = _client(org, "manager1").get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    assert 'data-testid="rejections"' in html
    for rejection in lead.rejections:
        assert rejection["rule"] in html
    assert "Why this grade" in html
    assert "Rejected by a cleaning rule" in html  # the history


def test_a_follow_up_on_the_page_moves_the_lead_to_contacted(org: Org, channel: Channel) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    client = _client(org, "rep1")
    page = client.get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    assert "Record a follow-up" in page
    assert "Convert to a customer" in page
    assert "Assign" not in page  # reps do not hand leads over
    data = {
        "channel": "phone",
        "summary": "约了下周拜访",
        "outcome": "interested",
        "next_step": "",
        "version": lead.version,
    }
    response = client.post(reverse("leads:lead-follow-up", args=[lead.pk]), data)
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CONTACTED
    html = client.get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    assert "约了下周拜访" in html
    assert "Interested" in html  # the outcome by its label
    stale = client.post(reverse("leads:lead-follow-up", args=[lead.pk]), data)
    assert stale.status_code == 409
    assert "Reload it and try again" in stale.content.decode()


def test_an_empty_follow_up_is_refused_on_the_page(org: Org, channel: Channel) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    data = {"channel": "phone", "summary": "", "version": lead.version}
    response = _client(org, "rep1").post(reverse("leads:lead-follow-up", args=[lead.pk]), data)
    assert response.status_code == 422
    assert "invalid-feedback" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


def test_status_change_on_the_page(org: Org, channel: Channel) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    data = {"status": "qualified", "reason": "预算已确认", "version": lead.version}
    response = _client(org, "rep1").post(reverse("leads:lead-status", args=[lead.pk]), data)
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.QUALIFIED


def test_converting_on_the_page_links_to_the_new_customer(org: Org, channel: Channel) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    client = _client(org, "rep1")
    response = client.post(reverse("leads:lead-convert", args=[lead.pk]), {"customer_id": "", "version": lead.version})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.customer is not None
    html = client.get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    assert reverse("customers:customer-detail", args=[lead.customer.pk]) in html
    assert client.get(reverse("customers:customer-detail", args=[lead.customer.pk])).status_code == 200


def test_the_customer_picker_offers_only_visible_customers_and_joins_one(
    org: Org, channel: Channel, records: Records
) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    client = _client(org, "rep1")
    html = client.get(reverse("leads:lead-detail", args=[lead.pk]), {"customer_q": "有限公司"}).content.decode()
    assert records.own.name in html
    assert records.other.name not in html
    hidden = client.post(
        reverse("leads:lead-convert", args=[lead.pk]), {"customer_id": str(records.other.pk), "version": lead.version}
    )
    assert hidden.status_code == 422
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW
    count = Customer.objects.count()
    joined = client.post(
        reverse("leads:lead-convert", args=[lead.pk]), {"customer_id": str(records.own.pk), "version": lead.version}
    )
    assert joined.status_code == 302
    assert Lead.objects.get(pk=lead.pk).customer_id == records.own.pk
    assert Customer.objects.count() == count


def test_a_manager_assigns_a_pool_lead(org: Org, channel: Channel) -> None:
    lead = _lead(org, channel, "王芳", "13800138003")
    client = _client(org, "manager1")
    assert "Assign" in client.get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    data = {"owner_id": org["rep1b"].pk, "version": lead.version}
    response = client.post(reverse("leads:lead-assign", args=[lead.pk]), data)
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.owner == org["rep1b"]
    assert lead.events.filter(kind=LeadEventKind.ASSIGNED).exists()
    refused = _client(org, "rep1").post(reverse("leads:lead-assign", args=[lead.pk]), data)
    assert refused.status_code == 404


def test_a_new_lead_goes_through_the_channels_rules(org: Org, channel: Channel) -> None:
    client = _client(org, "rep1")
    form = client.get(reverse("leads:lead-create"))
    assert form.status_code == 200
    assert channel.name in form.content.decode()
    data = {"channel": str(channel.pk), "name": "赵六", "phone": "139 0013 9000", "company": "宁波新港有限公司"}
    response = client.post(reverse("leads:lead-create"), data)
    assert response.status_code == 302
    lead = Lead.objects.get(name="赵六")
    assert lead.phone_e164 == "+8613900139000"
    assert lead.grade
    missing = client.post(reverse("leads:lead-create"), {"channel": "", "name": "赵七"})
    assert missing.status_code == 422
    assert not Lead.objects.filter(name="赵七").exists()


def test_editing_a_lead_on_its_page(org: Org, channel: Channel) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    client = _client(org, "rep1")
    assert client.get(reverse("leads:lead-edit", args=[lead.pk])).status_code == 200
    data = {"name": "张伟", "phone": "13800138001", "email": "ZW@Yunqi.CN", "version": lead.version}
    assert client.post(reverse("leads:lead-edit", args=[lead.pk]), data).status_code == 302
    assert Lead.objects.get(pk=lead.pk).email == "zw@yunqi.cn"
    bad = client.post(reverse("leads:lead-edit", args=[lead.pk]), {**data, "phone": "12", "version": lead.version + 1})
    assert bad.status_code == 422
    assert Lead.objects.get(pk=lead.pk).phone == "13800138001"
    assert _client(org, "rep1b").get(reverse("leads:lead-edit", args=[lead.pk])).status_code == 404


def test_someone_elses_lead_page_is_not_found(org: Org, channel: Channel) -> None:
    theirs = _claimed(org, channel, "rep1b", "李娜", "13800138002")
    assert _client(org, "rep1").get(reverse("leads:lead-detail", args=[theirs.pk])).status_code == 404
    assert _client(org, "rep2").get(reverse("leads:lead-detail", args=[theirs.pk])).status_code == 404


def test_a_lead_name_is_escaped_on_every_page(org: Org, channel: Channel) -> None:
    evil = "<script>alert(1)</script>"
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    Lead.objects.filter(pk=lead.pk).update(name=evil, company=evil, message=evil)
    pooled = _lead(org, channel, "王芳", "13800138003")
    Lead.objects.filter(pk=pooled.pk).update(name=evil)
    client = _client(org, "rep1")
    for url in (reverse("leads:lead-list"), reverse("leads:pool"), reverse("leads:lead-detail", args=[lead.pk])):
        html = client.get(url).content.decode()
        assert evil not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_the_nav_has_the_leads_menu(org: Org) -> None:
    html = _client(org, "rep1").get(reverse("leads:lead-list")).content.decode()
    for name in ("leads:lead-list", "leads:pool", "leads:lead-create"):
        assert f'href="{reverse(name)}"' in html


def test_the_pages_have_a_fixed_query_budget(org: Org, channel: Channel, django_assert_max_num_queries: Any) -> None:
    for i in range(15):
        _lead(org, channel, f"客户{i}", f"138001382{i:02d}")
    mine = _claimed(org, channel, "rep1", "张伟", "13800138001")
    for i in range(5):
        services.lead_follow_up(actor=org["rep1"], lead=mine, channel="phone", summary=f"第{i}次")
    client = _client(org, "rep1")
    client.get(reverse("leads:lead-list"))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("leads:lead-list")).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("leads:pool")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("leads:lead-detail", args=[mine.pk])).status_code == 200


def test_duplicate_candidates_show_only_records_the_reader_sees(org: Org, channel: Channel, records: Records) -> None:
    lead = _claimed(org, channel, "rep1", "张伟", "13800138001")
    DuplicateCandidate.objects.create(lead=lead, kind="customer", customer=records.own, score=0.97, reason="phone")
    DuplicateCandidate.objects.create(lead=lead, kind="customer", customer=records.other, score=0.91, reason="name")
    rep = _client(org, "rep1").get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    assert 'data-testid="duplicates"' in rep
    assert records.own.name in rep
    assert records.other.name not in rep
    director = _client(org, "director").get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    assert records.other.name in director


def test_the_list_filters_by_owner_and_pool(org: Org, channel: Channel) -> None:
    _claimed(org, channel, "rep1", "张伟", "13800138001")
    _claimed(org, channel, "rep1b", "李娜", "13800138002")
    _lead(org, channel, "王芳", "13800138003")
    client = _client(org, "manager1")
    mine = client.get(reverse("leads:lead-list"), {"owner_id": org["rep1"].pk}).content.decode()
    assert "张伟" in mine
    assert "李娜" not in mine
    assert "王芳" not in mine
    pool = _client(org, "rep1").get(reverse("leads:lead-list"), {"pool": "1"}).content.decode()
    assert "王芳" in pool
    assert "张伟" not in pool


def test_a_rejected_lead_can_be_reopened_but_not_worked(org: Org, channel: Channel) -> None:
    lead = _lead(org, channel, "x", "12")
    assert lead.status == LeadStatus.REJECTED
    client = _client(org, "manager1")
    page = client.get(reverse("leads:lead-detail", args=[lead.pk])).content.decode()
    assert "Change the status" in page
    assert "Record a follow-up" not in page
    assert "Convert to a customer" not in page
    response = client.post(reverse("leads:lead-status", args=[lead.pk]), {"status": "new", "version": lead.version})
    assert response.status_code == 302
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.NEW


FILTERS = st.fixed_dictionaries(
    {
        "q": st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30).map(lambda t: " ".join(t.split())),
        "status": st.sampled_from(["", *LeadStatus.values]),
        "grades": st.lists(st.sampled_from(["A", "B", "C", "D"]), unique=True, max_size=4),
        "channel_id": st.none() | st.uuids(),
        "owner_id": st.none() | st.just("none") | st.integers(min_value=0, max_value=10**9),
        "team_id": st.none() | st.just("none") | st.integers(min_value=0, max_value=10**9),
        "pool": st.booleans(),
        "created_from": st.none() | st.dates(),
        "created_to": st.none() | st.dates(),
        "duplicate_state": st.none() | st.sampled_from(["", "suspected", "merged", "linked", "dismissed"]),
        "reached": st.none() | st.sampled_from(["new", "contacted", "qualified", "converted"]),
    }
)


@settings(max_examples=200, deadline=None)
@given(filters=FILTERS)
def test_the_paging_links_keep_every_list_filter(filters: dict[str, Any]) -> None:
    """The list's "More" link carries the filters it was made from, whatever they are."""
    request = RequestFactory().get(f"/leads/?{lead_views._query(filters, '-score')}")
    assert lead_views._list_filters(request) == filters
    assert request.GET["ordering"] == "-score"


def test_the_list_filters_by_funnel_step_reached(org: Org, channel: Channel) -> None:
    converted = _claimed(org, channel, "rep1", "张伟", "13800138001")
    services.lead_follow_up(actor=org["rep1"], lead=converted, channel="phone", summary="打过电话")
    services.lead_convert(actor=org["rep1"], lead=converted)
    contacted = _claimed(org, channel, "rep1", "李娜", "13800138002")
    services.lead_follow_up(actor=org["rep1"], lead=contacted, channel="phone", summary="打过电话")
    _claimed(org, channel, "rep1", "王芳", "13800138003")
    _lead(org, channel, "赵敏", "13800138004")  # in the pool: rep1 sees it, but does not work it yet
    client = _client(org, "rep1")

    page = client.get(reverse("leads:lead-list"), {"reached": "contacted"})
    assert {lead.name for lead in page.context["leads"]} == {"张伟", "李娜"}  # converted went past contacted
    assert '<option value="contacted" selected>Reached: Contacted</option>' in page.content.decode()
    assert len(client.get(reverse("leads:lead-list"), {"reached": "new"}).context["leads"]) == 3
    assert len(client.get(reverse("leads:lead-list"), {"reached": "won"}).context["leads"]) == 4  # ignored
    pool = client.get(reverse("leads:lead-list"), {"owner_id": "none"})
    assert [lead.name for lead in pool.context["leads"]] == ["赵敏"]
    assert '<option value="none" selected>In the pool</option>' in pool.content.decode()
