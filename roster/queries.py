"""Reads for rosters, and the plan the rules engine checks."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum

from roster.calendar import school_calendar
from roster.models import Assignment, Roster, Shift
from roster.rules import AssignmentInfo, PersonInfo, Plan, ShiftInfo
from roster.timing import crosses_midnight
from staff.models import Staff

HISTORY = timedelta(days=365)


def build_plan(roster: Roster) -> Plan:
    """The roster as plain data: its shifts, the school's active staff, assignments, and each
    person's weighted load over the year before the roster (for fairness across terms)."""
    shifts = list(
        Shift.objects.filter(roster=roster)
        .select_related("shift_type")
        .prefetch_related("shift_type__requirements")
    )
    days = school_calendar(roster.school, roster.start_date, roster.end_date)
    shift_infos = {
        s.id: ShiftInfo(
            id=s.id,
            label=f"{s.date:%m-%d} {s.shift_type.name}",
            date=s.date,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            weight=s.shift_type.weight,
            requirements={r.role: r.count for r in s.shift_type.requirements.all()},
            night=crosses_midnight(s.shift_type.start_time, s.shift_type.duration_minutes),
            students_in_school=days[s.date].students_in_school,
        )
        for s in shifts
    }
    staff = Staff.objects.filter(school=roster.school, active=True).prefetch_related("roles")
    people = {p.id: PersonInfo(p.id, p.name, frozenset(p.role_codes)) for p in staff}
    assignments = [
        AssignmentInfo(a.shift_id, a.staff_id, a.role)
        for a in Assignment.objects.filter(shift__roster=roster)
    ]
    history: dict[int, Decimal] = defaultdict(Decimal)
    past = (
        Assignment.objects.filter(
            shift__roster__school=roster.school,
            shift__date__lt=roster.start_date,
            shift__date__gte=roster.start_date - HISTORY,
        )
        .values("staff_id")
        .annotate(load=Sum("shift__shift_type__weight"))
    )
    for row in past:
        history[row["staff_id"]] = row["load"]
    return Plan(shifts=shift_infos, people=people, assignments=assignments, history=dict(history))
