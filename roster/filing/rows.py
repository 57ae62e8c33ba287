"""The frozen rows of a filing: one per date, copied from the published roster."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from roster.excel import WEEKDAYS
from roster.models import Assignment, RosterStatus, Shift
from roster.timing import crosses_midnight
from staff.models import Role, School

LEADER_ROLES = frozenset({Role.LEADER, Role.PRINCIPAL})
JOIN = "、"


def _person(staff) -> dict:
    return {"name": staff.name, "position": staff.position, "phone": staff.phone}


def build_rows(school: School, start: date, end: date) -> list[dict]:
    """One row per date from the published roster; refuses a day that cannot be filed."""
    shifts = list(
        Shift.objects.filter(roster__school=school, date__range=(start, end))
        .select_related("roster", "shift_type")
        .order_by("date", "starts_at")
    )
    assignments = defaultdict(list)
    for a in (
        Assignment.objects.filter(shift__in=shifts).select_related("staff").order_by("staff__name")
    ):
        assignments[a.shift_id].append(a)
    by_day = defaultdict(list)
    for shift in shifts:
        by_day[shift.date].append(shift)
    rows, problems = [], []
    day = start
    while day <= end:
        row, problem = _row_for(day, by_day[day], assignments)
        rows.append(row)
        if problem:
            problems.append(problem)
        day += timedelta(days=1)
    if problems:
        raise ValidationError(problems)
    return rows


def _row_for(day: date, shifts: list[Shift], assignments) -> tuple[dict, str]:
    label = f"{day:%Y-%m-%d}"
    if not shifts:
        return {}, _("No roster covers %(date)s.") % {"date": label}
    if any(s.roster.status != RosterStatus.PUBLISHED for s in shifts):
        return {}, _("The roster for %(date)s is not published yet.") % {"date": label}
    leaders, staff, night, seen = [], [], [], set()
    for shift in shifts:
        overnight = crosses_midnight(shift.shift_type.start_time, shift.shift_type.duration_minutes)
        for a in assignments[shift.pk]:
            if a.role in LEADER_ROLES:
                if a.staff_id not in seen:
                    leaders.append(_person(a.staff))
                seen.add(a.staff_id)
                continue
            staff.append({**_person(a.staff), "role": a.role})
            if overnight:
                night.append({**_person(a.staff), "role": a.role})
    guards = [p for p in night if p["role"] == Role.GUARD]
    row = {
        "date": day.isoformat(),
        "weekday": WEEKDAYS[day.weekday()],
        "leader": JOIN.join(p["name"] for p in leaders),
        "leader_post": JOIN.join(p["position"] for p in leaders if p["position"]),
        "leader_phone": JOIN.join(p["phone"] for p in leaders),
        "leaders": leaders,
        "staff": _unique(staff),
        "night": _unique(guards or night),
    }
    if not leaders:
        return row, _("%(date)s has no duty leader (带班领导).") % {"date": label}
    if not staff:
        return row, _("%(date)s has no one on duty (值班人员).") % {"date": label}
    return row, ""


def _unique(people: list[dict]) -> list[dict]:
    out, seen = [], set()
    for p in people:
        if p["phone"] not in seen:
            seen.add(p["phone"])
            out.append({"name": p["name"], "phone": p["phone"]})
    return out


def people_text(people: list[dict]) -> str:
    return JOIN.join(f"{p['name']}({p['phone']})" for p in people)
