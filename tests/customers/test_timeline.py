"""The 360° timeline: every source merged newest first, paged without gaps or repeats, flat in cost."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.contracts.models import OrderStatus
from guanxi.contracts.services import LineIn, order_create, order_set_status
from guanxi.core.errors import InvalidInput, NotFound
from guanxi.customers import services, timeline
from guanxi.customers.models import Customer, Interaction, Tag, TagGroup
from guanxi.customers.timeline import TimelineEntry, Window, engine, timeline_page
from tests.conftest import Org, Records
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductFactory


def _walk(actor: Any, customer: Customer, limit: int) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    cursor = None
    for _ in range(1000):
        page = timeline_page(actor=actor, customer=customer, limit=limit, cursor=cursor)
        entries += page.entries
        cursor = page.next_cursor
        if cursor is None:
            return entries
    raise AssertionError("the cursor never ran out")


def _order(org: Org, customer: Customer, days_ago: int, status: str | None = None) -> Any:
    product = ProductFactory(created_by=org["admin"])
    order = order_create(
        actor=org["rep1"],
        customer=customer,
        ordered_on=timezone.localdate() - timedelta(days=days_ago),
        lines=[LineIn(product_id=product.pk, quantity=Decimal(3))],
    )
    if status is not None:
        order = order_set_status(actor=org["rep1"], order=order, version=order.version, status=status)
    return order


def _rich_history(org: Org, customer: Customer) -> dict[str, Any]:
    """One of everything the timeline shows, at known moments."""
    rep, today, now = org["rep1"], timezone.localdate(), timezone.now()
    services.customer_update(actor=rep, customer=customer, version=customer.version, industry="I")
    buyer = services.contact_create(
        actor=rep, customer=customer, name="李娜", started_on=today - timedelta(days=90), post={"title": "采购经理"}
    )
    services.position_change(
        actor=rep, position=buyer.positions.get(), changed_on=today - timedelta(days=20), title="采购总监"
    )
    leaver = services.contact_create(
        actor=rep, customer=customer, name="王强", started_on=today - timedelta(days=200), post={"title": "财务"}
    )
    services.position_end(actor=rep, position=leaver.positions.get(), ended_on=today - timedelta(days=30))
    subsidiary = CustomerFactory(owner=rep, name=f"{customer.name}的子公司")
    services.relationship_create(actor=rep, from_customer=customer, to_customer=subsidiary, kind="parent_of")
    group = TagGroup.objects.get_or_create(name="价值")[0]
    tag = Tag.objects.get_or_create(group=group, name="大客户")[0]
    services.customer_tag_add(actor=rep, customer=customer, tag=tag)
    order = _order(org, customer, days_ago=40, status=OrderStatus.DELIVERED)
    call = services.interaction_log(
        actor=rep,
        customer=customer,
        channel="phone",
        direction="outbound",
        summary="电话确认交期",
        outcome="reached",
        next_step="发合同",
        occurred_at=now - timedelta(days=5),
    )
    return {"subsidiary": subsidiary, "order": order, "call": call}


def test_timeline_merges_every_source_newest_first(org: Org, records: Records) -> None:
    made = _rich_history(org, records.own)

    entries = timeline_page(actor=org["rep1"], customer=records.own, limit=50).entries

    titles = [entry.title for entry in entries]
    ats = [entry.at for entry in entries]
    assert ats == sorted(ats, reverse=True)
    by_kind: dict[str, list[TimelineEntry]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    assert set(by_kind) == {"interaction", "change", "post", "relationship", "tag", "order"}
    call = by_kind["interaction"][0]
    assert (call.title, call.text, call.actor) == ("电话", "电话确认交期", "rep1")
    assert ("下一步", "发合同") in call.facts or ("Next step", "发合同") in call.facts
    profile = next(e for e in by_kind["change"] if e.changes and e.changes[0].new != "" and e.changes[0].old == "")
    assert profile.changes[0].new == "信息传输、软件和信息技术服务业" or "Information" in profile.changes[0].new
    changed_post = next(e for e in by_kind["post"] if "李娜" in e.title and e.changes)
    assert [(c.old, c.new) for c in changed_post.changes] == [("采购经理", "采购总监")]
    assert changed_post.day == timezone.localdate() - timedelta(days=20)
    assert any("王强" in e.title and not e.changes for e in by_kind["post"])  # left the company
    assert by_kind["relationship"][0].url == f"/customers/{made['subsidiary'].pk}/"
    assert made["order"].number in " ".join(titles)
    status_change = next(e for e in by_kind["order"] if e.changes)
    assert [(c.old, c.new) for c in status_change.changes] in ([("已确认", "已交付")], [("Confirmed", "Delivered")])


def test_customer_change_shows_old_and_new_labels(org: Org, records: Records) -> None:
    customer = services.customer_update(
        actor=org["rep1"], customer=records.own, version=records.own.version, kind="individual"
    )
    services.customer_update(actor=org["rep1"], customer=customer, version=customer.version, kind="organisation")

    newest = timeline_page(actor=org["rep1"], customer=records.own, limit=1).entries[0]

    assert newest.kind == "change"
    assert [(c.old, c.new) for c in newest.changes] in ([("个人", "组织")], [("Individual", "Organisation")])


def test_paging_walks_every_entry_once_in_order_also_through_ties(org: Org, records: Records) -> None:
    _rich_history(org, records.own)
    rep, moment = org["rep1"], timezone.now() - timedelta(days=2)
    Interaction.objects.bulk_create(
        Interaction(
            customer=records.own,
            channel="visit",
            direction="outbound",
            occurred_at=moment,  # seven at the very same moment
            summary=f"同一时刻{n}",
            created_by=rep,
            updated_by=rep,
        )
        for n in range(7)
    )
    for _ in range(3):
        _order(org, records.own, days_ago=40)  # same order date as the delivered one: ties at day start

    whole = timeline_page(actor=rep, customer=records.own, limit=100)
    assert whole.next_cursor is None
    for limit in (1, 2, 3, 7):
        walked = _walk(rep, records.own, limit)
        assert [(e.kind, e.key, e.title) for e in walked] == [(e.kind, e.key, e.title) for e in whole.entries], limit


def test_query_count_is_the_same_for_10_and_500_history_items(org: Org, records: Records) -> None:
    rep = org["rep1"]
    small, large = records.own, records.team
    large.owner = rep
    large.save(update_fields=["owner"])
    counts = []
    for customer, items in ((small, 10), (large, 500)):
        _rich_history(org, customer)
        now = timezone.now()
        Interaction.objects.bulk_create(
            Interaction(
                customer=customer,
                channel="phone",
                direction="inbound",
                occurred_at=now - timedelta(hours=n),
                summary=f"来电{n}",
                created_by=rep,
                updated_by=rep,
            )
            for n in range(items * 7 // 10)
        )
        for n in range(items * 2 // 10):
            customer.refresh_from_db()
            services.customer_update(actor=rep, customer=customer, version=customer.version, notes=f"备注{n}")
        for n in range(items // 10):
            _order(org, customer, days_ago=n % 300 + 1, status=OrderStatus.CANCELLED if n % 3 == 0 else None)
        with CaptureQueriesContext(connection) as first:
            page = timeline_page(actor=rep, customer=customer)
        with CaptureQueriesContext(connection) as second:
            timeline_page(actor=rep, customer=customer, cursor=page.next_cursor)
        counts.append((len(first), len(second)))
    assert counts[0] == counts[1], counts
    assert counts[0][0] <= 13, counts  # one query per timeline source (leads joined at 13)


def test_hidden_customers_stay_out_of_the_timeline(org: Org, records: Records) -> None:
    services.relationship_create(
        actor=org["director"], from_customer=records.own, to_customer=records.other, kind="competitor"
    )

    seen_by_director = timeline_page(actor=org["director"], customer=records.own).entries
    seen_by_rep = timeline_page(actor=org["rep1"], customer=records.own).entries

    assert [e.kind for e in seen_by_director].count("relationship") == 1
    assert "relationship" not in [e.kind for e in seen_by_rep]
    with pytest.raises(NotFound):
        timeline_page(actor=org["rep2"], customer=records.own)


FIXED_TIME = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64-json!",
        "eyJ0IjoxfQ",  # {"t":1}
        engine._encode(FIXED_TIME, "no-such-source", "x"),
        engine._encode(FIXED_TIME, "interactions", "not-a-uuid"),
        engine._encode(FIXED_TIME, "tags", "not-a-number"),
    ],
    ids=["garbage", "no-fields", "unknown-source", "bad-uuid", "bad-number"],  # stable ids for xdist
)
def test_a_bad_cursor_is_refused(cursor: str, org: Org, records: Records) -> None:
    with pytest.raises(InvalidInput):
        timeline_page(actor=org["rep1"], customer=records.own, cursor=cursor)


def test_a_registered_source_joins_the_page(org: Org, records: Records, monkeypatch: pytest.MonkeyPatch) -> None:
    services.interaction_log(
        actor=org["rep1"], customer=records.own, channel="sms", direction="outbound", summary="短信通知"
    )
    tickets = [("T-2", timezone.now() + timedelta(minutes=1)), ("T-1", timezone.now() - timedelta(days=1))]

    def ticket_entries(window: Window) -> Iterable[TimelineEntry]:
        for number, at in tickets:
            if window.after is None or (at, window.rank, number) < (
                window.after.at,
                window.after.rank,
                window.after.key,
            ):
                yield TimelineEntry(at=at, key=number, kind="ticket", title=f"工单 {number}")

    monkeypatch.setattr(engine, "_sources", dict(engine._sources))
    timeline.register_source("tickets", rank=5, fetch=ticket_entries)

    entries = _walk(org["rep1"], records.own, limit=1)

    assert [e.title for e in entries if e.kind in {"ticket", "interaction"}] == ["工单 T-2", "短信", "工单 T-1"]


def test_a_source_name_or_rank_cannot_be_taken_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_sources", dict(engine._sources))
    with pytest.raises(ValueError, match="already registered"):
        timeline.register_source("interactions", rank=999, fetch=lambda window: [])
    with pytest.raises(ValueError, match="rank"):
        timeline.register_source("something-new", rank=60, fetch=lambda window: [])
