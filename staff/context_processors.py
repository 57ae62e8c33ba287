"""Navigation built from the actor's roles, so templates hold no permission logic."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from staff.models import Role
from staff.queries import get_actor

VISIT_ROLES = (Role.TEACHER, Role.GUARD, Role.LEADER, Role.PRINCIPAL, Role.ADMIN)
LEADERSHIP_ROLES = (Role.PRINCIPAL, Role.LEADER, Role.ADMIN)


def nav_items_for(actor) -> list[dict]:
    items = [{"label": _("Home"), "url": reverse("home"), "key": "home"}]
    if actor.staff is not None:
        items.append({"label": _("Duty rosters"), "url": reverse("roster:list"), "key": "roster"})
        items.append({"label": _("Today's duty"), "url": reverse("roster:today"), "key": "today"})
        items.append({"label": _("On duty now"), "url": reverse("logbook:now"), "key": "now"})
        items.append({"label": _("Hazards"), "url": reverse("logbook:hazards"), "key": "hazards"})
        items.append(
            {"label": _("Incidents"), "url": reverse("incidents:list"), "key": "incidents"}
        )
    if actor.has_any(*VISIT_ROLES):
        items.append({"label": _("Visitors"), "url": reverse("logbook:visits"), "key": "visits"})
    if actor.has_any(*LEADERSHIP_ROLES):
        items.append({"label": _("Daily report"), "url": reverse("logbook:daily"), "key": "daily"})
        items.append({"label": _("Duty logs"), "url": reverse("logbook:archive"), "key": "archive"})
    if actor.can_read_directory():
        items.append({"label": _("Staff directory"), "url": reverse("staff:list"), "key": "staff"})
    if actor.has_any(Role.ADMIN):
        items.append(
            {"label": _("Import staff"), "url": reverse("staff:import"), "key": "staff-import"}
        )
        # The log links to the channel settings: one item keeps the bar on one line.
        items.append(
            {"label": _("Delivery log"), "url": reverse("notifications:log"), "key": "log"}
        )
        items.append(
            {"label": _("Holiday filing"), "url": reverse("roster:filings"), "key": "filing"}
        )
        items.append(
            {
                "label": _("Patrol checklists"),
                "url": reverse("logbook:checklists"),
                "key": "checklists",
            }
        )
    if actor.is_bureau:
        items.append({"label": _("Schools"), "url": reverse("staff:schools"), "key": "schools"})
        items.append(
            {"label": _("Duty filings"), "url": reverse("roster:bureau-filings"), "key": "filing"}
        )
        items.append(
            {"label": _("Daily reports"), "url": reverse("logbook:bureau-daily"), "key": "daily"}
        )
        items.append(
            {"label": _("Incidents"), "url": reverse("incidents:bureau"), "key": "incidents"}
        )
    if actor.user.is_staff:
        items.append(
            {"label": _("Site administration"), "url": reverse("admin:index"), "key": "admin"}
        )
    return items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    actor = get_actor(request)
    return {"nav_items": nav_items_for(actor), "actor": actor}
