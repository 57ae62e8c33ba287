"""Reads for the visitor register, and its permission choke-point.

Visitors' personal data is shown only to VISIT_ROLES (the gate and the duty staff); technical
support and bureau officials see none of it.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max, QuerySet
from django.http import Http404

from logbook import crypto
from logbook.idcard import normalize_id_number
from logbook.models import Visit
from logbook.services.visit import FULL_ID_ROLES, VISIT_ROLES
from staff.queries import Actor

PANEL_LIMIT = 20


def can_see_visitors(actor: Actor) -> bool:
    return actor.staff is not None and actor.has_any(*VISIT_ROLES)


def can_reveal(actor: Actor) -> bool:
    return actor.has_any(*FULL_ID_ROLES)


def require_visitors(actor: Actor) -> None:
    if not can_see_visitors(actor):
        raise PermissionDenied


def day_bounds(tz: str, day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight, aware."""
    zone = zoneinfo.ZoneInfo(tz)
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return start, end


def get_visit_for_user(actor: Actor, pk: int) -> Visit:
    visit = (
        Visit.objects.select_related("school", "host", "registered_by__staff")
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )
    if visit is None:
        raise Http404
    require_visitors(actor)
    return visit


def visits_on(actor: Actor, day: date) -> QuerySet[Visit]:
    """The register page: the actor's school's visits that came in on ``day``, newest first."""
    require_visitors(actor)
    start, end = day_bounds(actor.school.time_zone, day)
    return (
        Visit.objects.filter(school=actor.school, time_in__gte=start, time_in__lt=end)
        .select_related("host")
        .order_by("-time_in", "-pk")
    )


def on_campus(actor: Actor, *, before: datetime | None = None) -> QuerySet[Visit]:
    """Visitors signed in and not out, oldest first; with ``before``, only those who came in
    before that moment (the end of a shift)."""
    require_visitors(actor)
    rows = Visit.objects.for_school(actor.school).on_campus()
    if before is not None:
        rows = rows.filter(time_in__lt=before)
    return rows.select_related("host").order_by("time_in", "pk")


def on_campus_for_school(school, *, before: datetime | None = None) -> QuerySet[Visit]:
    """The same list without an actor, for the handover snapshot."""
    rows = Visit.objects.for_school(school).on_campus()
    if before is not None:
        rows = rows.filter(time_in__lt=before)
    return rows.order_by("time_in", "pk")


def visit_history(actor: Actor, *, id_type: str, id_number: str) -> dict | None:
    """ "Has this person visited before": count and last visit of the same document in the
    actor's school, found through the keyed HMAC. None when the number is not valid yet."""
    require_visitors(actor)
    try:
        number = normalize_id_number(id_type, id_number)
    except ValidationError:
        return None
    lookup = crypto.lookup_hmac(id_type, number)
    rows = Visit.objects.filter(school=actor.school, id_lookup=lookup, purged_at__isnull=True)
    summary = rows.aggregate(count=Count("pk"), last=Max("time_in"))
    if not summary["count"]:
        return {"count": 0}
    last = rows.order_by("-time_in", "-pk").only("name", "time_in").first()
    return {"count": summary["count"], "last_at": summary["last"], "last_name": last.name}


def now_panel(*, actor, shift) -> dict | None:
    """Context for this sub-domain's panel on the "on duty now" page (template
    logbook/visit/_now_panel.html), or None to show no panel. shift may be None.

    The panel lists visitors still on campus (with a sign-out button each); with a shift, those
    who came in before it ends: who will still be here at shift end unless signed out."""
    if not can_see_visitors(actor):
        return None
    rows = list(on_campus(actor, before=shift.ends_at if shift else None)[: PANEL_LIMIT + 1])
    return {
        "visits": rows[:PANEL_LIMIT],
        "more": len(rows) > PANEL_LIMIT,
        "shift": shift,
        "school": actor.school,
    }
