"""Reads for the duty log and the "on duty now" page, and their permission choke-points.

Who reads a log: the people on its shift, and the school's leaders, principal and office
(admin). Anyone else — another school, a teacher who was not on that shift, a bureau
official — gets 404, so ids reveal nothing. Writing needs to be on the shift or a leader.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404

from logbook.models import CONTENT_FIELDS, DutyLog, LogRevision, PostCheck
from logbook.services.log import (
    OPENS_BEFORE,
    may_sign,
    may_write,
    on_shift,
    settings_for,
    submit_deadline,
)
from roster.checkin import ARRIVE_BEFORE, checkin_of, checkin_required, window_open
from roster.models import Assignment, RosterStatus, Shift
from roster.reminders import settings_for as roster_settings_for
from staff.models import Role

LOG_READERS = frozenset({Role.LEADER, Role.PRINCIPAL, Role.ADMIN})
BEHIND = timedelta(hours=6)  # "on duty now" also shows duties that ended in the last 6 hours
AHEAD = timedelta(hours=12)  # and those starting in the next 12
PANELS = ("patrol", "hazard", "visit", "handover")
SCHOOL_WIDE = {"visit"}
ROLE_ORDER = {value: i for i, (value, _label) in enumerate(Role.choices)}


def _people():
    return Assignment.objects.select_related("staff", "checkin").order_by("staff__name")


def _readable(actor, shift: Shift) -> bool:
    return on_shift(actor, shift) or bool(actor.roles & LOG_READERS)


def get_log_for_user(actor, pk: int, *, write: bool = False) -> DutyLog:
    log = (
        DutyLog.objects.select_related(
            "shift__shift_type", "shift__roster__school", "school", "author", "submitted_by",
            "signed_by",
        )
        .prefetch_related(Prefetch("shift__assignments", queryset=_people()))
        .filter(pk=pk, school__in=actor.school_ids)
        .first()
    )  # fmt: skip
    if log is None or not _readable(actor, log.shift):
        raise Http404
    if write and not may_write(actor, log.shift):
        raise PermissionDenied
    return log


def get_shift_for_user(actor, pk: int) -> Shift:
    """A shift of a published roster in the actor's school that they are on or lead, or 404."""
    shift = (
        Shift.objects.select_related("shift_type", "roster__school")
        .prefetch_related(Prefetch("assignments", queryset=_people()))
        .filter(pk=pk, roster__school__in=actor.school_ids, roster__status=RosterStatus.PUBLISHED)
        .first()
    )
    if shift is None or not _readable(actor, shift):
        raise Http404
    return shift


# ---- the log page -------------------------------------------------------------------------------


def field_label(name: str) -> str:
    return str(DutyLog._meta.get_field(name).verbose_name)


def log_page(log: DutyLog, actor, now: datetime) -> dict:
    """Everything the log page shows; a fixed number of queries."""
    amendments = list(log.amendments.select_related("author"))
    by_field: dict[str, list] = {}
    for amendment in amendments:
        by_field.setdefault(amendment.field, []).append(amendment)
    fields = [
        {
            "name": name,
            "label": field_label(name),
            "value": getattr(log, name),
            "amendments": by_field.get(name, []),
        }
        for name in CONTENT_FIELDS
    ]
    sees_history = bool(actor.roles & LOG_READERS)
    revisions = LogRevision.objects.filter(log=log).select_related("actor__staff")
    history = [_history_row(r) for r in revisions.order_by("at", "pk")] if sees_history else []
    checks = list(PostCheck.objects.filter(shift=log.shift).select_related("leader"))
    return {
        "log": log,
        "shift": log.shift,
        "school": log.school,
        "fields": fields,
        "people": _people_rows(log.shift),
        "history": history,
        "sees_history": sees_history,
        "can_write": may_write(actor, log.shift),
        "can_sign": may_sign(actor, log.shift) and log.status == "submitted",
        "deadline": submit_deadline(log),
        "shift_ended": now > log.shift.ends_at,
        "post_checks": checks,
        "post_checks_expected": settings_for(log.school).post_checks_expected,
        "can_check_posts": bool(actor.roles & {Role.LEADER, Role.PRINCIPAL}),
        "amendable": [(name, field_label(name)) for name in CONTENT_FIELDS],
    }


def _history_row(revision: LogRevision) -> dict:
    changes = []
    for name, pair in (revision.changes or {}).items():
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label = field_label(name) if name in CONTENT_FIELDS else name
        changes.append({"label": label, "before": before, "after": after})
    staff = getattr(revision.actor, "staff", None) if revision.actor_id else None
    return {"revision": revision, "who": staff.name if staff else "", "changes": changes}


def _people_rows(shift: Shift) -> list[dict]:
    rows = [
        {"assignment": a, "staff": a.staff, "arrived_at": _arrival(a)}
        for a in shift.assignments.all()
    ]
    return sorted(rows, key=lambda r: (ROLE_ORDER.get(r["assignment"].role, 99), r["staff"].name))


def _arrival(assignment: Assignment):
    record = checkin_of(assignment)
    return record.checked_in_at if record else None


# ---- "on duty now" ------------------------------------------------------------------------------


def now_page(actor, now: datetime) -> dict:
    """The viewer's duties from 6 hours ago to 12 hours ahead (and, for leaders, every shift of
    the school on duty now), each with check-in, its log, post checks and the sub-domains'
    panels. A fixed number of queries of its own, whatever the school's size."""
    staff = actor.staff
    if staff is None:
        return {"rows": [], "panels": _panels(actor, None)}
    mine = Q(assignments__staff=staff, ends_at__gt=now - BEHIND, starts_at__lt=now + AHEAD)
    leads = bool(actor.roles & {Role.LEADER, Role.PRINCIPAL})
    if leads:
        mine |= Q(roster__school=staff.school_id, starts_at__lte=now, ends_at__gt=now)
    shift_ids = (
        Shift.objects.filter(mine, roster__status=RosterStatus.PUBLISHED).values("pk").distinct()
    )
    shifts = list(
        Shift.objects.filter(pk__in=shift_ids)
        .select_related("shift_type", "roster__school")
        .prefetch_related(
            Prefetch("assignments", queryset=_people()),
            Prefetch("duty_logs", queryset=DutyLog.objects.only("pk", "shift_id", "status")),
            Prefetch("post_checks", queryset=PostCheck.objects.only("pk", "shift_id")),
        )
        .order_by("starts_at", "shift_type__start_time")
    )
    duty_settings = roster_settings_for(staff.school)
    log_settings = settings_for(staff.school)
    shown: set[str] = set()  # school-wide panels already on the page
    rows = [
        _now_row(actor, shift, now, duty_settings, log_settings, leads, shown) for shift in shifts
    ]
    return {"rows": rows, "panels": [] if rows else _panels(actor, None)}


def _now_row(
    actor, shift: Shift, now, duty_settings, log_settings, leads: bool, shown: set[str]
) -> dict:
    mine = next((a for a in shift.assignments.all() if a.staff_id == actor.staff.pk), None)
    needs_checkin = mine is not None and checkin_required(actor.roles, duty_settings)
    arrived = _arrival(mine) if mine is not None else None
    if shift.starts_at <= now < shift.ends_at:
        when = "now"
    elif shift.starts_at > now:
        when = "next"
    else:
        when = "ended"
    return {
        "shift": shift,
        "when": when,
        "mine": mine,
        "people": _people_rows(shift),
        "needs_checkin": needs_checkin,
        "arrived_at": arrived,
        "can_check_in": needs_checkin and arrived is None and window_open(shift, now),
        "arrive_by": shift.starts_at - ARRIVE_BEFORE,
        "log": next(iter(shift.duty_logs.all()), None),
        "can_open_log": may_write(actor, shift) and now >= shift.starts_at - OPENS_BEFORE,
        "post_checks": len(shift.post_checks.all()),
        "post_checks_expected": log_settings.post_checks_expected,
        "can_check_posts": leads and now >= shift.starts_at - OPENS_BEFORE and now <= shift.ends_at,
        "panels": _panels(actor, shift, shown),
    }


def _panels(actor, shift, shown: set[str] | None = None) -> list[dict]:
    """The sub-domains' panels for one row; a school-wide panel (visitors on campus) only with
    the first row that has it, so a leader with several shifts sees it once."""
    panels = []
    for sub in PANELS:
        if shown is not None and sub in SCHOOL_WIDE and sub in shown:
            continue
        panel = import_module(f"logbook.queries.{sub}").now_panel(actor=actor, shift=shift)
        if isinstance(panel, dict):
            panels.append({"template": f"logbook/{sub}/_now_panel.html", "panel": panel})
            if shown is not None and sub in SCHOOL_WIDE:
                shown.add(sub)
    return panels
