"""Reads for handover (交接班) and its permission choke-points.

A note is seen by the people on its two shifts and by the office and leaders (admin, principal,
leader) of its school; it is decided only by someone on the incoming shift. Carried visitors'
names are shown only to the roles that see visitors (queries/visit.py).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from logbook.models import HandoverNote, HandoverStatus
from logbook.queries.visit import can_see_visitors
from logbook.services.handover import is_on, next_shift
from roster.models import RosterStatus, Shift
from staff.models import Role
from staff.queries import Actor

OVERSIGHT_ROLES = (Role.ADMIN, Role.PRINCIPAL, Role.LEADER)
# The incoming shift sees a note waiting for it from this long before its start (people arrive
# early; handover happens in the outgoing shift's last 30 minutes).
INCOMING_LEAD = timedelta(hours=2)
_RELATED = (
    "school",
    "from_shift__shift_type",
    "from_shift__roster__school",
    "to_shift__shift_type",
    "to_shift__roster__school",
    "written_by__staff",
    "decided_by__staff",
)


def get_handover_for_user(actor: Actor, pk: int, *, action: str = "view") -> HandoverNote:
    """``action`` is "view" (either shift, or the office and leaders) or "decide" (someone on
    the incoming shift). Another school's note is a 404."""
    note = (
        HandoverNote.objects.select_related(*_RELATED)
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )
    if note is None or actor.staff is None:
        raise Http404
    incoming = is_on(actor, note.to_shift)
    allowed = {
        "decide": incoming,
        "view": incoming or is_on(actor, note.from_shift) or actor.has_any(*OVERSIGHT_ROLES),
    }
    if not allowed[action]:
        raise PermissionDenied
    return note


def get_shift_for_handover(actor: Actor, pk: int) -> Shift:
    """A shift the actor may write the handover of: one they are on, in their school."""
    shift = (
        Shift.objects.select_related("shift_type", "roster__school")
        .filter(pk=pk, roster__school__in=actor.school_ids, roster__status=RosterStatus.PUBLISHED)
        .first()
    )
    if shift is None or actor.staff is None:
        raise Http404
    if not is_on(actor, shift):
        raise PermissionDenied
    return shift


def handover_detail(note: HandoverNote, actor: Actor) -> dict:
    show_visitors = can_see_visitors(actor)
    visits = list(note.carried_visits.select_related("host").order_by("time_in", "pk"))
    return {
        "note": note,
        "visits": visits if show_visitors else [],
        "visit_count": len(visits),
        "show_visitors": show_visitors,
        "can_decide": note.status == HandoverStatus.PENDING and is_on(actor, note.to_shift),
    }


def live_note_from(shift: Shift) -> HandoverNote | None:
    return (
        HandoverNote.objects.filter(from_shift=shift)
        .exclude(status=HandoverStatus.REFUSED)
        .select_related("to_shift__shift_type")
        .first()
    )


def now_panel(*, actor, shift) -> dict | None:
    """Context for this sub-domain's panel on the "on duty now" page (template
    logbook/handover/_now_panel.html), or None to show no panel. shift may be None.

    Outgoing: the note written from ``shift`` (or a button to write it) when the actor is on
    it. Incoming: notes addressed to any shift the actor is on that has not ended and starts
    within INCOMING_LEAD, whatever ``shift`` is."""
    if actor.staff is None:
        return None
    now = timezone.now()
    outgoing = None
    if shift is not None and is_on(actor, shift):
        outgoing = {"shift": shift, "note": live_note_from(shift), "next": next_shift(shift)}
    incoming = list(
        HandoverNote.objects.filter(
            Q(to_shift__assignments__staff=actor.staff),
            to_shift__ends_at__gt=now,
            to_shift__starts_at__lte=now + INCOMING_LEAD,
        )
        .exclude(status=HandoverStatus.REFUSED)
        .select_related("from_shift__shift_type", "to_shift__shift_type", "written_by__staff")
        .distinct()
        .order_by("-handed_over_at")
    )
    if outgoing is None and not incoming:
        return None
    return {"outgoing": outgoing, "incoming": incoming, "school": actor.school}
