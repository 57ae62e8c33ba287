"""Writes for handover (交接班): write a note to the next shift, accept or refuse it, and flag
notes nobody accepted in time.

The next shift is the school's next published shift by start time. Open items are snapshotted
when the note is written. Decisions are conditional UPDATEs from ``pending``: a double tap, or
the incoming teacher and guard deciding at once, changes the note once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logbook.models import HandoverNote, HandoverStatus
from logbook.queries.hazard import open_hazards_for_handover
from logbook.queries.visit import on_campus_for_school
from notifications.fanout import notify
from roster.models import RosterStatus, Shift
from staff.models import Role, Staff, User
from staff.queries import Actor

CLOCK_SLACK = timedelta(minutes=5)
NOTE_FIELDS = (
    "situation",
    "cctv",
    "alarm",
    "gate",
    "lighting",
    "equipment_note",
    "keys",
    "radios",
    "registers",
    "mail",
    "items_note",
    "follow_ups",
    "cautions",
    "room_tidy",
)


def next_shift(shift: Shift) -> Shift | None:
    """The school's next published shift by start time (across rosters: month ends too)."""
    return (
        Shift.objects.for_school(shift.roster.school_id)
        .filter(roster__status=RosterStatus.PUBLISHED, starts_at__gt=shift.starts_at)
        .select_related("shift_type", "roster__school")
        .order_by("starts_at", "pk")
        .first()
    )


def is_on(actor: Actor, shift: Shift) -> bool:
    return actor.staff is not None and shift.assignments.filter(staff=actor.staff).exists()


def _hazard_row(hazard) -> dict:
    """What the incoming shift needs to see of an open hazard, frozen at writing time."""
    display = getattr(hazard, "get_severity_display", None)
    status = getattr(hazard, "get_status_display", None)
    return {
        "id": hazard.pk,
        "code": str(getattr(hazard, "code", hazard.pk)),
        "location": str(getattr(hazard, "location", "")),
        "description": str(getattr(hazard, "description", ""))[:200],
        "severity": str(display()) if display else "",
        "status": str(status()) if status else "",
    }


def write_handover(
    *,
    from_shift: Shift,
    actor: Actor,
    situation: str,
    handed_over_at: datetime | None = None,
    now: datetime | None = None,
    **fields,
) -> HandoverNote:
    school = from_shift.roster.school
    if school.pk not in actor.school_ids:
        raise Http404
    if not is_on(actor, from_shift):
        raise PermissionDenied
    unknown = set(fields) - set(NOTE_FIELDS)
    if unknown:
        raise TypeError(f"unknown handover fields: {sorted(unknown)}")
    now = now or timezone.now()
    handed_over_at = handed_over_at or now
    to_shift = next_shift(from_shift)
    if to_shift is None:
        raise ValidationError(_("There is no next shift in a published roster to hand over to."))
    if now < from_shift.starts_at:
        raise ValidationError(_("This shift has not started yet."))
    if now >= to_shift.ends_at:
        raise ValidationError(_("The next shift is already over."))
    if handed_over_at > now + CLOCK_SLACK or handed_over_at < from_shift.starts_at:
        raise ValidationError(
            _("The handover time must be during this shift and not later than now.")
        )
    if not situation.strip():
        raise ValidationError(_("Describe this shift's situation."))
    with transaction.atomic(durable=True):
        live = HandoverNote.objects.select_for_update().filter(from_shift=from_shift)
        if live.exclude(status=HandoverStatus.REFUSED).exists():
            raise ValidationError(_("A handover for this shift has already been written."))
        note = HandoverNote.objects.create(
            school=school,
            from_shift=from_shift,
            to_shift=to_shift,
            written_by=actor.user,
            written_at=now,
            handed_over_at=handed_over_at,
            situation=situation.strip(),
            carried_hazards=[_hazard_row(h) for h in open_hazards_for_handover(school)],
            **{k: v.strip() if isinstance(v, str) else v for k, v in fields.items()},
        )
        note.carried_visits.set(on_campus_for_school(school))
        _notify(
            note,
            _incoming_people(note),
            "written",
            urgent=False,
            subject=_("Handover waiting for you: %(shift)s") % {"shift": _label(from_shift)},
            now=now,
        )
    return note


def accept_handover(
    *, note: HandoverNote, actor: Actor, now: datetime | None = None
) -> HandoverNote:
    """Someone on the incoming shift takes over; responsibility passes at this moment."""
    _require_incoming(note, actor)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        changed = HandoverNote.objects.filter(pk=note.pk, status=HandoverStatus.PENDING).update(
            status=HandoverStatus.ACCEPTED, decided_by=actor.user, decided_at=now
        )
        if not changed:
            raise ValidationError(_("This handover has already been answered."))
    note.refresh_from_db()
    return note


def refuse_handover(
    *, note: HandoverNote, actor: Actor, reason: str, now: datetime | None = None
) -> HandoverNote:
    """The incoming shift refuses to sign; the duty leader is told at once (urgent)."""
    _require_incoming(note, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for refusing."))
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        changed = HandoverNote.objects.filter(pk=note.pk, status=HandoverStatus.PENDING).update(
            status=HandoverStatus.REFUSED,
            decided_by=actor.user,
            decided_at=now,
            refusal_reason=reason[:2000],
            leader_told_at=now,
        )
        if not changed:
            raise ValidationError(_("This handover has already been answered."))
        who = actor.staff.name if actor.staff else actor.user.get_username()
        _notify(
            note,
            leaders_for(note, exclude=actor.staff),
            "refused",
            urgent=True,
            subject=_("Handover refused: %(shift)s") % {"shift": _label(note.to_shift)},
            body=_("%(name)s refused the handover from %(shift)s: %(reason)s")
            % {"name": who, "shift": _label(note.from_shift), "reason": reason},
            now=now,
        )
    note.refresh_from_db()
    return note


def flag_unacknowledged_handovers(*, now: datetime | None = None) -> int:
    """Tell the leader about each note still pending HANDOVER_ACK_MINUTES after the incoming
    shift began. ``flagged_at`` is claimed with a conditional UPDATE and the notice keyed per
    note, so concurrent or repeated runs tell the leader once."""
    now = now or timezone.now()
    grace = timedelta(minutes=getattr(settings, "HANDOVER_ACK_MINUTES", 30))
    due = HandoverNote.objects.filter(
        status=HandoverStatus.PENDING, flagged_at__isnull=True, to_shift__starts_at__lte=now - grace
    ).values_list("pk", flat=True)
    flagged = 0
    for pk in list(due):
        with transaction.atomic(durable=True):
            if not HandoverNote.objects.filter(
                pk=pk, status=HandoverStatus.PENDING, flagged_at__isnull=True
            ).update(flagged_at=now):
                continue
            note = HandoverNote.objects.select_related(*_RELATED).get(pk=pk)
            _notify(
                note,
                leaders_for(note),
                "unacknowledged",
                urgent=False,
                subject=_("Handover not yet accepted: %(shift)s")
                % {"shift": _label(note.to_shift)},
                body=_("Nobody on %(shift)s has accepted the handover from %(from)s.")
                % {"shift": _label(note.to_shift), "from": _label(note.from_shift)},
                now=now,
            )
            flagged += 1
    return flagged


# ---- helpers ---------------------------------------------------------------------------------

_RELATED = (
    "school",
    "from_shift__shift_type",
    "to_shift__shift_type",
    "from_shift__roster",
    "to_shift__roster",
)


def _require_incoming(note: HandoverNote, actor: Actor) -> None:
    if note.school_id not in actor.school_ids:
        raise Http404
    if not is_on(actor, note.to_shift):
        raise PermissionDenied


def _label(shift: Shift) -> str:
    start = timezone.localtime(shift.starts_at, timezone=_zone(shift.roster.school.time_zone))
    return f"{shift.date:%m-%d} {shift.shift_type.name} {start:%H:%M}"


def _zone(name: str):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)


def _incoming_people(note: HandoverNote) -> list[Staff]:
    return list(Staff.objects.filter(assignments__shift=note.to_shift, active=True).distinct())


def leaders_for(note: HandoverNote, *, exclude: Staff | None = None) -> list[Staff]:
    """The duty leaders of the incoming and outgoing shifts; if neither has one, the school's
    leaders. The person who acted is left out unless nobody else is left."""
    on_duty = Staff.objects.filter(
        assignments__shift__in=[note.to_shift_id, note.from_shift_id],
        assignments__role=Role.LEADER,
        active=True,
    ).distinct()
    for rows in (on_duty, Staff.objects.for_school(note.school_id).active().with_role(Role.LEADER)):
        people = list(rows)
        others = [p for p in people if exclude is None or p.pk != exclude.pk]
        if others or people:
            return others or people
    return []


def _notify(
    note: HandoverNote,
    people: Iterable[Staff],
    occasion: str,
    *,
    subject: str,
    body: str = "",
    urgent: bool,
    now: datetime,
) -> None:
    user_ids = [p.user_id for p in people if p.user_id]
    if not user_ids:
        return
    notify(
        school=note.school,
        recipients=User.objects.filter(pk__in=user_ids),
        event=f"handover:{note.pk}:{occasion}",
        subject=subject[:200],
        body=body,
        url=reverse("logbook:handover-detail", args=[note.pk]),
        urgent=urgent,
        now=now,
    )
