"""The one rules engine. The editor, the Excel import, swap and leave approval and the solver's
output are all checked by ``check()``, on plain data so each caller can build it cheaply.

Hard rules (errors): coverage, qualification, overlap, leave, rest after a night shift, weekly
cap, and — by default, after MOE 教师厅〔2025〕2号 — no full-time teacher on a day without
students. Fairness is a warning: the spread of weighted load among people who can serve a role.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from staff.models import Role

ROLE_LABELS = dict(Role.choices)


@dataclass(frozen=True)
class ShiftInfo:
    id: int
    label: str  # e.g. "12月1日 夜班"
    date: date
    starts_at: datetime
    ends_at: datetime
    weight: Decimal
    requirements: dict[str, int]
    night: bool = False  # crosses midnight: the rest rule applies after it
    students_in_school: bool = True


@dataclass(frozen=True)
class PersonInfo:
    id: int
    name: str
    roles: frozenset[str]
    leave: tuple[tuple[datetime, datetime], ...] = ()

    @property
    def full_time_teacher(self) -> bool:
        # A teacher who is not also a leader or guard: the 2025 guidance protects them.
        return Role.TEACHER in self.roles and not self.roles & {Role.LEADER, Role.GUARD}


@dataclass(frozen=True)
class AssignmentInfo:
    shift_id: int
    person_id: int
    role: str


@dataclass(frozen=True)
class RuleSettings:
    rest_hours: int = 12
    weekly_cap: int = 3
    teachers_only_on_school_days: bool = True
    # Fairness warns when load differs by more than this many weight units within a role.
    fairness_tolerance: Decimal = Decimal("2")


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    shift_id: int | None = None
    person_id: int | None = None
    error: bool = True


@dataclass
class Plan:
    shifts: dict[int, ShiftInfo]
    people: dict[int, PersonInfo]
    assignments: list[AssignmentInfo] = field(default_factory=list)
    history: dict[int, Decimal] = field(default_factory=dict)  # load from earlier periods
    # Duties in the school's neighbouring rosters, around this period: fixed context for the
    # rules that look across days (overlap, rest, weekly cap). They are never covered, changed
    # or counted for load here, and only problems touching one of ``shifts`` are reported.
    context_shifts: dict[int, ShiftInfo] = field(default_factory=dict)
    context: list[AssignmentInfo] = field(default_factory=list)


def check(plan: Plan, settings: RuleSettings | None = None) -> list[Violation]:
    settings = settings or RuleSettings()
    found: list[Violation] = []
    for rule in (_coverage, _qualification, _overlap, _leave, _rest, _weekly_cap, _teachers):
        found.extend(rule(plan, settings))
    found.extend(_fairness(plan, settings))
    return found


def weighted_load(plan: Plan) -> dict[int, Decimal]:
    load: dict[int, Decimal] = defaultdict(Decimal)
    for person_id, past in plan.history.items():
        load[person_id] += past
    for a in plan.assignments:
        load[a.person_id] += plan.shifts[a.shift_id].weight
    return load


def _name(plan: Plan, person_id: int) -> str:
    person = plan.people.get(person_id)
    return person.name if person else f"#{person_id}"


def _by_person(plan: Plan, *, with_context: bool = False) -> dict[int, list[ShiftInfo]]:
    shifts: dict[int, list[ShiftInfo]] = defaultdict(list)
    for a in plan.assignments:
        shifts[a.person_id].append(plan.shifts[a.shift_id])
    if with_context:
        for a in plan.context:
            if a.shift_id not in plan.shifts:
                shifts[a.person_id].append(plan.context_shifts[a.shift_id])
    for items in shifts.values():
        items.sort(key=lambda s: s.starts_at)
    return shifts


def _ours(plan: Plan, *shifts: ShiftInfo) -> int | None:
    """The first of ``shifts`` that belongs to the checked roster: a problem between two
    neighbouring rosters' duties is theirs, not this roster's."""
    return next((s.id for s in shifts if s.id in plan.shifts), None)


def _coverage(plan: Plan, settings: RuleSettings) -> Iterable[Violation]:
    filled: dict[tuple[int, str], int] = defaultdict(int)
    for a in plan.assignments:
        filled[(a.shift_id, a.role)] += 1
    for shift in plan.shifts.values():
        for role, needed in shift.requirements.items():
            have = filled[(shift.id, role)]
            if have < needed:
                yield Violation(
                    "coverage",
                    _("%(shift)s needs %(missing)d more %(role)s.")
                    % {"shift": shift.label, "missing": needed - have, "role": ROLE_LABELS[role]},
                    shift_id=shift.id,
                )


def _qualification(plan: Plan, settings: RuleSettings) -> Iterable[Violation]:
    for a in plan.assignments:
        person = plan.people.get(a.person_id)
        if person is None or a.role not in person.roles:
            yield Violation(
                "qualification",
                _("%(person)s may not serve as %(role)s (%(shift)s).")
                % {"person": _name(plan, a.person_id), "role": ROLE_LABELS.get(a.role, a.role),
                   "shift": plan.shifts[a.shift_id].label},
                shift_id=a.shift_id, person_id=a.person_id,
            )  # fmt: skip


def _overlap(plan: Plan, settings: RuleSettings) -> Iterable[Violation]:
    for person_id, shifts in _by_person(plan, with_context=True).items():
        # Compare each shift with the one reaching furthest so far, not just its neighbour: a
        # 24-hour duty can overlap several shorter ones.
        furthest: ShiftInfo | None = None
        for shift in shifts:
            ours = _ours(plan, shift, furthest) if furthest else None
            if furthest is not None and ours is not None and shift.starts_at < furthest.ends_at:
                yield Violation(
                    "overlap",
                    _("%(person)s is on %(first)s and %(second)s, which overlap.")
                    % {"person": _name(plan, person_id), "first": furthest.label,
                       "second": shift.label},
                    shift_id=ours, person_id=person_id,
                )  # fmt: skip
            if furthest is None or shift.ends_at > furthest.ends_at:
                furthest = shift


def _leave(plan: Plan, settings: RuleSettings) -> Iterable[Violation]:
    for a in plan.assignments:
        person = plan.people.get(a.person_id)
        shift = plan.shifts[a.shift_id]
        if person and any(
            start < shift.ends_at and shift.starts_at < end for start, end in person.leave
        ):
            yield Violation(
                "leave",
                _("%(person)s is on leave during %(shift)s.")
                % {"person": person.name, "shift": shift.label},
                shift_id=shift.id, person_id=person.id,
            )  # fmt: skip


def _rest(plan: Plan, settings: RuleSettings) -> Iterable[Violation]:
    rest = timedelta(hours=settings.rest_hours)
    for person_id, shifts in _by_person(plan, with_context=True).items():
        for earlier, later in itertools.pairwise(shifts):
            gap = later.starts_at - earlier.ends_at
            ours = _ours(plan, later, earlier)
            if earlier.night and timedelta(0) <= gap < rest and ours is not None:
                yield Violation(
                    "rest",
                    _("%(person)s starts %(second)s only %(hours).1f h after the night duty "
                      "%(first)s ends (at least %(rest)d h of rest).")
                    % {"person": _name(plan, person_id), "second": later.label,
                       "first": earlier.label, "hours": gap.total_seconds() / 3600,
                       "rest": settings.rest_hours},
                    shift_id=ours, person_id=person_id,
                )  # fmt: skip


def _weekly_cap(plan: Plan, settings: RuleSettings) -> Iterable[Violation]:
    for person_id, shifts in _by_person(plan, with_context=True).items():
        weeks: dict[tuple[int, int], list[ShiftInfo]] = defaultdict(list)
        for shift in shifts:
            weeks[shift.date.isocalendar()[:2]].append(shift)
        for (year, week), items in weeks.items():
            ours = _ours(plan, *reversed(items))
            if len(items) > settings.weekly_cap and ours is not None:
                yield Violation(
                    "weekly_cap",
                    _("%(person)s has %(count)d duties in week %(week)d of %(year)d "
                      "(at most %(cap)d): %(shifts)s.")
                    % {"person": _name(plan, person_id), "count": len(items), "week": week,
                       "year": year, "cap": settings.weekly_cap,
                       "shifts": ", ".join(s.label for s in items)},
                    shift_id=ours, person_id=person_id,
                )  # fmt: skip


def _teachers(plan: Plan, settings: RuleSettings) -> Iterable[Violation]:
    if not settings.teachers_only_on_school_days:
        return
    for a in plan.assignments:
        person = plan.people.get(a.person_id)
        shift = plan.shifts[a.shift_id]
        if person and person.full_time_teacher and not shift.students_in_school:
            yield Violation(
                "teacher_burden",
                _("%(person)s is a full-time teacher and %(shift)s is a day without students; "
                  "the duty leader and guards cover such days (MOE 2025 guidance).")
                % {"person": person.name, "shift": shift.label},
                shift_id=shift.id, person_id=person.id,
            )  # fmt: skip


def _fairness(plan: Plan, settings: RuleSettings) -> Iterable[Violation]:
    load = weighted_load(plan)
    roles_used = {a.role for a in plan.assignments}
    for role in sorted(roles_used):
        pool = [p for p in plan.people.values() if role in p.roles]
        if len(pool) < 2:
            continue
        most = max(pool, key=lambda p: (load[p.id], p.id))
        least = min(pool, key=lambda p: (load[p.id], p.id))
        spread = load[most.id] - load[least.id]
        if spread > settings.fairness_tolerance:
            yield Violation(
                "fairness",
                _("Uneven %(role)s load: %(most)s has %(high)s, %(least)s has %(low)s.")
                % {"role": ROLE_LABELS[role], "most": most.name, "high": load[most.id],
                   "least": least.name, "low": load[least.id]},
                person_id=most.id, error=False,
            )  # fmt: skip
