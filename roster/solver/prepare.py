"""Plain-data groundwork for the solver: who may fill which slot, what no roster can cover, the
independent parts of a plan, and thinning very large pools to a manageable model."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

from roster.rules import ROLE_LABELS, AssignmentInfo, PersonInfo, Plan, RuleSettings, ShiftInfo

Line = tuple[int, str]  # (shift id, role): one requirement of one shift


@dataclass
class Part:
    """Roles linked by people who hold more than one of them, with their shifts and people.
    No rule and no pool crosses two parts, so each is solved on its own without loss."""

    roles: frozenset[str]
    shifts: list[ShiftInfo]  # sorted by start; only shifts that need one of the roles
    people: list[int]  # everyone who holds one of the roles
    candidates: dict[Line, list[int]]  # who may fill each line (possibly thinned)
    thinned: bool = False

    @property
    def size(self) -> int:
        return sum(len(people) for people in self.candidates.values())


def as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def scale_of(plan: Plan) -> int:
    """The smallest integer that makes every shift weight whole (1.5 → 2)."""
    scale = 1
    for shift in plan.shifts.values():
        denominator = Fraction(shift.weight).limit_denominator(1000).denominator
        scale = scale * denominator // math.gcd(scale, denominator)
    return min(scale, 1000)


def scaled(value, scale: int) -> int:
    return round(Decimal(value) * scale)


def iso_week(shift: ShiftInfo) -> tuple[int, int]:
    return tuple(shift.date.isocalendar()[:2])


def on_leave(person: PersonInfo, shift: ShiftInfo) -> bool:
    return any(start < shift.ends_at and shift.starts_at < end for start, end in person.leave)


def conflict(a: ShiftInfo, b: ShiftInfo, settings: RuleSettings) -> bool:
    """True if one person may not hold both: they overlap, or one starts within the rest
    period after the other (a night shift) ends."""
    if a.id == b.id:
        return True
    first, second = (a, b) if (a.starts_at, a.id) <= (b.starts_at, b.id) else (b, a)
    if second.starts_at < first.ends_at:
        return True
    gap = second.starts_at - first.ends_at
    return first.night and gap < timedelta(hours=settings.rest_hours)


def context_duties(plan: Plan) -> dict[int, list[ShiftInfo]]:
    """Each person's duties in the neighbouring rosters (fixed; see ``Plan.context``)."""
    found: dict[int, list[ShiftInfo]] = defaultdict(list)
    for a in plan.context:
        shift = plan.context_shifts.get(a.shift_id)
        if shift is not None and a.shift_id not in plan.shifts:
            found[a.person_id].append(shift)
    return found


def candidates(
    plan: Plan, settings: RuleSettings, unavailable: dict[int, set[date]]
) -> dict[Line, list[int]]:
    """Who may fill each line: qualified, not on leave, available that date, allowed on the
    day (teachers' guardrail) and clear of their fixed duties in neighbouring rosters."""
    context = context_duties(plan)
    by_role: dict[str, list[PersonInfo]] = defaultdict(list)
    for person in plan.people.values():
        for role in person.roles:
            by_role[role].append(person)
    guarded = {
        p.id for p in plan.people.values() if settings.teachers_only_on_school_days and
        p.full_time_teacher
    }  # fmt: skip
    found: dict[Line, list[int]] = {}
    for shift in plan.shifts.values():
        for role, need in shift.requirements.items():
            if need <= 0:
                continue
            found[(shift.id, role)] = [
                p.id
                for p in by_role.get(role, ())
                if not (p.leave and on_leave(p, shift))
                and not (p.id in unavailable and shift.date in unavailable[p.id])
                and not (p.id in guarded and not shift.students_in_school)
                and not (
                    p.id in context
                    and any(conflict(other, shift, settings) for other in context[p.id])
                )
            ]
    return found


def diagnose(
    plan: Plan,
    settings: RuleSettings,
    unavailable: dict[int, set[date]],
    lines: dict[Line, list[int]],
) -> tuple[list[str], set[Line]]:
    """Requirements no roster can meet, shift by shift, with the reason in numbers; and the
    lines they concern. ``lines`` (from ``candidates``) rules out most lines at once."""
    problems = []
    keys = set()
    for shift in sorted(plan.shifts.values(), key=lambda s: (s.starts_at, s.id)):
        for role, need in shift.requirements.items():
            if len(lines.get((shift.id, role), ())) >= need:
                continue
            qualified = [p for p in plan.people.values() if role in p.roles]
            present = [p for p in qualified if not on_leave(p, shift)]
            allowed = [
                p
                for p in present
                if not (
                    settings.teachers_only_on_school_days
                    and p.full_time_teacher
                    and not shift.students_in_school
                )
            ]
            available = [p for p in allowed if shift.date not in unavailable.get(p.id, ())]
            if len(available) >= need:
                continue
            keys.add((shift.id, role))
            problems.append(
                _("%(shift)s needs %(need)d %(role)s but only %(available)d can serve: "
                  "%(qualified)d may serve as %(role)s, %(present)d of them are not on leave, "
                  "%(allowed)d of those may serve on this day, %(available)d are available "
                  "that date.")
                % {"shift": shift.label, "need": need, "role": ROLE_LABELS.get(role, role),
                   "qualified": len(qualified), "present": len(present),
                   "allowed": len(allowed), "available": len(available)}
            )  # fmt: skip
    return problems, keys


def missing(
    plan: Plan, chosen: Iterable[AssignmentInfo], shifts: Iterable[ShiftInfo] | None = None
) -> dict[Line, tuple[int, int]]:
    filled: dict[Line, int] = defaultdict(int)
    for a in chosen:
        filled[(a.shift_id, a.role)] += 1
    return {
        (shift.id, role): (filled[(shift.id, role)], need)
        for shift in (plan.shifts.values() if shifts is None else shifts)
        for role, need in shift.requirements.items()
        if filled[(shift.id, role)] < need
    }


def split(plan: Plan, lines: dict[Line, list[int]]) -> list[Part]:
    """The plan's independent parts: roles are joined when someone holds both (union-find)."""
    roles = sorted({role for _shift, role in lines})
    parent = {role: role for role in roles}

    def root(role: str) -> str:
        while parent[role] != role:
            parent[role] = parent[parent[role]]
            role = parent[role]
        return role

    for person in plan.people.values():
        mine = sorted(person.roles & parent.keys())
        for other in mine[1:]:
            parent[root(other)] = root(mine[0])
    groups: dict[str, set[str]] = defaultdict(set)
    for role in roles:
        groups[root(role)].add(role)
    parts = []
    for group in sorted(groups.values(), key=min):
        shifts = sorted(
            (s for s in plan.shifts.values() if any((s.id, r) in lines for r in group)),
            key=lambda s: (s.starts_at, s.id),
        )
        parts.append(
            Part(
                roles=frozenset(group),
                shifts=shifts,
                people=sorted(p.id for p in plan.people.values() if p.roles & group),
                candidates={
                    (s.id, r): lines[(s.id, r)] for s in shifts for r in group if (s.id, r) in lines
                },
            )
        )
    return parts


def thin(
    part: Part,
    *,
    limit: int,
    floor: int,
    keep: Iterable[AssignmentInfo],
    prefer_not: set[tuple[int, int]],
) -> Part:
    """A copy of ``part`` with at most about ``limit`` candidate variables: each place keeps
    ``floor`` or more candidates, picked so that everyone appears about equally often across
    the period (and anyone who already holds the place stays a candidate). A large pool that
    each person serves a few times a term loses nothing that matters; the caller solves the
    full part again if the thinned one leaves a place open."""
    if part.size <= limit:
        return part
    places = sum(s.requirements[r] for s in part.shifts for r in part.roles if (s.id, r) in
                 part.candidates)  # fmt: skip
    per_place = max(floor, limit // max(places, 1))
    holders: dict[Line, set[int]] = defaultdict(set)
    for a in keep:
        holders[(a.shift_id, a.role)].add(a.person_id)
    seen: dict[int, int] = defaultdict(int)
    thinned: dict[Line, list[int]] = {}
    for shift in part.shifts:
        for role in sorted(part.roles):
            pool = part.candidates.get((shift.id, role))
            if pool is None:
                continue
            room = per_place * shift.requirements[role]
            if len(pool) > room:
                held = holders[(shift.id, role)] & set(pool)
                ranked = sorted(
                    (p for p in pool if p not in held),
                    key=lambda p: ((shift.id, p) in prefer_not, seen[p], p),
                )
                pool = sorted(
                    [*(p for p in pool if p in held), *ranked[: max(room - len(held), 0)]]
                )
            for p in pool:
                seen[p] += 1
            thinned[(shift.id, role)] = pool
    return Part(part.roles, part.shifts, part.people, thinned, thinned=True)
