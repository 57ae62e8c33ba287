"""Navigation built from the actor's roles, so templates hold no permission logic.

``nav_items_for`` is the flat list of pages a person may open (the home page lists them too);
``nav_menu`` arranges it for the bar: the pages used every shift at the top, the rest in two
menus (records, management) so the bar stays on one line on a desktop.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from staff.models import Role
from staff.queries import get_actor

VISIT_ROLES = (Role.TEACHER, Role.GUARD, Role.LEADER, Role.PRINCIPAL, Role.ADMIN)
LEADERSHIP_ROLES = (Role.PRINCIPAL, Role.LEADER, Role.ADMIN)
RECORDS, MANAGE = "records", "manage"
GROUP_LABELS = {RECORDS: _("Records"), MANAGE: _("Manage")}


def _item(label, url_name: str, key: str, group: str | None = None) -> dict:
    return {"label": label, "url": reverse(url_name), "key": key, "group": group}


def nav_items_for(actor) -> list[dict]:
    items = [_item(_("Home"), "home", "home")]
    if actor.staff is not None:
        items.append(_item(_("On duty now"), "logbook:now", "now"))
        items.append(_item(_("Today's duty"), "roster:today", "today"))
        items.append(_item(_("Incidents"), "incidents:list", "incidents"))
        items.append(_item(_("Duty rosters"), "roster:list", "roster", RECORDS))
        items.append(_item(_("Hazards"), "logbook:hazards", "hazards", RECORDS))
        items.append(_item(_("Assessment"), "assessment:home", "assessment", RECORDS))
    if actor.has_any(*VISIT_ROLES):
        items.append(_item(_("Visitors"), "logbook:visits", "visits", RECORDS))
    if actor.has_any(*LEADERSHIP_ROLES):
        items.append(_item(_("Daily report"), "logbook:daily", "daily", RECORDS))
        items.append(_item(_("Duty logs"), "logbook:log-archive", "archive", RECORDS))
    if actor.can_read_directory():
        items.append(
            _item(_("Staff directory"), "staff:list", "staff", None if actor.is_bureau else MANAGE)
        )
    if actor.has_any(Role.ADMIN):
        items.append(_item(_("Import staff"), "staff:import", "staff-import", MANAGE))
        items.append(_item(_("Patrol checklists"), "logbook:checklists", "checklists", MANAGE))
        items.append(_item(_("Holiday filing"), "roster:filings", "filing", MANAGE))
        # The log links to the channel settings and the system status page.
        items.append(_item(_("Delivery log"), "notifications:log", "log", MANAGE))
    if actor.is_bureau:
        items.append(_item(_("Schools"), "staff:schools", "schools"))
        items.append(_item(_("Duty filings"), "roster:bureau-filings", "filing"))
        items.append(_item(_("Daily reports"), "logbook:bureau-daily", "daily"))
        items.append(_item(_("Incidents"), "incidents:bureau", "incidents"))
    if actor.user.is_staff:
        items.append(_item(_("Site administration"), "admin:index", "admin", MANAGE))
    return items


def nav_menu(items: list[dict]) -> list[dict]:
    """Top-level entries and menus. A menu with a single page becomes a plain entry."""
    groups: dict[str, list[dict]] = {}
    for item in items:
        if item["group"]:
            groups.setdefault(item["group"], []).append(item)
    menu, placed = [], set()
    for item in items:
        group = item["group"]
        if group is None or len(groups[group]) == 1:
            menu.append(item)
        elif group not in placed:
            placed.add(group)
            children = groups[group]
            menu.append({
                "label": GROUP_LABELS[group],
                "key": group,
                "children": children,
                "child_keys": [child["key"] for child in children],
                "child_urls": [child["url"] for child in children],
            })  # fmt: skip
    return menu


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": []}
    actor = get_actor(request)
    items = nav_items_for(actor)
    return {"nav_items": items, "nav_menu": nav_menu(items), "actor": actor}
