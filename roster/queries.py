"""Reads for rosters, and the plan the rules engine checks."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from roster.calendar import school_calendar
from roster.models import Assignment, Roster, RosterStatus, Shift, ShiftType
from roster.rules import AssignmentInfo, PersonInfo, Plan, RuleSettings, ShiftInfo
from roster.timing import crosses_midnight
from staff.models import Staff

HISTORY = timedelta(days=365)
# How far around a roster's period the neighbouring rosters' duties are read as context: a week
# covers the weekly cap (an ISO week reaching across the edge), overlap with a 24-hour duty and
# the rest rule (rest of up to six days after a night duty).
NEIGHBOURS = timedelta(days=7)


def rule_settings(school) -> RuleSettings:
    from roster.reminders import settings_for

    row = settings_for(school)
    return RuleSettings(
        rest_hours=row.rest_hours,
        weekly_cap=row.weekly_cap,
        teachers_only_on_school_days=row.teachers_only_on_school_days,
        fairness_tolerance=Decimal(row.fairness_tolerance),
    )


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
    context_shifts, context = _neighbour_duties(roster)
    return Plan(
        shifts=shift_infos,
        people=people,
        assignments=assignments,
        history=dict(history),
        context_shifts=context_shifts,
        context=context,
    )


def _neighbour_duties(roster: Roster) -> tuple[dict[int, ShiftInfo], list[AssignmentInfo]]:
    """Duties of the school's other rosters (drafts too: they will be published) in a window
    around ``roster``, so the last night of November's roster and the first morning of
    December's are checked together. One query."""
    rows = (
        Assignment.objects.filter(
            shift__roster__school_id=roster.school_id,
            shift__date__gte=roster.start_date - NEIGHBOURS,
            shift__date__lte=roster.end_date + NEIGHBOURS,
        )
        .exclude(shift__roster_id=roster.pk)
        .select_related("shift__shift_type", "shift__roster")
    )
    shifts: dict[int, ShiftInfo] = {}
    duties = []
    for a in rows:
        s = a.shift
        if s.pk not in shifts:
            shifts[s.pk] = ShiftInfo(
                id=s.pk,
                label=f"{s.date:%m-%d} {s.shift_type.name} ({s.roster.name})",
                date=s.date,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                weight=s.shift_type.weight,
                requirements={},
                night=crosses_midnight(s.shift_type.start_time, s.shift_type.duration_minutes),
            )
        duties.append(AssignmentInfo(a.shift_id, a.staff_id, a.role))
    return shifts, duties


# ---- permission choke-points and page reads --------------------------------------------------

EDITOR_ROLES = frozenset({"admin"})
DRAFT_READERS = frozenset({"admin", "principal", "leader"})


def can_edit(actor) -> bool:
    return bool(actor.roles & EDITOR_ROLES)


def rosters_for(actor):
    """Rosters the actor may list: published ones of their schools, drafts for the office."""
    rows = Roster.objects.filter(school__in=actor.school_ids)
    if not actor.roles & DRAFT_READERS:
        rows = rows.filter(Q(status=RosterStatus.PUBLISHED))
    return rows.select_related("school").order_by("-start_date")


def get_roster_for_user(actor, pk: int, *, write: bool = False) -> Roster:
    rows = Roster.objects.filter(pk=pk, school__in=actor.school_ids)
    roster = rows.select_related("school").first()
    if roster is None:
        raise Http404
    if roster.status == RosterStatus.DRAFT and not (actor.roles & DRAFT_READERS):
        raise Http404  # a draft is invisible to those who may not read drafts
    if write and not can_edit(actor):
        raise PermissionDenied
    return roster


def get_shift_for_user(actor, roster: Roster, pk: int) -> Shift:
    return get_object_or_404(Shift.objects.select_related("shift_type"), pk=pk, roster=roster)


def get_assignment_for_user(actor, roster: Roster, pk: int) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("shift__shift_type", "staff"), pk=pk, shift__roster=roster
    )


def roster_grid(roster: Roster, *, start: date | None = None, end: date | None = None) -> dict:
    """Everything the editor grid needs, in a fixed number of queries: one row per date (from
    ``start`` to ``end``, default the whole period), one cell per shift type, each cell a list
    of role slots with the people assigned; each row counts its open slots."""
    start = max(start or roster.start_date, roster.start_date)
    end = min(end or roster.end_date, roster.end_date)
    from staff.models import Role

    labels = dict(Role.choices)
    types = list(
        ShiftType.objects.filter(shifts__roster=roster)
        .distinct()
        .prefetch_related("requirements")
        .order_by("start_time", "name")
    )
    needs = {t.pk: [(r.role, r.count) for r in t.requirements.all()] for t in types}
    shifts = list(
        Shift.objects.filter(roster=roster, date__range=(start, end))
        .select_related("shift_type")
        .prefetch_related("assignments__staff")
        .order_by("date", "shift_type__start_time")
    )
    by_date: dict = defaultdict(dict)
    for shift in shifts:
        assigned = list(shift.assignments.all())
        roles = [role for role, _count in needs[shift.shift_type_id]]
        slots = [
            {
                "role": role,
                "label": labels.get(role, role),
                "needed": count,
                "assignments": [a for a in assigned if a.role == role],
                "missing": max(0, count - sum(1 for a in assigned if a.role == role)),
            }
            for role, count in needs[shift.shift_type_id]
        ]
        extra = [a for a in assigned if a.role not in roles]
        if extra:
            slots.append({"role": "", "label": "", "needed": 0, "assignments": extra, "missing": 0})
        by_date[shift.date][shift.shift_type_id] = {"shift": shift, "slots": slots}
    days = school_calendar(roster.school, start, end)
    rows = []
    for day in sorted(days):
        cells = [by_date[day].get(t.pk) for t in types]
        missing = sum(slot["missing"] for cell in cells if cell for slot in cell["slots"])
        rows.append({"date": day, "info": days[day], "cells": cells, "missing": missing})
    return {"types": types, "rows": rows}


def week_of(roster: Roster, asked: date | None, today: date) -> dict:
    """The Monday-to-Sunday week the week view shows: the one holding ``asked`` (else today,
    else the roster's first day), clamped to the roster, with the weeks before and after."""
    first = roster.start_date - timedelta(days=roster.start_date.weekday())
    last = roster.end_date - timedelta(days=roster.end_date.weekday())
    day = asked or (today if roster.start_date <= today <= roster.end_date else first)
    monday = min(max(day - timedelta(days=day.weekday()), first), last)
    return {
        "start": monday,
        "end": monday + timedelta(days=6),
        "previous": monday - timedelta(days=7) if monday > first else None,
        "next": monday + timedelta(days=7) if monday < last else None,
    }


def candidates_for(roster: Roster, shift: Shift, role: str, query: str = "") -> list[dict]:
    """People who could take ``role`` on ``shift``, least loaded first, each with the rules
    the assignment would break — so the editor can show them before anyone clicks."""
    from roster.rules import AssignmentInfo, check, weighted_load

    plan = build_plan(roster)
    settings = rule_settings(roster.school)
    load = weighted_load(plan)
    taken = {a.person_id for a in plan.assignments if a.shift_id == shift.pk}
    staff = {s.pk: s for s in Staff.objects.filter(school=roster.school, active=True)}
    people = [
        p
        for p in plan.people.values()
        if role in p.roles and p.id not in taken and (not query or query in p.name)
    ]
    results = []
    for person in people:
        trial = AssignmentInfo(shift.pk, person.id, role)
        plan.assignments.append(trial)
        problems = sorted(
            {
                v.message
                for v in check(plan, settings)
                if v.error and v.person_id == person.id and v.rule not in {"coverage"}
            }
        )
        plan.assignments.pop()
        results.append(
            {"staff": staff[person.id], "load": load.get(person.id, 0), "problems": problems}
        )
    results.sort(key=lambda r: (bool(r["problems"]), r["load"], r["staff"].name))
    return results


def my_duties(staff: Staff):
    return (
        Assignment.objects.filter(staff=staff, shift__roster__status=RosterStatus.PUBLISHED)
        .select_related("shift__shift_type", "shift__roster")
        .order_by("shift__starts_at")
    )


def get_solve_job(roster: Roster, pk: int):
    from roster.models import SolveJob

    return get_object_or_404(SolveJob, pk=pk, roster=roster)


def latest_solve_job(roster: Roster):
    return roster.solve_jobs.order_by("-created_at", "-pk").first()
