"""Permission matrix: every API route and every page × every role × own / same-team / other-team records.

Routes are enumerated from the OpenAPI spec and the URL resolver; a route that is not in
``API`` or ``PAGES`` fails ``test_every_route_is_in_the_matrix``, so new endpoints must join.
Refused writes also assert that nothing changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from guanxi.accounts.models import ApiToken, Role, Team, User
from guanxi.accounts.services import token_issue
from guanxi.api import api as ninja_api
from guanxi.contracts.models import Order
from guanxi.contracts.services import LineIn, order_create
from guanxi.core import saved_views
from guanxi.core.models import SavedView
from guanxi.customers import services
from guanxi.customers.models import (
    Contact,
    ContactRelationship,
    Customer,
    CustomerRelationship,
    CustomerTag,
    Interaction,
    MergeRecord,
    Position,
    Tag,
    TagGroup,
    TagRule,
)
from guanxi.sales.models import Product
from tests.conftest import ApiClient, Org, Records
from tests.customers.factories import CustomerFactory
from tests.sales.factories import ProductFactory

ACTORS = ["anonymous", "rep1", "rep2", "manager1", "manager2", "director", "admin"]
RECORD_KEYS = ["own", "team", "other"]  # from rep1's point of view: rep1's, rep1b's (East), rep2's (South)
VISIBLE: dict[str, set[str]] = {
    "anonymous": set(),
    "rep1": {"own"},
    "rep2": {"other"},
    "manager1": {"own", "team"},
    "manager2": {"other"},
    "director": {"own", "team", "other"},
    "admin": {"own", "team", "other"},
}
USER_MANAGERS = {"admin"}
SETTINGS_MANAGERS = {"admin"}
SYSTEM_VIEWERS = {"admin", "director"}


@dataclass
class Ctx:
    org: Org
    records: Records
    actor: str

    @property
    def user(self) -> User | None:
        return None if self.actor == "anonymous" else self.org[self.actor]

    def child(self, key: str, kind: str) -> Any:
        """A contact, post or interaction hanging on the customer ``key``, made by its owner."""
        if not hasattr(self, "_children"):
            self._children: dict[str, dict[str, Any]] = {}
        if key not in self._children:
            customer = getattr(self.records, key)
            owner = customer.owner
            contact = services.contact_create(
                actor=owner, customer=customer, name=f"联系人{key}", post={"title": "采购经理"}
            )
            product = self._product()
            self._children[key] = {
                "order": order_create(
                    actor=owner,
                    customer=customer,
                    ordered_on=date(2025, 1, 2),
                    lines=[LineIn(product_id=product.pk, quantity=Decimal(2))],
                ),
                "relationship": services.relationship_create(
                    actor=owner,
                    from_customer=customer,
                    to_customer=CustomerFactory(owner=owner, name=f"子公司{key}"),
                    kind="parent_of",
                ),
                "contact_relationship": services.contact_relationship_create(
                    actor=owner,
                    from_contact=contact,
                    to_contact=services.contact_create(actor=owner, customer=customer, name=f"上级{key}"),
                    kind="reports_to",
                ),
                "contact": contact,
                "position": contact.positions.get(),
                "interaction": services.interaction_log(
                    actor=owner, customer=customer, channel="phone", direction="outbound", summary="首次电话"
                ),
            }
        return self._children[key][kind]

    def _tag(self) -> Tag:
        group = TagGroup.objects.get_or_create(name="矩阵")[0]
        return Tag.objects.get_or_create(group=group, name="矩阵标签")[0]

    def _product(self) -> Product:
        return Product.objects.filter(code="MATRIX").first() or ProductFactory(
            code="MATRIX", created_by=self.org["admin"]
        )

    def api(self) -> ApiClient:
        return ApiClient(None if self.user is None else token_issue(actor=self.user, name="matrix").raw)

    def browser(self) -> Client:
        client = Client()
        if self.user is not None:
            client.force_login(self.user, backend="guanxi.accounts.backends.UsernameOrEmailBackend")
        return client


def _customer_state(customer: Customer) -> tuple[str, str, int, int]:
    row = Customer.objects.get(pk=customer.pk)
    return row.name, row.phone, row.version, row.owner_id


# --- API checks ---------------------------------------------------------------


def api_public(method: str, path: str, body: Callable[[Ctx], Any]) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        response = ctx.api().request(method, path, body(ctx))
        assert response.status_code < 500
        assert response.status_code != 401 or ctx.actor == "anonymous"

    return check


def api_authenticated(method: str, path: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        response = ctx.api().request(method, path)
        assert response.status_code == (401 if ctx.user is None else 200)

    return check


def api_list(path: str) -> Callable[[Ctx], None]:
    """The list shows exactly the visible records, also through ``q=`` search."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        response = client.get(path)
        if ctx.user is None:
            assert response.status_code == 401
            return
        ids = {item["id"] for item in response.json()["items"]}
        for key, record in ctx.records.all().items():
            if key in RECORD_KEYS:
                assert (str(record.pk) in ids) == (key in VISIBLE[ctx.actor]), key
                found = {item["id"] for item in client.get(f"{path}?q={record.name}").json()["items"]}
                assert (str(record.pk) in found) == (key in VISIBLE[ctx.actor]), f"search {key}"

    return check


def api_create(path: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        before = Customer.objects.count()
        response = ctx.api().post(path, {"name": f"新客户-{ctx.actor}"})
        if ctx.user is None:
            assert response.status_code == 401
            assert Customer.objects.count() == before
        else:
            assert response.status_code == 201
            assert response.json()["owner"]["username"] == ctx.actor

    return check


def api_record_read(template: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            response = client.get(template.format(customer_id=record.pk))
            expected = 401 if ctx.user is None else 200 if key in VISIBLE[ctx.actor] else 404
            assert response.status_code == expected, (key, response.content)

    return check


def api_record_write(template: str, body: Callable[[Customer], dict[str, Any]]) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            before = _customer_state(record)
            response = client.patch(template.format(customer_id=record.pk), body(record))
            if ctx.user is None or key not in VISIBLE[ctx.actor]:
                assert response.status_code == (401 if ctx.user is None else 404), key
                assert _customer_state(record) == before, f"refused write changed {key}"
            else:
                assert response.status_code == 200, (key, response.content)

    return check


def _expected(ctx: Ctx, key: str, ok: int) -> int:
    if ctx.user is None:
        return 401
    return ok if key in VISIBLE[ctx.actor] else 404


def api_child_read(template: str, kind: str) -> Callable[[Ctx], None]:
    """A record that hangs on a customer is visible exactly when the customer is."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            child = ctx.child(key, kind)
            response = client.get(template.format(id=child.pk))
            assert response.status_code == _expected(ctx, key, 200), (key, response.content)

    return check


def _child_state(kind: str, child: Any) -> tuple[Any, ...]:
    model = {"contact": Contact, "position": Position, "interaction": Interaction, "order": Order}.get(kind)
    if model is None:
        gone = not CustomerRelationship.objects.filter(pk=child.pk).exists()
        gone_contact = not ContactRelationship.objects.filter(pk=child.pk).exists()
        return gone, gone_contact, CustomerRelationship.objects.count(), ContactRelationship.objects.count()
    row = model.objects.get(pk=child.pk)
    counts = Position.objects.count(), Interaction.objects.count(), Order.objects.count()
    return row.version, getattr(row, "ended_on", None), getattr(row, "status", None), *counts


def api_child_write(
    method: str, template: str, kind: str, body: Callable[[Any], dict[str, Any]], ok: int
) -> Callable[[Ctx], None]:
    """Writes to a hanging record need the customer visible (else 404) and change nothing when refused."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            child = ctx.child(key, kind)
            before = _child_state(kind, child)
            response = client.request(method, template.format(id=child.pk), body(child))
            assert response.status_code == _expected(ctx, key, ok), (key, response.content)
            if response.status_code != ok:
                assert _child_state(kind, child) == before, f"refused write changed {key}"

    return check


def api_customer_child_create(template: str, body: dict[str, Any]) -> Callable[[Ctx], None]:
    """Adding a contact or an interaction to a customer needs the customer visible; refused adds add nothing."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            before = (Contact.objects.count(), Interaction.objects.count(), CustomerTag.objects.count())
            response = client.post(template.format(customer_id=record.pk), body)
            assert response.status_code == _expected(ctx, key, 201), (key, response.content)
            if response.status_code != 201:
                assert (Contact.objects.count(), Interaction.objects.count(), CustomerTag.objects.count()) == before

    return check


def api_contact_moves(template: str) -> Callable[[Ctx], None]:
    """Starting a post needs both the contact and the target customer (rep3's, below East) visible."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        target = ctx.records.below
        sees_target = ctx.actor in {"manager1", "director", "admin"}
        for key in RECORD_KEYS:
            contact = ctx.child(key, "contact")
            before = Position.objects.filter(customer=target).count()
            response = client.post(template.format(id=contact.pk), {"customer_id": str(target.pk), "title": "顾问"})
            allowed = key in VISIBLE[ctx.actor] and sees_target
            assert response.status_code == (401 if ctx.user is None else 201 if allowed else 404), key
            if not allowed:
                assert Position.objects.filter(customer=target).count() == before

    return check


def api_catalogue_write(
    method: str, template: str, body: Callable[[Ctx], dict[str, Any]], ok: int
) -> Callable[[Ctx], None]:
    """The catalogue is written by settings managers only; refused writes change nothing."""

    def check(ctx: Ctx) -> None:
        product = ctx._product()
        before = list(Product.objects.order_by("code").values_list("code", "list_price", "version"))
        response = ctx.api().request(method, template.format(id=product.pk), body(ctx))
        expected = 401 if ctx.user is None else ok if ctx.actor in SETTINGS_MANAGERS else 403
        assert response.status_code == expected, response.content
        if response.status_code != ok:
            assert list(Product.objects.order_by("code").values_list("code", "list_price", "version")) == before

    return check


def api_order_list(path: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        orders = {key: ctx.child(key, "order") for key in RECORD_KEYS}
        response = ctx.api().get(path)
        if ctx.user is None:
            assert response.status_code == 401
            return
        ids = {item["id"] for item in response.json()["items"]}
        assert ids == {str(orders[key].pk) for key in RECORD_KEYS if key in VISIBLE[ctx.actor]}

    return check


def api_order_create(path: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.api()
        product = ctx._product()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            before = Order.objects.count()
            body = {
                "customer_id": str(record.pk),
                "ordered_on": "2025-02-03",
                "lines": [{"product_id": str(product.pk), "quantity": "1"}],
            }
            response = client.post(path, body)
            assert response.status_code == _expected(ctx, key, 201), (key, response.content)
            if response.status_code != 201:
                assert Order.objects.count() == before

    return check


def api_relationship_create(template: str) -> Callable[[Ctx], None]:
    """Relating needs the first customer changeable and the second visible; refused links add nothing."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            target = CustomerFactory(owner=record.owner, name=f"关联{key}{ctx.actor}")
            before = CustomerRelationship.objects.count()
            response = client.post(
                template.format(customer_id=record.pk), {"to_customer_id": str(target.pk), "kind": "partner"}
            )
            assert response.status_code == _expected(ctx, key, 201), (key, response.content)
            if response.status_code != 201:
                assert CustomerRelationship.objects.count() == before

    return check


def api_contact_relationship_create(template: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            contact = ctx.child(key, "contact")
            other = ctx.child(key, "contact_relationship").to_contact
            before = ContactRelationship.objects.count()
            response = client.post(
                template.format(id=contact.pk), {"to_contact_id": str(other.pk), "kind": "introduced_by"}
            )
            assert response.status_code == _expected(ctx, key, 201), (key, response.content)
            if response.status_code != 201:
                assert ContactRelationship.objects.count() == before

    return check


def api_settings(
    method: str, path: Callable[[Ctx], str], body: Callable[[Ctx], dict[str, Any]], ok: int
) -> Callable[[Ctx], None]:
    """Tag groups, tags and tag rules are settings: settings managers only; refused requests change nothing."""

    def state() -> tuple[int, int, int, int]:
        return TagGroup.objects.count(), Tag.objects.count(), TagRule.objects.count(), CustomerTag.objects.count()

    def check(ctx: Ctx) -> None:
        url, payload = path(ctx), body(ctx) if method != "GET" else None
        before = state()
        response = ctx.api().request(method, url, payload)
        expected = 401 if ctx.user is None else ok if ctx.actor in SETTINGS_MANAGERS else 403
        assert response.status_code == expected, response.content
        if response.status_code != ok:
            assert state() == before

    return check


def _rule(ctx: Ctx) -> TagRule:
    return TagRule.objects.filter(name="矩阵规则").first() or TagRule.objects.create(
        name="矩阵规则",
        tag=ctx._tag(),
        conditions=[{"field": "kind", "op": "eq", "value": "individual"}],
        created_by=ctx.org["admin"],
        updated_by=ctx.org["admin"],
    )


def api_customer_tag_remove(template: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.api()
        tag = ctx._tag()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            CustomerTag.objects.get_or_create(
                customer=record, tag=tag, defaults={"source": "manual", "tagged_at": record.created_at}
            )
            response = client.delete(template.format(customer_id=record.pk, tag_id=tag.pk))
            assert response.status_code == _expected(ctx, key, 204), key
            if response.status_code != 204:
                assert CustomerTag.objects.filter(customer=record, tag=tag).exists()

    return check


def api_token_revoke(template: str) -> Callable[[Ctx], None]:
    """Own tokens can be revoked; someone else's cannot (404) unless the actor manages users."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        other = token_issue(actor=ctx.org["rep1b"], name="victim").token
        response = client.post(template.format(token_id=other.pk))
        if ctx.user is None:
            assert response.status_code == 401
        elif ctx.actor in USER_MANAGERS:
            assert response.status_code == 200
        else:
            assert response.status_code == 404
            assert ApiToken.objects.get(pk=other.pk).revoked_at is None
        if ctx.user is not None:
            own = token_issue(actor=ctx.user, name="mine").token
            assert client.post(template.format(token_id=own.pk)).status_code == 200

    return check


# --- saved views --------------------------------------------------------------


def _views(ctx: Ctx) -> dict[str, SavedView]:
    """rep1's private view and rep2's view shared with everyone."""
    cache: dict[str, SavedView] | None = getattr(ctx, "_saved_views", None)
    if cache is None:
        make = saved_views.saved_view_create
        cache = {
            "private": make(
                actor=ctx.org["rep1"], record_type="customers.customer", name="我的视图", filters={"q": "云"}
            ),
            "everyone": make(
                actor=ctx.org["rep2"], record_type="customers.customer", name="公共视图", sharing="everyone"
            ),
        }
        setattr(ctx, "_saved_views", cache)  # noqa: B010 -- a per-check cache on the dataclass
    return cache


def _view_state(view: SavedView) -> tuple[Any, ...] | None:
    row = SavedView.objects.filter(pk=view.pk).values_list("name", "filters", "version").first()
    return None if row is None else tuple(row)


def api_saved_view(method: str) -> Callable[[Ctx], None]:
    """Only the owner reads a private view; a shared one is readable by all, changed by its owner only."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key, owner in (("private", "rep1"), ("everyone", "rep2")):
            view = _views(ctx)[key]
            before = _view_state(view)
            url = f"/api/v1/saved-views/{view.pk}"
            if method == "GET":
                response = client.get(url)
            elif method == "PATCH":
                response = client.patch(url, {"version": view.version, "name": f"改-{ctx.actor}"})
            else:
                response = client.delete(url)
            visible = key == "everyone" or ctx.actor == owner
            if ctx.user is None:
                expected = 401
            elif not visible:
                expected = 404
            elif method == "GET":
                expected = 200
            elif ctx.actor != owner:
                expected = 403
            else:
                expected = 200 if method == "PATCH" else 204
            assert response.status_code == expected, (key, response.content)
            if expected >= 400:
                assert _view_state(view) == before, f"refused {method} changed {key}"

    return check


def api_saved_view_list(ctx: Ctx) -> None:
    views = _views(ctx)
    response = ctx.api().get("/api/v1/saved-views")
    if ctx.user is None:
        assert response.status_code == 401
        return
    names = {item["name"] for item in response.json()["items"]}
    assert ("我的视图" in names) == (ctx.actor == "rep1")
    assert views["everyone"].name in names


def api_saved_view_create(ctx: Ctx) -> None:
    before = SavedView.objects.count()
    response = ctx.api().post("/api/v1/saved-views", {"record_type": "customers.customer", "name": "新视图"})
    if ctx.user is None:
        assert response.status_code == 401
        assert SavedView.objects.count() == before
    else:
        assert response.status_code == 201
        assert SavedView.objects.get(pk=response.json()["id"]).owner == ctx.user


def page_saved_view_delete(ctx: Ctx) -> None:
    for key, owner in (("private", "rep1"), ("everyone", "rep2")):
        view = _views(ctx)[key]
        response = ctx.browser().post(reverse("customers:saved-view-delete", args=[view.pk]))
        if ctx.user is None:
            assert _login_redirect(response)
        elif ctx.actor == owner:
            assert response.status_code == 302
            assert _view_state(view) is None
            continue
        else:
            assert response.status_code == (404 if key == "private" else 403)
        assert _view_state(view) is not None


# --- deletes and the contact list ------------------------------------------------

DELETERS = {"admin"}  # the only demo role with the *delete* permission


def _delete_expected(ctx: Ctx, key: str) -> int:
    if ctx.user is None:
        return 401
    if key not in VISIBLE[ctx.actor]:
        return 404
    return 204 if ctx.actor in DELETERS else 403


def api_customer_delete(ctx: Ctx) -> None:
    client = ctx.api()
    for key in RECORD_KEYS:
        record = getattr(ctx.records, key)
        before = _customer_state(record)
        response = client.delete(f"/api/v1/customers/{record.pk}?version={record.version}")
        assert response.status_code == _delete_expected(ctx, key), (key, response.content)
        if response.status_code == 204:
            assert not Customer.objects.filter(pk=record.pk).exists()
        else:
            assert _customer_state(record) == before, f"refused delete changed {key}"


def api_child_delete(template: str, kind: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            child = ctx.child(key, kind)
            before = _child_state(kind, child)
            response = client.delete(template.format(id=child.pk))
            assert response.status_code == _delete_expected(ctx, key), (key, response.content)
            if response.status_code != 204:
                assert _child_state(kind, child) == before, f"refused delete changed {key}"

    return check


def api_contact_list(ctx: Ctx) -> None:
    contacts = {key: ctx.child(key, "contact") for key in RECORD_KEYS}
    client = ctx.api()
    response = client.get("/api/v1/contacts")
    if ctx.user is None:
        assert response.status_code == 401
        return
    ids = {item["id"] for item in response.json()["items"]}
    for key, contact in contacts.items():
        assert (str(contact.pk) in ids) == (key in VISIBLE[ctx.actor]), key
        found = {item["id"] for item in client.get(f"/api/v1/contacts?q={contact.name}").json()["items"]}
        assert (str(contact.pk) in found) == (key in VISIBLE[ctx.actor]), f"search {key}"


# --- 360° page ---------------------------------------------------------------


def page_position_read(name: str) -> Callable[[Ctx], None]:
    """A post's fragment (its change and end forms): 404 where the customer is invisible."""

    def check(ctx: Ctx) -> None:
        client = ctx.browser()
        for key in RECORD_KEYS:
            response = client.get(reverse(name, args=[ctx.child(key, "position").pk]))
            if ctx.user is None:
                assert _login_redirect(response)
            else:
                assert response.status_code == (200 if key in VISIBLE[ctx.actor] else 404), key

    return check


# --- merge ---------------------------------------------------------------------


def _duplicate(ctx: Ctx, key: str) -> tuple[Customer, Customer]:
    """The customer ``key`` and a duplicate of it with the same owner."""
    record = getattr(ctx.records, key)
    return record, CustomerFactory(owner=record.owner, name=f"重复{key}{ctx.actor}")


def _merged(ctx: Ctx, key: str) -> MergeRecord:
    """A duplicate merged into the customer ``key`` by its owner."""
    record, duplicate = _duplicate(ctx, key)
    return services.customer_merge(
        actor=record.owner, survivor=record, absorbed=duplicate, version=record.version, other_version=1
    )


def _merge_state() -> tuple[int, int, int, int]:
    undone = MergeRecord.objects.filter(undone_at__isnull=False).count()
    return Customer.objects.count(), Contact.objects.count(), MergeRecord.objects.count(), undone


def api_customer_merge(template: str) -> Callable[[Ctx], None]:
    """Merging needs both customers changeable (else 404); refused merges change nothing."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            record, duplicate = _duplicate(ctx, key)
            before = _customer_state(record), _merge_state()
            body = {"other_id": str(duplicate.pk), "version": record.version, "other_version": duplicate.version}
            response = client.post(template.format(customer_id=record.pk), body)
            assert response.status_code == _expected(ctx, key, 201), (key, response.content)
            if response.status_code != 201:
                assert (_customer_state(record), _merge_state()) == before, f"refused merge changed {key}"

    return check


def api_contact_merge(template: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            contact, other = ctx.child(key, "contact"), ctx.child(key, "contact_relationship").to_contact
            before = _merge_state(), Position.objects.count()
            body = {"other_id": str(other.pk), "version": contact.version, "other_version": other.version}
            response = client.post(template.format(contact_id=contact.pk), body)
            assert response.status_code == _expected(ctx, key, 201), (key, response.content)
            if response.status_code != 201:
                assert (_merge_state(), Position.objects.count()) == before, f"refused merge changed {key}"

    return check


def api_merge_read(template: str) -> Callable[[Ctx], None]:
    """A merge is visible exactly when its surviving customer is."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            response = client.get(template.format(merge_id=_merged(ctx, key).pk))
            assert response.status_code == _expected(ctx, key, 200), (key, response.content)

    return check


def api_merge_undo(template: str) -> Callable[[Ctx], None]:
    """Undo: whoever merged (the owner here) or a manager who sees the survivor; refused undos change nothing."""

    def check(ctx: Ctx) -> None:
        client = ctx.api()
        for key in RECORD_KEYS:
            merge = _merged(ctx, key)
            before = _merge_state()
            response = client.post(template.format(merge_id=merge.pk))
            assert response.status_code == _expected(ctx, key, 200), (key, response.content)
            if response.status_code != 200:
                assert _merge_state() == before, f"refused undo changed {key}"

    return check


def page_merge_compare(ctx: Ctx) -> None:
    """The comparison page and the merge it posts: 404 outside the scope, nothing merged."""
    client = ctx.browser()
    for key in RECORD_KEYS:
        record, duplicate = _duplicate(ctx, key)
        url = reverse("customers:customer-merge-compare", args=[record.pk, duplicate.pk])
        before = _customer_state(record), _merge_state()
        shown = client.get(url)
        response = client.post(url, {"version": record.version, "other_version": duplicate.version})
        if ctx.user is None:
            assert _login_redirect(shown)
            assert _login_redirect(response)
        elif key in VISIBLE[ctx.actor]:
            assert (shown.status_code, response.status_code) == (200, 302), key
            continue
        else:
            assert (shown.status_code, response.status_code) == (404, 404), key
        assert (_customer_state(record), _merge_state()) == before, f"refused page merge changed {key}"


def page_merge_detail(ctx: Ctx) -> None:
    client = ctx.browser()
    for key in RECORD_KEYS:
        response = client.get(reverse("customers:merge-detail", args=[_merged(ctx, key).pk]))
        if ctx.user is None:
            assert _login_redirect(response)
        else:
            assert response.status_code == (200 if key in VISIBLE[ctx.actor] else 404), key


def page_merge_undo(ctx: Ctx) -> None:
    client = ctx.browser()
    for key in RECORD_KEYS:
        merge = _merged(ctx, key)
        before = _merge_state()
        response = client.post(reverse("customers:merge-undo", args=[merge.pk]))
        if ctx.user is None:
            assert _login_redirect(response)
        elif key in VISIBLE[ctx.actor]:
            assert response.status_code == 302, key
            continue
        else:
            assert response.status_code == 404, key
        assert _merge_state() == before, f"refused page undo changed {key}"


# --- imports and exports (helpers in tests/dataio/matrix.py) ---
from tests.dataio import matrix as dataio_matrix  # noqa: E402

API: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("POST", "/api/v1/auth/token"): api_public(
        "POST", "/api/v1/auth/token", lambda ctx: {"username": ctx.actor, "password": "guanxi-demo"}
    ),
    ("GET", "/api/v1/auth/tokens"): api_authenticated("GET", "/api/v1/auth/tokens"),
    ("POST", "/api/v1/auth/tokens/{token_id}/revoke"): api_token_revoke("/api/v1/auth/tokens/{token_id}/revoke"),
    ("GET", "/api/v1/auth/me"): api_authenticated("GET", "/api/v1/auth/me"),
    ("GET", "/api/v1/customers"): api_list("/api/v1/customers"),
    ("POST", "/api/v1/customers"): api_create("/api/v1/customers"),
    ("GET", "/api/v1/customers/{customer_id}"): api_record_read("/api/v1/customers/{customer_id}"),
    ("PATCH", "/api/v1/customers/{customer_id}"): api_record_write(
        "/api/v1/customers/{customer_id}", lambda c: {"version": c.version, "name": "矩阵改名"}
    ),
    ("GET", "/api/v1/customers/{customer_id}/history"): api_record_read("/api/v1/customers/{customer_id}/history"),
    ("GET", "/api/v1/customers/{customer_id}/contacts"): api_record_read("/api/v1/customers/{customer_id}/contacts"),
    ("POST", "/api/v1/customers/{customer_id}/contacts"): api_customer_child_create(
        "/api/v1/customers/{customer_id}/contacts", {"name": "新联系人", "title": "财务"}
    ),
    ("GET", "/api/v1/customers/{customer_id}/interactions"): api_record_read(
        "/api/v1/customers/{customer_id}/interactions"
    ),
    ("POST", "/api/v1/customers/{customer_id}/interactions"): api_customer_child_create(
        "/api/v1/customers/{customer_id}/interactions", {"channel": "wechat", "direction": "inbound", "summary": "咨询"}
    ),
    ("GET", "/api/v1/contacts/{contact_id}"): api_child_read("/api/v1/contacts/{id}", "contact"),
    ("PATCH", "/api/v1/contacts/{contact_id}"): api_child_write(
        "PATCH", "/api/v1/contacts/{id}", "contact", lambda c: {"version": c.version, "wechat": "wx123"}, 200
    ),
    ("GET", "/api/v1/contacts/{contact_id}/positions"): api_child_read("/api/v1/contacts/{id}/positions", "contact"),
    ("POST", "/api/v1/contacts/{contact_id}/positions"): api_contact_moves("/api/v1/contacts/{id}/positions"),
    ("GET", "/api/v1/positions/{position_id}"): api_child_read("/api/v1/positions/{id}", "position"),
    ("POST", "/api/v1/positions/{position_id}/change"): api_child_write(
        "POST", "/api/v1/positions/{id}/change", "position", lambda p: {"title": "采购总监"}, 201
    ),
    ("POST", "/api/v1/positions/{position_id}/end"): api_child_write(
        "POST", "/api/v1/positions/{id}/end", "position", lambda p: {"reason": "left"}, 200
    ),
    ("GET", "/api/v1/customers/{customer_id}/relationships"): api_record_read(
        "/api/v1/customers/{customer_id}/relationships"
    ),
    ("GET", "/api/v1/customers/{customer_id}/network"): api_record_read("/api/v1/customers/{customer_id}/network"),
    ("POST", "/api/v1/customers/{customer_id}/relationships"): api_relationship_create(
        "/api/v1/customers/{customer_id}/relationships"
    ),
    ("DELETE", "/api/v1/relationships/{relationship_id}"): api_child_write(
        "DELETE", "/api/v1/relationships/{id}", "relationship", lambda r: {}, 204
    ),
    ("GET", "/api/v1/contacts/{contact_id}/relationships"): api_child_read(
        "/api/v1/contacts/{id}/relationships", "contact"
    ),
    ("POST", "/api/v1/contacts/{contact_id}/relationships"): api_contact_relationship_create(
        "/api/v1/contacts/{id}/relationships"
    ),
    ("DELETE", "/api/v1/contact-relationships/{relationship_id}"): api_child_write(
        "DELETE", "/api/v1/contact-relationships/{id}", "contact_relationship", lambda r: {}, 204
    ),
    ("GET", "/api/v1/tags"): api_authenticated("GET", "/api/v1/tags"),
    ("POST", "/api/v1/tags/groups"): api_settings(
        "POST", lambda ctx: "/api/v1/tags/groups", lambda ctx: {"name": f"组{ctx.actor}"}, 201
    ),
    ("POST", "/api/v1/tags"): api_settings(
        "POST", lambda ctx: "/api/v1/tags", lambda ctx: {"group_id": ctx._tag().group_id, "name": f"签{ctx.actor}"}, 201
    ),
    ("GET", "/api/v1/tag-rules"): api_settings("GET", lambda ctx: "/api/v1/tag-rules", lambda ctx: {}, 200),
    ("POST", "/api/v1/tag-rules"): api_settings(
        "POST",
        lambda ctx: "/api/v1/tag-rules",
        lambda ctx: {
            "name": "新规则",
            "tag_id": ctx._tag().pk,
            "conditions": [{"field": "city", "op": "eq", "value": "杭州市"}],
        },
        201,
    ),
    ("POST", "/api/v1/tag-rules/{rule_id}/apply"): api_settings(
        "POST", lambda ctx: f"/api/v1/tag-rules/{_rule(ctx).pk}/apply", lambda ctx: {}, 202
    ),
    ("GET", "/api/v1/customers/{customer_id}/tags"): api_record_read("/api/v1/customers/{customer_id}/tags"),
    ("POST", "/api/v1/customers/{customer_id}/tags"): lambda ctx: api_customer_child_create(
        "/api/v1/customers/{customer_id}/tags", {"tag_id": ctx._tag().pk}
    )(ctx),
    ("DELETE", "/api/v1/customers/{customer_id}/tags/{tag_id}"): api_customer_tag_remove(
        "/api/v1/customers/{customer_id}/tags/{tag_id}"
    ),
    ("GET", "/api/v1/products"): api_authenticated("GET", "/api/v1/products"),
    ("POST", "/api/v1/products"): api_catalogue_write(
        "POST",
        "/api/v1/products",
        lambda ctx: {"code": f"N-{ctx.actor}", "name": "新品", "list_price": "1", "unit_cost": "1"},
        201,
    ),
    ("GET", "/api/v1/products/{product_id}"): lambda ctx: api_authenticated(
        "GET", f"/api/v1/products/{ctx._product().pk}"
    )(ctx),
    ("PATCH", "/api/v1/products/{product_id}"): api_catalogue_write(
        "PATCH", "/api/v1/products/{id}", lambda ctx: {"version": ctx._product().version, "list_price": "5.00"}, 200
    ),
    ("GET", "/api/v1/orders"): api_order_list("/api/v1/orders"),
    ("POST", "/api/v1/orders"): api_order_create("/api/v1/orders"),
    ("GET", "/api/v1/orders/{order_id}"): api_child_read("/api/v1/orders/{id}", "order"),
    ("POST", "/api/v1/orders/{order_id}/status"): api_child_write(
        "POST", "/api/v1/orders/{id}/status", "order", lambda o: {"version": o.version, "status": "delivered"}, 200
    ),
    ("GET", "/api/v1/interactions/{interaction_id}"): api_child_read("/api/v1/interactions/{id}", "interaction"),
    ("PATCH", "/api/v1/interactions/{interaction_id}"): api_child_write(
        "PATCH",
        "/api/v1/interactions/{id}",
        "interaction",
        lambda i: {"version": i.version, "next_step": "寄样品"},
        200,
    ),
    # --- saved views ---
    ("GET", "/api/v1/saved-views"): api_saved_view_list,
    ("POST", "/api/v1/saved-views"): api_saved_view_create,
    ("GET", "/api/v1/saved-views/{view_id}"): api_saved_view("GET"),
    ("PATCH", "/api/v1/saved-views/{view_id}"): api_saved_view("PATCH"),
    ("DELETE", "/api/v1/saved-views/{view_id}"): api_saved_view("DELETE"),
    # --- deletes, contact list, tag and rule upkeep ---
    ("DELETE", "/api/v1/customers/{customer_id}"): api_customer_delete,
    ("GET", "/api/v1/contacts"): api_contact_list,
    ("DELETE", "/api/v1/contacts/{contact_id}"): api_child_delete("/api/v1/contacts/{id}", "contact"),
    ("DELETE", "/api/v1/interactions/{interaction_id}"): api_child_delete("/api/v1/interactions/{id}", "interaction"),
    ("PATCH", "/api/v1/tags/{tag_id}"): api_settings(
        "PATCH", lambda ctx: f"/api/v1/tags/{ctx._tag().pk}", lambda ctx: {"name_en": "Matrix"}, 200
    ),
    ("DELETE", "/api/v1/tags/{tag_id}"): api_settings(
        "DELETE", lambda ctx: f"/api/v1/tags/{ctx._tag().pk}", lambda ctx: {}, 204
    ),
    ("PATCH", "/api/v1/tags/groups/{group_id}"): api_settings(
        "PATCH", lambda ctx: f"/api/v1/tags/groups/{ctx._tag().group_id}", lambda ctx: {"name_en": "Matrix"}, 200
    ),
    ("DELETE", "/api/v1/tags/groups/{group_id}"): api_settings(
        "DELETE",
        lambda ctx: f"/api/v1/tags/groups/{TagGroup.objects.get_or_create(name='空组')[0].pk}",
        lambda ctx: {},
        204,
    ),
    ("GET", "/api/v1/tag-rules/{rule_id}"): api_settings(
        "GET", lambda ctx: f"/api/v1/tag-rules/{_rule(ctx).pk}", lambda ctx: {}, 200
    ),
    ("PUT", "/api/v1/tag-rules/{rule_id}"): api_settings(
        "PUT",
        lambda ctx: f"/api/v1/tag-rules/{_rule(ctx).pk}",
        lambda ctx: {
            "name": "改规则",
            "tag_id": ctx._tag().pk,
            "conditions": [{"field": "city", "op": "eq", "value": "x"}],
        },
        200,
    ),
    ("DELETE", "/api/v1/tag-rules/{rule_id}"): api_settings(
        "DELETE", lambda ctx: f"/api/v1/tag-rules/{_rule(ctx).pk}", lambda ctx: {}, 204
    ),
    # --- merge ---
    ("POST", "/api/v1/customers/{customer_id}/merge"): api_customer_merge("/api/v1/customers/{customer_id}/merge"),
    ("POST", "/api/v1/contacts/{contact_id}/merge"): api_contact_merge("/api/v1/contacts/{contact_id}/merge"),
    ("GET", "/api/v1/merges/{merge_id}"): api_merge_read("/api/v1/merges/{merge_id}"),
    ("POST", "/api/v1/merges/{merge_id}/undo"): api_merge_undo("/api/v1/merges/{merge_id}/undo"),
    # --- imports and exports ---
    ("POST", "/api/v1/imports"): dataio_matrix.in_import_dir(dataio_matrix.api_import_upload),
    ("GET", "/api/v1/imports"): dataio_matrix.in_import_dir(dataio_matrix.api_import_list),
    ("GET", "/api/v1/imports/{job_id}"): dataio_matrix.api_job_read("/api/v1/imports/{id}"),
    ("GET", "/api/v1/imports/{job_id}/problems"): dataio_matrix.api_job_read("/api/v1/imports/{id}/problems"),
    ("GET", "/api/v1/imports/{job_id}/error-file"): dataio_matrix.api_job_read(
        "/api/v1/imports/{id}/error-file", checked=True
    ),
    ("POST", "/api/v1/imports/{job_id}/check"): dataio_matrix.api_job_write(
        "/api/v1/imports/{id}/check", {"duplicate_policy": "merge"}, 202
    ),
    ("POST", "/api/v1/imports/{job_id}/apply"): dataio_matrix.api_job_write(
        "/api/v1/imports/{id}/apply", {"mode": "all_or_nothing"}, 202
    ),
    ("POST", "/api/v1/imports/{job_id}/cancel"): dataio_matrix.api_job_write("/api/v1/imports/{id}/cancel", {}, 200),
    ("GET", "/api/v1/exports/customers"): dataio_matrix.api_export("customers", VISIBLE, RECORD_KEYS),
    ("GET", "/api/v1/exports/contacts"): dataio_matrix.api_export("contacts", VISIBLE, RECORD_KEYS),
    ("GET", "/api/v1/exports/interactions"): dataio_matrix.api_export("interactions", VISIBLE, RECORD_KEYS),
    ("GET", "/api/v1/exports/orders"): dataio_matrix.api_export("orders", VISIBLE, RECORD_KEYS),
}


# --- page checks --------------------------------------------------------------


def _login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@dataclass
class Page:
    """How to exercise one page: who may open it and what a refused request must leave unchanged."""

    check: Callable[[Ctx], None]
    notes: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)


def page_public(name: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        response = ctx.browser().get(reverse(name))
        assert response.status_code in {200, 302}

    return check


def page_logged_in(
    name: str, method: str = "GET", data: Callable[[Ctx], dict[str, Any]] | None = None
) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.browser()
        url = reverse(name)
        response = client.post(url, data(ctx) if data else {}) if method == "POST" else client.get(url)
        if ctx.user is None:
            assert _login_redirect(response), response.status_code
        else:
            assert response.status_code in {200, 302}, response.status_code

    return check


def page_with_perm(
    name: str, allowed: set[str], args: Callable[[Ctx], list[Any]] | None = None
) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        response = ctx.browser().get(reverse(name, args=args(ctx) if args else None))
        if ctx.user is None:
            assert _login_redirect(response)
        elif ctx.actor in allowed:
            assert response.status_code == 200
        else:
            assert response.status_code == 403

    return check


def page_perm_post(
    name: str,
    allowed: set[str],
    data: Callable[[Ctx], dict[str, Any]],
    unchanged: Callable[[Ctx], Any],
    args: Callable[[Ctx], list[Any]] | None = None,
) -> Callable[[Ctx], None]:
    """A write page behind a function permission; refused posts change nothing."""

    def check(ctx: Ctx) -> None:
        before = unchanged(ctx)
        response = ctx.browser().post(reverse(name, args=args(ctx) if args else None), data(ctx))
        if ctx.user is None:
            assert _login_redirect(response)
        elif ctx.actor in allowed:
            assert response.status_code in {200, 302}
            return
        else:
            assert response.status_code == 403
        assert unchanged(ctx) == before

    return check


def page_customer_list(ctx: Ctx) -> None:
    client = ctx.browser()
    response = client.get(reverse("customers:customer-list"))
    if ctx.user is None:
        assert _login_redirect(response)
        return
    body = response.content.decode()
    for key in RECORD_KEYS:
        record = getattr(ctx.records, key)
        assert (record.name in body) == (key in VISIBLE[ctx.actor]), key
        searched = client.get(reverse("customers:customer-list"), {"q": record.name}).content.decode()
        assert (str(record.pk) in searched) == (key in VISIBLE[ctx.actor]), f"search {key}"


def page_customer_read(name: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.browser()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            response = client.get(reverse(name, args=[record.pk]))
            if ctx.user is None:
                assert _login_redirect(response)
            else:
                assert response.status_code == (200 if key in VISIBLE[ctx.actor] else 404), key

    return check


def page_customer_write(name: str) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        client = ctx.browser()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            before = _customer_state(record)
            data = {"name": "页面改名", "phone": record.phone, "version": record.version}
            response = client.post(reverse(name, args=[record.pk]), data)
            if ctx.user is None:
                assert _login_redirect(response)
            elif key in VISIBLE[ctx.actor]:
                assert response.status_code in {200, 302}, key
                continue
            else:
                assert response.status_code == 404, key
            assert _customer_state(record) == before, f"refused page write changed {key}"

    return check


def _children_state() -> tuple[int, int, int]:
    return Contact.objects.count(), Position.objects.count(), Interaction.objects.count()


def page_customer_child_post(name: str, data: dict[str, Any]) -> Callable[[Ctx], None]:
    """Adding a contact or an interaction through the page: 404 for invisible customers, nothing added."""

    def check(ctx: Ctx) -> None:
        client = ctx.browser()
        for key in RECORD_KEYS:
            record = getattr(ctx.records, key)
            before = _children_state()
            response = client.post(reverse(name, args=[record.pk]), data)
            if ctx.user is None:
                assert _login_redirect(response)
            elif key in VISIBLE[ctx.actor]:
                assert response.status_code in {200, 302}, (key, response.status_code)
                continue
            else:
                assert response.status_code == 404, key
            assert _children_state() == before, f"refused page write changed {key}"

    return check


def page_position_post(name: str, data: dict[str, Any]) -> Callable[[Ctx], None]:
    """Changing or ending a post through the page: 404 for invisible customers, the post unchanged."""

    def check(ctx: Ctx) -> None:
        client = ctx.browser()
        for key in RECORD_KEYS:
            position = ctx.child(key, "position")
            before = (_child_state("position", position), _children_state())
            response = client.post(reverse(name, args=[position.pk]), data)
            if ctx.user is None:
                assert _login_redirect(response)
            elif key in VISIBLE[ctx.actor]:
                assert response.status_code in {200, 302}, (key, response.status_code)
                continue
            else:
                assert response.status_code == 404, key
            assert (_child_state("position", position), _children_state()) == before, f"refused write changed {key}"

    return check


def _role_state(ctx: Ctx) -> list[tuple[str, str]]:
    return list(Role.objects.order_by("code").values_list("code", "default_scope"))


def _team_state(ctx: Ctx) -> list[tuple[str, int | None]]:
    return list(Team.objects.order_by("pk").values_list("name", "parent_id"))


def _user_state(ctx: Ctx) -> list[tuple[str, bool, int | None]]:
    return list(User.objects.order_by("pk").values_list("username", "is_active", "role_id"))


PAGES: dict[str, Callable[[Ctx], None]] = {
    "web:home": page_logged_in("web:home"),
    "web:system": page_with_perm("web:system", SYSTEM_VIEWERS),
    "accounts:login": page_public("accounts:login"),
    "accounts:logout": page_logged_in("accounts:logout", method="POST"),
    "accounts:otp": page_public("accounts:otp"),
    "accounts:password": page_logged_in("accounts:password"),
    "accounts:settings": page_logged_in("accounts:settings"),
    "accounts:two-factor": page_logged_in("accounts:two-factor"),
    "accounts:tokens": page_logged_in("accounts:tokens"),
    "accounts:user-list": page_with_perm("accounts:user-list", USER_MANAGERS),
    "accounts:user-create": page_perm_post(
        "accounts:user-create",
        USER_MANAGERS,
        lambda ctx: {
            "username": f"new-{ctx.actor}",
            "password": "a-long-passphrase-77",
            "language": "zh-hans",
            "time_zone": "Asia/Shanghai",
            "is_active": "on",
        },
        _user_state,
    ),
    "accounts:user-edit": page_perm_post(
        "accounts:user-edit",
        USER_MANAGERS,
        lambda ctx: {"username": "rep2", "language": "en", "time_zone": "Asia/Shanghai"},
        _user_state,
        args=lambda ctx: [ctx.org["rep2"].pk],
    ),
    "accounts:team-list": page_with_perm("accounts:team-list", USER_MANAGERS),
    "accounts:team-create": page_perm_post(
        "accounts:team-create",
        USER_MANAGERS,
        lambda ctx: {"name": f"新团队-{ctx.actor}", "parent": ctx.org.hq.pk},
        _team_state,
    ),
    "accounts:team-edit": page_perm_post(
        "accounts:team-edit",
        USER_MANAGERS,
        lambda ctx: {"name": "改名团队", "parent": ctx.org.hq.pk, "is_active": "on"},
        _team_state,
        args=lambda ctx: [ctx.org.south.pk],
    ),
    "accounts:role-list": page_with_perm("accounts:role-list", USER_MANAGERS),
    "accounts:role-create": page_perm_post(
        "accounts:role-create",
        USER_MANAGERS,
        lambda ctx: {"code": f"r-{ctx.actor}", "name": "新角色", "default_scope": "all"},
        _role_state,
    ),
    "accounts:role-edit": page_perm_post(
        "accounts:role-edit",
        USER_MANAGERS,
        lambda ctx: {"code": "rep", "name": "销售代表", "default_scope": "all"},
        _role_state,
        args=lambda ctx: [Role.objects.get(code="rep").pk],
    ),
    "customers:customer-list": page_customer_list,
    "customers:customer-create": page_logged_in(
        "customers:customer-create", method="POST", data=lambda ctx: {"name": f"页面新建-{ctx.actor}", "phone": ""}
    ),
    "customers:customer-detail": page_customer_read("customers:customer-detail"),
    "customers:customer-edit": page_customer_write("customers:customer-edit"),
    "customers:customer-contacts": page_customer_read("customers:customer-contacts"),
    "customers:contact-create": page_customer_child_post(
        "customers:contact-create", {"name": "页面联系人", "title": "采购", "mobile": "", "department": ""}
    ),
    "customers:position-change": page_position_post("customers:position-change", {"title": "采购总监"}),
    "customers:position-end": page_position_post("customers:position-end", {}),
    "customers:customer-interactions": page_customer_read("customers:customer-interactions"),
    "customers:interaction-create": page_customer_child_post(
        "customers:interaction-create", {"channel": "wechat", "direction": "inbound", "summary": "页面咨询"}
    ),
    # --- saved views ---
    "customers:saved-view-save": page_logged_in(
        "customers:saved-view-save", method="POST", data=lambda ctx: {"name": f"视图-{ctx.actor}", "q": "云"}
    ),
    "customers:saved-view-delete": page_saved_view_delete,
    # --- 360° page ---
    "customers:customer-timeline": page_customer_read("customers:customer-timeline"),
    "customers:customer-network": page_customer_read("customers:customer-network"),
    "customers:position-forms": page_position_read("customers:position-forms"),
    # --- merge ---
    "customers:customer-merge": page_customer_read("customers:customer-merge"),
    "customers:customer-merge-compare": page_merge_compare,
    "customers:merge-detail": page_merge_detail,
    "customers:merge-undo": page_merge_undo,
    # --- imports and exports ---
    "dataio:import-list": dataio_matrix.in_import_dir(dataio_matrix.page_import_list),
    "dataio:import-detail": dataio_matrix.page_job("dataio:import-detail"),
    "dataio:import-progress": dataio_matrix.page_job("dataio:import-progress"),
    "dataio:import-problems": dataio_matrix.page_job("dataio:import-problems"),
    "dataio:import-error-file": dataio_matrix.page_job("dataio:import-error-file", checked=True),
    "dataio:import-check": dataio_matrix.page_job(
        "dataio:import-check", method="POST", data={"col_name": "0", "col_phone": "1", "duplicate_policy": "create"}
    ),
    "dataio:import-apply": dataio_matrix.page_job(
        "dataio:import-apply", method="POST", data={"mode": "valid_rows", "duplicate_policy": "create"}
    ),
    "dataio:import-cancel": dataio_matrix.page_job("dataio:import-cancel", method="POST"),
    "dataio:export": dataio_matrix.page_export(VISIBLE, RECORD_KEYS),
    "dataio:data-menu": dataio_matrix.page_data_menu,
}
PAGE_EXTRAS = {"accounts:token-revoke"}  # exercised with a token id below


def page_token_revoke(ctx: Ctx) -> None:
    victim = token_issue(actor=ctx.org["rep1b"], name="victim").token
    response = ctx.browser().post(reverse("accounts:token-revoke", args=[victim.pk]))
    if ctx.user is None:
        assert _login_redirect(response)
    elif ctx.actor in USER_MANAGERS:
        assert response.status_code in {200, 302}
        return
    else:
        assert response.status_code == 404
    assert ApiToken.objects.get(pk=victim.pk).revoked_at is None


PAGES["accounts:token-revoke"] = page_token_revoke

# --- insights (checks in tests/insights/matrix_*.py) ---
from tests.insights import matrix_dashboard, matrix_grading, matrix_segments, matrix_value  # noqa: E402

for _area in (matrix_dashboard, matrix_grading, matrix_segments, matrix_value):
    _api_checks, _page_checks = _area.checks(VISIBLE, RECORD_KEYS)
    API.update(_api_checks)
    PAGES.update(_page_checks)

# --- leads (checks in tests/leads/matrix_*.py) ---
from tests.leads import matrix_channels, matrix_duplicates, matrix_leads, matrix_webform  # noqa: E402

for _area in (matrix_leads, matrix_channels, matrix_webform, matrix_duplicates):
    _api_checks, _page_checks = _area.checks(VISIBLE, RECORD_KEYS)
    API.update(_api_checks)
    PAGES.update(_page_checks)

# Pages outside the product: staff-only Django admin, the language switch, static API docs.
NOT_PRODUCT_PAGES = {"set_language"}


# --- enumeration ----------------------------------------------------------------


def api_routes() -> set[tuple[str, str]]:
    schema = ninja_api.get_openapi_schema()
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    }


def _walk(patterns: list[URLPattern | URLResolver], namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith(("api/", "staff-admin/")):
                continue
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, ns, route)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", route
        else:
            yield f"<unnamed {route}>", route


def page_names() -> set[str]:
    return {name for name, _route in _walk(get_resolver().url_patterns)} - NOT_PRODUCT_PAGES


def test_every_route_is_in_the_matrix() -> None:
    missing_api = api_routes() - set(API)
    missing_pages = page_names() - set(PAGES)
    assert not missing_api, f"API routes missing from the permission matrix: {sorted(missing_api)}"
    assert not missing_pages, f"pages missing from the permission matrix: {sorted(missing_pages)}"
    assert not set(API) - api_routes(), "matrix names API routes that no longer exist"
    assert not set(PAGES) - page_names(), "matrix names pages that no longer exist"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("route", sorted(API), ids=lambda r: f"{r[0]} {r[1]}")
def test_api_route(route: tuple[str, str], actor: str, org: Org, records: Records) -> None:
    API[route](Ctx(org=org, records=records, actor=actor))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_page(name: str, actor: str, org: Org, records: Records) -> None:
    PAGES[name](Ctx(org=org, records=records, actor=actor))


def test_staff_admin_is_for_staff_only(org: Org) -> None:
    for actor in ("rep1", "manager1", "director"):
        client = Client()
        client.force_login(org[actor], backend="guanxi.accounts.backends.UsernameOrEmailBackend")
        response = client.get("/staff-admin/")
        assert response.status_code == 302
        assert re.search(r"/staff-admin/login/", response["Location"])
