"""Stated availability (不可值班 / 尽量不排): the one write path, the page reads, and the shape
auto-generation passes to the solver.

A person states their word on future dates only. "Unavailable" is hard for the solver and
"prefer not" is soft; neither touches the rules engine, so a date inside a published roster is
allowed but changes nothing there until the roster is generated again — a published duty needs
leave (请假).
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from roster.models import Assignment, DutyPreference, Roster, RosterStatus
from roster.rules import Plan
from staff.models import School, Staff

AVAILABLE = "available"  # no row: the default
KINDS = frozenset({AVAILABLE, *DutyPreference.Kind.values})
# How far ahead a person may state anything: a school year is plenty, and it bounds the table.
HORIZON = timedelta(days=400)


def school_today(school: School) -> date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(school.time_zone))


def _check(*, staff: Staff, day: date, actor, today: date | None) -> None:
    if actor.staff is None or (actor.staff.pk != staff.pk and not actor.can_admin(staff.school_id)):
        raise PermissionDenied
    today = today or school_today(staff.school)
    if day <= today:
        raise ValidationError(_("Availability can be stated for future dates only."))
    if day > today + HORIZON:
        raise ValidationError(_("That date is too far ahead."))


def set_duty_preference(
    *, staff: Staff, day: date, kind: str, note: str = "", actor, today: date | None = None
) -> DutyPreference | None:
    """Record ``staff``'s word on ``day``: ``unavailable``, ``prefer_not``, or ``available``
    (which removes any earlier word). Returns the row, or None when the day is available."""
    if kind not in KINDS:
        raise ValidationError(_("Choose available, prefer not or unavailable."))
    _check(staff=staff, day=day, actor=actor, today=today)
    if kind == AVAILABLE:
        remove_duty_preference(staff=staff, day=day, actor=actor, today=today)
        return None
    with transaction.atomic(durable=True):
        row, _created = DutyPreference.objects.update_or_create(
            staff=staff,
            date=day,
            defaults={"school_id": staff.school_id, "kind": kind, "note": note.strip()[:200]},
        )
    return row


def remove_duty_preference(*, staff: Staff, day: date, actor, today: date | None = None) -> bool:
    """Forget ``staff``'s word on ``day`` (back to available). True if there was one."""
    _check(staff=staff, day=day, actor=actor, today=today)
    deleted, _rows = DutyPreference.objects.filter(staff=staff, date=day).delete()
    return bool(deleted)


# ---- reads ------------------------------------------------------------------------------------


@dataclass
class Day:
    date: date
    open: bool  # in the future and within the horizon: the person may state something
    preference: DutyPreference | None
    published: bool  # inside a published roster of the school
    duty: Assignment | None  # the person's duty that day in a published roster


WEEKS = 6  # one page: six weeks from a Monday, about a month and a half


def window_of(day: date | None, today: date) -> date:
    """The Monday the page starts on: pages are six-week blocks counted from this week, so a
    day is always on the same page; ``day`` None or out of range gives the first page."""
    this_monday = today - timedelta(days=today.weekday())
    if day is None or day < this_monday or day > today + HORIZON:
        return this_monday
    return this_monday + timedelta(weeks=WEEKS * ((day - this_monday).days // (7 * WEEKS)))


def my_weeks(staff: Staff, monday: date, today: date) -> dict:
    """The availability page: six weeks from ``monday``, each day with the person's word,
    whether a published roster covers it, and their duty that day. Three queries whatever the
    data."""
    start, end = monday, monday + timedelta(weeks=WEEKS, days=-1)
    words = {
        p.date: p for p in DutyPreference.objects.filter(staff=staff, date__range=(start, end))
    }
    published = list(
        Roster.objects.filter(
            school_id=staff.school_id, status=RosterStatus.PUBLISHED,
            start_date__lte=end, end_date__gte=start,
        ).values_list("start_date", "end_date")
    )  # fmt: skip
    duties = {
        a.shift.date: a
        for a in Assignment.objects.filter(
            staff=staff, shift__roster__status=RosterStatus.PUBLISHED,
            shift__date__range=(start, end),
        ).select_related("shift__shift_type")
    }  # fmt: skip
    last = today + HORIZON
    days = [
        Day(
            date=d,
            open=today < d <= last,
            preference=words.get(d),
            published=any(a <= d <= b for a, b in published),
            duty=duties.get(d),
        )
        for d in (start + timedelta(days=n) for n in range((end - start).days + 1))
    ]
    this_monday = today - timedelta(days=today.weekday())
    later = monday + timedelta(weeks=WEEKS)
    return {
        "start": start,
        "end": end,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "previous": monday - timedelta(weeks=WEEKS) if monday > this_monday else None,
        "next": later if later <= last else None,
    }


def school_preferences(roster: Roster):
    """Everyone's word on the dates of ``roster``'s period, by date then name: one query."""
    return (
        DutyPreference.objects.filter(
            school_id=roster.school_id, date__range=(roster.start_date, roster.end_date)
        )
        .select_related("staff")
        .order_by("date", "staff__name", "staff_id")
    )


def school_overview(roster: Roster) -> dict:
    """The overview page: one row per date that anyone stated something for, and per person
    how many dates of each kind."""
    rows = list(school_preferences(roster))
    by_date: dict[date, list[DutyPreference]] = defaultdict(list)
    people: dict[int, dict] = {}
    for row in rows:
        by_date[row.date].append(row)
        person = people.setdefault(
            row.staff_id, {"staff": row.staff, "unavailable": 0, "prefer_not": 0}
        )
        person[row.kind] += 1
    return {
        "dates": sorted(by_date.items()),
        "people": sorted(people.values(), key=lambda p: (p["staff"].name, p["staff"].pk)),
        "count": len(rows),
    }


def solver_preferences(roster: Roster, plan: Plan) -> dict[int, dict[str, list]]:
    """The stated words for ``roster``'s period in the shape ``roster.solver.solve`` expects:
    ``{person_id: {"unavailable": [date, ...], "prefer_not": [shift_id, ...]}}``. A shift
    belongs to the date it starts on, so "prefer not" on a date covers the shifts starting
    then. People not in the plan (inactive) are left out."""
    shifts_on: dict[date, list[int]] = defaultdict(list)
    for shift in plan.shifts.values():
        shifts_on[shift.date].append(shift.id)
    found: dict[int, dict[str, list]] = {}
    rows = DutyPreference.objects.filter(
        school_id=roster.school_id, date__range=(roster.start_date, roster.end_date)
    ).values_list("staff_id", "date", "kind")
    for staff_id, day, kind in rows:
        if staff_id not in plan.people:
            continue
        mine = found.setdefault(staff_id, {"unavailable": [], "prefer_not": []})
        if kind == DutyPreference.Kind.UNAVAILABLE:
            mine["unavailable"].append(day)
        else:
            mine["prefer_not"].extend(sorted(shifts_on.get(day, ())))
    return found
