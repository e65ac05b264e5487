"""The one door to data: every data scope, shares, the system actor, and default deny."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from guanxi.accounts import access
from guanxi.accounts.models import DataScope, Perm, RecordShare
from guanxi.accounts.services import record_share
from guanxi.core.errors import NotAllowed, NotFound
from guanxi.core.models import Owned
from guanxi.customers.models import Customer
from tests.conftest import Org, Records

VISIBLE = {
    "rep1": {"own"},
    "rep1b": {"team"},
    "rep2": {"other"},
    "rep3": {"below"},
    "manager1": {"own", "team", "below"},
    "manager2": {"other"},
    "director": {"own", "team", "other", "below"},
    "admin": {"own", "team", "other", "below"},
}


def _visible_keys(actor: object, records: Records) -> set[str]:
    ids = set(access.scope(actor, Customer.objects.all()).values_list("pk", flat=True))  # type: ignore[arg-type]
    return {key for key, rec in records.all().items() if rec.pk in ids}


@pytest.mark.parametrize(("username", "expected"), sorted(VISIBLE.items()))
def test_scope_shows_exactly_the_role_data_scope(org: Org, records: Records, username: str, expected: set[str]) -> None:
    assert _visible_keys(org[username], records) == expected


def test_team_scope_sees_own_team_but_not_teams_below(org: Org, records: Records) -> None:
    lead = org["manager1"]
    lead.role.default_scope = DataScope.TEAM  # type: ignore[union-attr]
    lead.role.save()  # type: ignore[union-attr]
    assert _visible_keys(lead, records) == {"own", "team"}


def test_per_record_type_scope_overrides_the_default(org: Org, records: Records) -> None:
    rep = org["rep1"]
    rep.role.scopes = {"customers.customer": DataScope.ALL}  # type: ignore[union-attr]
    rep.role.save()  # type: ignore[union-attr]
    assert _visible_keys(rep, records) == {"own", "team", "other", "below"}


def test_anonymous_inactive_and_missing_actors_see_nothing(org: Org, records: Records) -> None:
    inactive = org["director"]
    inactive.is_active = False
    assert _visible_keys(AnonymousUser(), records) == set()
    assert _visible_keys(inactive, records) == set()
    assert _visible_keys(None, records) == set()


def test_user_without_role_sees_only_own(org: Org, records: Records) -> None:
    rep = org["rep1"]
    rep.role = None
    assert _visible_keys(rep, records) == {"own"}


def test_moving_a_user_to_another_team_moves_team_visibility(org: Org, records: Records) -> None:
    lead = org["manager2"]
    lead.team = org.east
    lead.save()
    assert _visible_keys(lead, records) == {"own", "team", "below"}


def test_share_with_user_grants_view_but_not_change(org: Org, records: Records) -> None:
    record_share(actor=org["rep2"], record=records.other, user=org["rep1"])
    assert _visible_keys(org["rep1"], records) == {"own", "other"}
    assert access.can(org["rep1"], "view", records.other)
    assert not access.can(org["rep1"], "change", records.other)
    with pytest.raises(NotAllowed):
        access.ensure(org["rep1"], "change", records.other)


def test_share_with_team_and_change_right(org: Org, records: Records) -> None:
    record_share(actor=org["rep2"], record=records.other, team=org.east, can_change=True)
    assert "other" in _visible_keys(org["rep1b"], records)
    assert access.can(org["rep1b"], "change", records.other)
    assert RecordShare.objects.count() == 1


def test_only_owner_or_assigner_may_share(org: Org, records: Records) -> None:
    with pytest.raises(NotFound):
        record_share(actor=org["rep1"], record=records.other, user=org["rep1"])
    assert not RecordShare.objects.exists()


def test_hidden_record_raises_not_found_not_forbidden(org: Org, records: Records) -> None:
    with pytest.raises(NotFound):
        access.ensure(org["rep1"], "view", records.other)
    with pytest.raises(NotFound):
        access.get_visible(org["rep1"], Customer.objects.all(), pk=records.other.pk)


def test_assign_and_delete_need_function_permissions(org: Org, records: Records) -> None:
    assert access.can(org["rep1"], "change", records.own)
    assert not access.can(org["rep1"], "assign", records.own)
    assert not access.can(org["rep1"], "delete", records.own)
    assert access.can(org["manager1"], "assign", records.own)
    assert not access.can(org["manager1"], "delete", records.own)
    assert access.can(org["admin"], "delete", records.own)


def test_system_actor_sees_everything_and_cannot_log_in(org: Org, records: Records) -> None:
    system = access.system_actor()
    assert system.is_system
    assert not system.has_usable_password()
    assert _visible_keys(system, records) == {"own", "team", "other", "below"}
    assert access.has_perm(system, Perm.EXPORT)
    assert access.system_actor().pk == system.pk


def test_function_permissions_follow_the_role(org: Org) -> None:
    assert access.has_perm(org["admin"], Perm.MANAGE_USERS)
    assert not access.has_perm(org["director"], Perm.MANAGE_USERS)
    assert access.has_perm(org["manager1"], Perm.APPROVE)
    assert not access.has_perm(org["rep1"], Perm.EXPORT)
    assert not access.has_perm(AnonymousUser(), Perm.EXPORT)


NON_RECORD_MODELS = {
    "sales.Product",  # catalogue: every user reads it, settings managers write it
    "customers.TagGroup",  # settings, like the catalogue
    "customers.Tag",
    "customers.TagRule",
    "customers.MergeRecord",  # follows its surviving record through access.ensure (customers.selectors.merge_get)
    "insights.GradeScheme",  # value settings: readable by all, written by value managers
    "insights.GradeEvaluation",  # company-wide aggregates: value managers only
    "insights.GradeTreatment",
    "insights.Segment",  # segment definitions are settings; members follow their customer
    "insights.SegmentSnapshot",  # segment-wide aggregates
    "insights.SegmentCurve",
    "accounts.User",
    "accounts.Team",
    "accounts.Role",
    "accounts.RecordShare",
    "accounts.ApiToken",
    "core.AuditEntry",
    "core.IdempotencyRecord",
    "core.HealthPing",
    "core.SavedView",
    "dataio.ImportJob",  # personal, like an API token: its creator and settings managers (dataio.selectors)
    "dataio.ImportRow",
    "dataio.ImportProblem",  # a user's list settings: own, or shared with the team/everyone (core.saved_views)
    "insights.ValueSettings",  # settings, like the catalogue
    "insights.ValueRun",  # the system's recompute record (organisation-wide figures, for managers)
    "leads.Channel",  # lead channels and their costs are settings: readable by all, written by lead managers
    "leads.ChannelCost",
    "leads.LeadSettings",
    "leads.DedupKey",  # the duplicate check's key index: derived data, never shown
}


def test_every_domain_model_has_an_access_rule() -> None:
    """Default deny: a new owned model without a rule fails here."""
    registered = set(access.registered_models())
    domain_apps = {"core", "accounts", "customers"} | {
        c.label for c in apps.get_app_configs() if c.name.startswith("guanxi.")
    }
    for model in apps.get_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        if model._meta.app_label not in domain_apps or label in NON_RECORD_MODELS:
            continue
        assert model in registered, f"{label} has no rule in accounts.access"
        rule = access.rule_of(model)
        if rule.via is None and rule.also is None:
            assert issubclass(model, Owned), f"{label} has its own data scope, so it must be Owned"
        elif rule.via is None:  # owned, or waiting in a team's pool (owner empty) that ``also`` opens
            assert {"owner", "team"} <= {f.name for f in model._meta.fields}, f"{label} needs owner and team"
        else:
            assert rule.parent in registered, f"{label} follows {rule.via}, which has no rule"
