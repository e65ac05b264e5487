"""Teams as a tree, roles, users, passwords, tokens and login."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory
from django.utils import timezone

from guanxi.accounts import access, services
from guanxi.accounts.models import ApiToken, DataScope, Perm, Role, Team
from guanxi.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from tests.conftest import Org


def test_team_create_builds_materialised_path(org: Org) -> None:
    team = services.team_create(actor=org["admin"], name="Hangzhou", parent=org.east)
    assert team.path == f"{org.east.path}{team.pk}/"
    assert team.depth == 2


def test_moving_a_team_rewrites_the_whole_subtree(org: Org) -> None:
    leaf = services.team_create(actor=org["admin"], name="Pudong", parent=org.shanghai)
    services.team_update(actor=org["admin"], team=org.shanghai, name="Shanghai", parent=org.south)
    org.shanghai.refresh_from_db()
    leaf.refresh_from_db()
    assert org.shanghai.path == f"{org.south.path}{org.shanghai.pk}/"
    assert leaf.path == f"{org.shanghai.path}{leaf.pk}/"
    assert set(access.subtree_team_ids(org.south.pk)) == {org.south.pk, org.shanghai.pk, leaf.pk}


def test_a_team_cannot_move_below_itself(org: Org) -> None:
    with pytest.raises(InvalidInput):
        services.team_update(actor=org["admin"], team=org.east, name="East", parent=org.shanghai)
    org.east.refresh_from_db()
    assert org.east.parent_id == org.hq.pk


def test_duplicate_team_name_under_same_parent_is_refused(org: Org) -> None:
    with pytest.raises(InvalidInput):
        services.team_create(actor=org["admin"], name="East", parent=org.hq)
    assert Team.objects.filter(name="East").count() == 1


def test_only_user_managers_manage_the_directory(org: Org) -> None:
    with pytest.raises(NotAllowed):
        services.team_create(actor=org["director"], name="Rogue")
    with pytest.raises(NotAllowed):
        services.user_save(actor=org["manager1"], user=org["rep1"], is_active=False)
    org["rep1"].refresh_from_db()
    assert org["rep1"].is_active
    assert not Team.objects.filter(name="Rogue").exists()


def test_role_save_validates_permissions_and_scopes(org: Org) -> None:
    role = services.role_save(
        actor=org["admin"],
        role=None,
        code="service",
        name="客服",
        permissions=[Perm.EXPORT],
        default_scope=DataScope.TEAM,
        scopes={"customers.customer": DataScope.ALL},
    )
    assert role.scope_for("customers.customer") == DataScope.ALL
    assert role.scope_for("leads.lead") == DataScope.TEAM
    with pytest.raises(InvalidInput):
        services.role_save(actor=org["admin"], role=None, code="x", name="x", permissions=["fly"], default_scope="own")
    with pytest.raises(InvalidInput):
        services.role_save(
            actor=org["admin"],
            role=None,
            code="y",
            name="y",
            permissions=[],
            default_scope="own",
            scopes={"nope.nothing": "all"},
        )
    assert not Role.objects.filter(code__in=["x", "y"]).exists()


def test_user_save_creates_with_strong_password_only(org: Org) -> None:
    with pytest.raises(InvalidInput) as weak:
        services.user_save(actor=org["admin"], user=None, password="123", username="newbie", team=org.east)
    assert weak.value.errors[0]["loc"] == ["password"]
    user = services.user_save(actor=org["admin"], user=None, password="a-long-passphrase-77", username="newbie")
    assert user.check_password("a-long-passphrase-77")
    assert user.password.startswith("md5$") or user.password.startswith("argon2")


def test_email_is_unique_case_insensitively(org: Org) -> None:
    with pytest.raises(InvalidInput):
        services.user_save(actor=org["admin"], user=None, username="dup", email="REP1@example.com")


def test_deactivating_a_user_revokes_their_tokens(org: Org) -> None:
    services.token_issue(actor=org["rep1"], name="ci")
    services.user_save(actor=org["admin"], user=org["rep1"], is_active=False)
    assert ApiToken.objects.get(user=org["rep1"]).revoked_at is not None


def test_admin_cannot_deactivate_themselves(org: Org) -> None:
    with pytest.raises(InvalidInput):
        services.user_save(actor=org["admin"], user=org["admin"], is_active=False)


def test_password_change_needs_the_current_password(org: Org) -> None:
    with pytest.raises(InvalidInput):
        services.user_change_password(actor=org["rep1"], old_password="wrong", new_password="another-passphrase-9")
    services.user_change_password(actor=org["rep1"], old_password="guanxi-demo", new_password="another-passphrase-9")
    assert org["rep1"].check_password("another-passphrase-9")


def test_tokens_are_stored_as_digests_and_die_when_revoked_or_expired(org: Org) -> None:
    issued = services.token_issue(actor=org["rep1"], name="ci")
    assert issued.raw not in {issued.token.digest, issued.token.prefix}
    assert services.token_authenticate(raw=issued.raw) == issued.token
    assert services.token_authenticate(raw=issued.raw + "x") is None
    services.token_revoke(actor=org["rep1"], token_id=issued.token.pk)
    assert services.token_authenticate(raw=issued.raw) is None
    with pytest.raises(Conflict):
        services.token_revoke(actor=org["rep1"], token_id=issued.token.pk)
    soon = services.token_issue(actor=org["rep1"], name="soon", expires_at=timezone.now() + timedelta(seconds=30))
    ApiToken.objects.filter(pk=soon.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.token_authenticate(raw=soon.raw) is None


def test_nobody_revokes_another_users_token_without_manage_users(org: Org) -> None:
    issued = services.token_issue(actor=org["rep2"], name="ci")
    with pytest.raises(NotFound):
        services.token_revoke(actor=org["rep1"], token_id=issued.token.pk)
    assert services.token_authenticate(raw=issued.raw) is not None
    services.token_revoke(actor=org["admin"], token_id=issued.token.pk)
    assert services.token_authenticate(raw=issued.raw) is None


@pytest.mark.parametrize("login", ["rep1", "REP1", "rep1@example.com", "Rep1@Example.com"])
def test_login_by_username_or_email(org: Org, login: str) -> None:
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=login, password="guanxi-demo") == org["rep1"]


def test_system_actor_cannot_authenticate(org: Org, settings: Any) -> None:
    system = access.system_actor()
    system.set_password("guanxi-demo")
    system.save()
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="system", password="guanxi-demo") is None


def test_repeated_failed_logins_lock_the_account_out(org: Org, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.1")
        assert authenticate(request, username="rep1", password="wrong") is None
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.1")
    assert authenticate(request, username="rep1", password="guanxi-demo") is None
