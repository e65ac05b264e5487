"""The one door to data: who may see or change which record.

Nothing else in Guanxi filters by owner or team. Every list, search, detail,
export, report and background job asks this module:

* ``scope(actor, queryset)`` narrows a queryset to what the actor may see
  (the role's data scope for that record type, plus explicit shares);
* ``can(actor, action, obj)`` answers for UI flags;
* ``ensure(actor, action, obj)`` raises ``NotFound`` when the record is
  invisible (so ids cannot be probed) and ``NotAllowed`` when it is visible
  but the action is not permitted;
* ``has_perm(actor, perm)`` / ``ensure_perm`` answer for function permissions.

Background jobs act as ``system_actor()``, a named user who sees everything
and never logs in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from guanxi.accounts.models import DataScope, Perm, RecordShare, Team, User
from guanxi.core.errors import NotAllowed, NotFound

if TYPE_CHECKING:
    from guanxi.core.models import Versioned

Action = Literal["view", "change", "assign", "delete", "share"]
ACTIONS: tuple[Action, ...] = ("view", "change", "assign", "delete", "share")
SYSTEM_USERNAME = "system"

M = TypeVar("M", bound=models.Model)
Actor = User | AnonymousUser


@dataclass(frozen=True)
class Rule:
    """How one model's records are protected.

    ``via`` names the relation path (``"customer"``, ``"positions__customer"``) to the record
    whose visibility this one follows: an interaction is visible, and changeable, exactly when
    its customer is. Records without ``via`` are ``Owned`` and follow the owner's data scope.
    """

    record_type: str
    model: type[models.Model]
    via: str | None = None
    # Records an actor may also *see* beyond the data scope (never change through it): e.g. the leads
    # waiting in the pool of the actor's team.
    also: Callable[[User], Q] | None = None

    @property
    def parent(self) -> type[models.Model] | None:
        """The model at the end of ``via``."""
        if self.via is None:
            return None
        model: type[models.Model] = self.model
        for part in self.via.split("__"):
            related = model._meta.get_field(part).related_model
            if not isinstance(related, type):
                raise LookupError(f"{self.model.__name__}.{self.via} does not lead to a model")
            model = related
        return model


_registry: dict[type[models.Model], Rule] = {}


def register(
    model: type[M], *, record_type: str, via: str | None = None, also: Callable[[User], Q] | None = None
) -> type[M]:
    """Put a model under record rules. Every domain model must be registered or listed as non-record."""
    _registry[model] = Rule(record_type=record_type, model=model, via=via, also=also)
    return model


def rule_of(model: type[models.Model]) -> Rule:
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no access rule; register it in accounts.access") from None


def registered_models() -> dict[type[models.Model], Rule]:
    return dict(_registry)


def record_type_of(model: type[models.Model]) -> str:
    return rule_of(model).record_type


def record_types() -> list[str]:
    """Record types that carry a data scope of their own (roles set one scope per type)."""
    return sorted({rule.record_type for rule in _registry.values() if rule.via is None})


# --- who the actor is -------------------------------------------------------


def active_user(actor: Actor | None) -> User | None:
    """The actor as a user who may act at all, or None (anonymous, inactive, missing)."""
    if isinstance(actor, User) and actor.is_authenticated and actor.is_active:
        return actor
    return None


def data_scope(actor: Actor | None, record_type: str) -> str | None:
    """The actor's data scope for a record type, or None when the actor sees nothing."""
    user = active_user(actor)
    if user is None:
        # Anonymous, inactive or missing actors see nothing.
        return None
    if user.is_superuser or user.is_system:
        # Superusers and the system actor see every record.
        return DataScope.ALL
    if user.role is None:
        # A user without a role sees only what they own.
        return DataScope.OWN
    return user.role.scope_for(record_type)


def has_perm(actor: Actor | None, perm: Perm | str) -> bool:
    """Does the actor's role carry this function permission?"""
    user = active_user(actor)
    if user is None:
        # Anonymous or inactive users have no permissions.
        return False
    if user.is_superuser or user.is_system:
        # Superusers and the system actor hold every permission.
        return True
    if user.role is None:
        # No role, no function permissions.
        return False
    return str(perm) in user.role.permissions


def ensure_perm(actor: Actor | None, perm: Perm | str) -> None:
    if not has_perm(actor, perm):
        raise NotAllowed(_("You do not have the permission for this action."))


def subtree_team_ids(team_id: int | None) -> QuerySet[Team, int]:
    """Ids of a team and every team below it (one indexed range on ``path``)."""
    if team_id is None:
        return Team.objects.none().values_list("id", flat=True)
    path = Team.objects.filter(pk=team_id).values("path")[:1]
    return Team.objects.filter(path__startswith=models.Subquery(path)).values_list("id", flat=True)


# --- visibility -------------------------------------------------------------


def _shared_ids(actor: User, record_type: str, *, for_change: bool) -> QuerySet[RecordShare, Any]:
    shares = RecordShare.objects.filter(record_type=record_type).filter(
        Q(user_id=actor.pk) | Q(team_id=actor.team_id) if actor.team_id else Q(user_id=actor.pk)
    )
    if for_change:
        shares = shares.filter(can_change=True)
    return shares.values("record_id")


def shared_record_ids(actor: Actor | None, record_type: str) -> QuerySet[RecordShare, Any]:
    """Ids of the records of ``record_type`` shared with the actor (as a subquery)."""
    user = active_user(actor)
    if user is None:
        return RecordShare.objects.none().values("record_id")
    return _shared_ids(user, record_type, for_change=False)


def _scope_q(actor: User, scope: str) -> Q:
    if scope == DataScope.ALL:
        # Everything.
        return Q()
    own = Q(owner_id=actor.pk)
    if scope == DataScope.OWN or actor.team_id is None:
        # Own records only (a user outside any team cannot see a team's records).
        return own
    if scope == DataScope.TEAM:
        # Records of the actor's own team.
        return own | Q(team_id=actor.team_id)
    # Team and below: the actor's team and every team under it.
    return own | Q(team_id__in=subtree_team_ids(actor.team_id))


def _via_q(rule: Rule, via: str, parent: type[models.Model], parent_q: Q) -> Q:
    """Records whose ``via`` parent matches ``parent_q`` (an empty ``parent_q`` means every parent)."""
    if not parent_q:
        # The parent is visible without limit, so every child is too.
        return Q()
    parent_ids = parent._base_manager.filter(parent_q).values("pk")
    if "__" not in via:
        # A plain foreign key: one IN over the parent's ids.
        return Q(**{f"{via}__in": parent_ids})
    # A longer path (through a reverse relation): match ids without multiplying rows.
    return Q(pk__in=rule.model._base_manager.filter(**{f"{via}__in": parent_ids}).values("pk"))


def visible_q(actor: Actor | None, model: type[models.Model], *, for_change: bool = False) -> Q | None:
    """The filter for records the actor may see (or change); None means none at all."""
    rule = rule_of(model)
    parent = rule.parent
    if rule.via is not None and parent is not None:
        parent_q = visible_q(actor, parent, for_change=for_change)
        return None if parent_q is None else _via_q(rule, rule.via, parent, parent_q)
    record_type = rule.record_type
    user = active_user(actor)
    scope = data_scope(user, record_type)
    if user is None or scope is None:
        return None
    q = _scope_q(user, scope)
    if scope == DataScope.ALL:
        return q
    q |= Q(pk__in=_shared_ids(user, record_type, for_change=for_change))
    if rule.also is not None and not for_change:
        q |= rule.also(user)
    return q


def scope(actor: Actor | None, queryset: QuerySet[M]) -> QuerySet[M]:
    """Narrow ``queryset`` to the records the actor may see."""
    q = visible_q(actor, queryset.model)
    if q is None:
        return queryset.none()
    return queryset.filter(q)


MAX_TEAM_PARTS = 32


def scope_parts(actor: Actor | None, model: type[models.Model], *, teams_together: bool = False) -> list[Q]:
    """The scope split into disjuncts whose union is ``visible_q``, for top-n queries.

    Each part can walk its own composite index in order (``owner``, ``team``, shares), so a
    page of n rows costs O(n) per part instead of sorting the actor's whole visible set. An
    empty list means "use the scope as a whole" (scope all, nothing visible, or too many teams).
    Callers still apply ``scope()`` to the outer query: parts only speed it up, never widen it.
    ``teams_together`` makes one part of all the teams: a walk that reads a fixed number of
    rows per part (search) then reads the teams' newest rows once, not once per team.
    """
    rule = rule_of(model)
    user = active_user(actor)
    keys = scope_keys(actor, model)
    if rule.via is not None or rule.also is not None or user is None or keys is None or not keys.owners:
        return []
    if len(keys.teams) > MAX_TEAM_PARTS:
        return []
    parts = [Q(owner_id=owner_id) for owner_id in keys.owners]
    if teams_together and keys.teams:
        parts.append(Q(team_id__in=keys.teams))
    else:
        parts += [Q(team_id=team_id) for team_id in keys.teams]
    parts.append(Q(pk__in=_shared_ids(user, rule.record_type, for_change=False)))
    return parts


@dataclass(frozen=True)
class ScopeKeys:
    """The owners and teams whose records make up an actor's scope (shares aside)."""

    owners: tuple[int, ...]
    teams: tuple[int, ...]


def scope_keys(actor: Actor | None, model: type[models.Model]) -> ScopeKeys | None:
    """Owner and team ids of the actor's data scope for ``model``; None means every record.

    For indexes keyed by owner and team (``customers.search``); shares come on top
    (``shared_record_ids``). Someone who sees nothing gets empty keys.
    """
    user = active_user(actor)
    scope = data_scope(user, rule_of(model).record_type)
    if user is None or scope is None:
        return ScopeKeys((), ())
    if scope == DataScope.ALL:
        return None
    teams: tuple[int, ...] = ()
    if user.team_id is not None and scope == DataScope.TEAM:
        teams = (user.team_id,)
    elif user.team_id is not None and scope == DataScope.TEAM_AND_BELOW:
        teams = tuple(subtree_team_ids(user.team_id))
    return ScopeKeys((user.pk,), teams)


def _changeable(actor: Actor | None, obj: Versioned) -> bool:
    q = visible_q(actor, type(obj), for_change=True)
    if q is None:
        return False
    return type(obj)._base_manager.filter(q, pk=obj.pk).exists()


def _visible(actor: Actor | None, obj: models.Model) -> bool:
    q = visible_q(actor, type(obj))
    if q is None:
        return False
    return type(obj)._base_manager.filter(q, pk=obj.pk).exists()


def can(actor: Actor | None, action: Action, obj: Versioned) -> bool:
    """May the actor do ``action`` to ``obj``? For UI flags; services call ``ensure``."""
    if action == "view":
        # Seeing is the data scope plus shares.
        return _visible(actor, obj)
    if not _changeable(actor, obj):
        # Every other action needs the record in the actor's changeable set.
        return False
    if action == "change":
        # Changing needs nothing more.
        return True
    if action == "delete":
        # Deleting is a function permission.
        return has_perm(actor, Perm.DELETE)
    if rule_of(type(obj)).via is not None:
        # Records that follow a parent have no owner to reassign or share: do that to the parent.
        return False
    if action == "assign":
        # Handing a record to someone else is a function permission.
        return has_perm(actor, Perm.ASSIGN)
    # Sharing: the owner, or whoever may reassign it.
    user = active_user(actor)
    return user is not None and (getattr(obj, "owner_id", None) == user.pk or has_perm(user, Perm.ASSIGN))


def ensure(actor: Actor | None, action: Action, obj: Versioned) -> None:
    """Raise ``NotFound`` for invisible records and ``NotAllowed`` for refused actions."""
    if not _visible(actor, obj):
        raise NotFound(_("Not found."))
    if action != "view" and not can(actor, action, obj):
        raise NotAllowed(_("You may not do this to this record."))


def get_visible(actor: Actor | None, queryset: QuerySet[M], **lookup: Any) -> M:
    """Fetch one record through the scope; missing and hidden both raise ``NotFound``."""
    try:
        return scope(actor, queryset).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound(_("Not found.")) from None


# --- the system actor -------------------------------------------------------


def system_actor() -> User:
    """The named actor for background jobs and automation; it cannot log in."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"is_system": True, "display_name": "Guanxi system", "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
