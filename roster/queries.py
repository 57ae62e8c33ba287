"""Reads for rosters, and the plan the rules engine checks."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
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
    return Plan(shifts=shift_infos, people=people, assignments=assignments, history=dict(history))


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


def roster_grid(roster: Roster) -> dict:
    """Everything the editor grid needs, in a fixed number of queries: one row per date, one
    cell per shift type, each cell a list of role slots with the people assigned."""
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
        Shift.objects.filter(roster=roster)
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
    days = school_calendar(roster.school, roster.start_date, roster.end_date)
    rows = [
        {"date": day, "info": days[day], "cells": [by_date[day].get(t.pk) for t in types]}
        for day in sorted(days)
    ]
    return {"types": types, "rows": rows}


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
