"""Slots on the 360° page that later modules fill: side panels and header figures.

A module fills a slot with ``register_panel`` in its own ``panels.py`` (imported on first use,
like ``admin.py``): the page then loads that module's fragment lazily with htmx from
``url_name`` (a URL that takes the customer's id as ``pk``). Slots nobody fills show an honest
"not available yet", never made-up figures. ``permission`` names a function permission
(``accounts.models.Perm``) the viewer needs to see the panel at all; the panel's own view still
decides what the viewer may read, through ``accounts.access``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.urls import reverse
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from guanxi.accounts import access

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

    from guanxi.accounts.models import User
    from guanxi.customers.models import Customer

Area = Literal["side", "header"]


@dataclass(frozen=True)
class Slot:
    name: str
    title: StrOrPromise
    area: Area
    order: int


@dataclass(frozen=True)
class Panel:
    slot: str
    url_name: str
    title: StrOrPromise | None = None
    permission: str | None = None


@dataclass(frozen=True)
class PanelView:
    """What the page renders for one slot: a lazy fragment URL, or nothing yet."""

    slot: str
    title: str
    url: str

    @property
    def available(self) -> bool:
        return bool(self.url)


SLOTS: dict[str, Slot] = {
    slot.name: slot
    for slot in (
        Slot("opportunities", _("Opportunities"), "side", 10),
        Slot("contracts", _("Contracts"), "side", 20),
        Slot("payments", _("Payments"), "side", 30),
        Slot("tickets", _("Service tickets"), "side", 40),
        Slot("value", _("Value"), "header", 10),
        Slot("grade", _("Grade"), "header", 20),
        Slot("lifecycle", _("Lifecycle stage"), "header", 30),
    )
}

_panels: dict[str, Panel] = {}
_discovered = False


def register_panel(
    slot: str, *, url_name: str, title: StrOrPromise | None = None, permission: str | None = None
) -> None:
    """Fill ``slot`` with the fragment at ``url_name``; one module per slot."""
    if slot not in SLOTS:
        raise ValueError(f"no slot {slot!r} on the customer page; slots are {', '.join(SLOTS)}")
    panel = Panel(slot=slot, url_name=url_name, title=title, permission=permission)
    if _panels.get(slot, panel) != panel:
        raise ValueError(f"the slot {slot!r} is filled already")
    _panels[slot] = panel


def registered_panels() -> dict[str, Panel]:
    global _discovered  # the apps' modules are imported once per process
    if not _discovered:
        autodiscover_modules("panels")
        _discovered = True
    return dict(_panels)


def customer_panels(*, actor: User, customer: Customer, area: Area) -> list[PanelView]:
    """The slots of one area in page order: filled ones with their URL, the others empty."""
    panels = registered_panels()
    views = []
    for slot in sorted((s for s in SLOTS.values() if s.area == area), key=lambda s: s.order):
        panel = panels.get(slot.name)
        if panel is not None and panel.permission is not None and not access.has_perm(actor, panel.permission):
            continue
        title = str(panel.title or slot.title) if panel else str(slot.title)
        url = reverse(panel.url_name, kwargs={"pk": customer.pk}) if panel else ""
        views.append(PanelView(slot=slot.name, title=title, url=url))
    return views
