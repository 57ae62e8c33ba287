"""Roster auto-generation at term scale: how fast and how fair, against a round-robin baseline.

    .venv/bin/python benchmarks/roster_solve.py [--weeks 20] [--time-limit 8] [--seed 7]

One command, no database: the Plan is built in memory. The school has 150 staff — 6 duty
leaders, 120 teachers, 20 guards, 4 technicians (disjoint roles, so each role pool is a clear
group) — and a term of ``--weeks`` weeks from Monday 2 March 2026. Days come from the
``chinese-calendar`` package: working days (including the 调休 make-up Saturday 9 May) are
school days; weekends and the public holidays in the term (清明 4–6 Apr, 劳动节 1–5 May,
端午 19–21 Jun) are days without students.

- school day: 白班 08:00 + 9 h, weight 1 — 1 leader, 2 teachers, 1 guard, 1 tech;
  夜班 17:00 + 15 h, weight 1.5 — 1 leader, 1 teacher, 2 guards;
- day without students: 24-hour duty 08:00 + 24 h, weight 2 — 1 leader, 2 guards (full-time
  teachers are not scheduled, MOE 2025 guidance).

Rules: the defaults of ``RuleSettings`` (12 h rest after a night or 24-hour duty, at most 3
duties per ISO week). Leave: about 5 % of staff-days, as random intervals of 2–6 days per
person (seeded RNG).

The solver is ``roster.solver.solve`` (see its docstring): the whole term is one model per
independent role pool (roles nobody shares are solved apart), the teacher pool thinned to a
balanced subset of candidates per place, each pool covered greedily and then balanced by CP-SAT
inside a band around the pool's level.

Spread of weighted load, as the issue defines it: max − min of each person's total weighted load
over the term (history included; none here). Load is compared *within a role pool* (everyone
who may serve that role), which is what the rules engine's fairness rule checks: guards carry
about ten times a teacher's load by design (20 guards cover 3 places a day, 120 teachers cover
3 school-day places), so a spread across pools would measure the duty model, not the solver.
``spread`` in the JSON is the largest per-pool spread; the table before it shows every pool and
the all-staff figure for reference. The round-robin baseline walks each role's list of
qualified people in a fixed rotation and gives each slot to the next person who breaks no hard
rule, ignoring weights. Violations are the errors ``roster.rules.check()`` finds on the
solver's output (0 means every hard rule holds and every place is filled).

The last line printed is one JSON object:
{"staff", "weeks", "solve_seconds", "spread", "night_weight", "round_robin_spread", "violations"}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dutyschool.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
os.environ.setdefault("VISITOR_ID_KEYS", "YmVuY2htYXJrLXZpc2l0b3ItaWQta2V5LW9ubHktMDE=")
os.environ.setdefault("VISITOR_LOOKUP_KEY", "benchmark-visitor-lookup-key-only-0123456789")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

import django  # noqa: E402 - settings come from the environment set just above

django.setup()

import chinese_calendar  # noqa: E402

from roster.rules import (  # noqa: E402
    AssignmentInfo,
    PersonInfo,
    Plan,
    RuleSettings,
    ShiftInfo,
    check,
)
from roster.solver import solve, spread_by_role  # noqa: E402
from roster.timing import crosses_midnight, localize, shift_bounds  # noqa: E402

TZ = "Asia/Shanghai"
TERM_START = date(2026, 3, 2)
DAY_WEIGHT, NIGHT_WEIGHT, HOLIDAY_WEIGHT = Decimal("1"), Decimal("1.5"), Decimal("2")
SCHOOL_DAY = [
    ("白班", clock(8), 9 * 60, DAY_WEIGHT, {"leader": 1, "teacher": 2, "guard": 1, "tech": 1}),
    ("夜班", clock(17), 15 * 60, NIGHT_WEIGHT, {"leader": 1, "teacher": 1, "guard": 2}),
]
NO_STUDENTS = [("节假日值班", clock(8), 24 * 60, HOLIDAY_WEIGHT, {"leader": 1, "guard": 2})]
STAFF = [
    ("leader", "领导", 6),
    ("teacher", "教师", 120),
    ("guard", "保安", 20),
    ("tech", "技术", 4),
]


def build_plan(weeks: int, rng: random.Random) -> Plan:
    shifts: dict[int, ShiftInfo] = {}
    days = [TERM_START + timedelta(days=i) for i in range(weeks * 7)]
    for day in days:
        school_day = chinese_calendar.is_workday(day)
        for name, start, minutes, weight, needs in SCHOOL_DAY if school_day else NO_STUDENTS:
            starts, ends = shift_bounds(day, start, minutes, TZ)
            sid = len(shifts) + 1
            shifts[sid] = ShiftInfo(
                id=sid, label=f"{day:%m-%d} {name}", date=day, starts_at=starts, ends_at=ends,
                weight=weight, requirements=dict(needs), night=crosses_midnight(start, minutes),
                students_in_school=school_day,
            )  # fmt: skip
    people: dict[int, PersonInfo] = {}
    for role, title, count in STAFF:
        for n in range(1, count + 1):
            pid = len(people) + 1
            people[pid] = PersonInfo(pid, f"{title}{n:03d}", frozenset({role}), _leave(rng, days))
    return Plan(shifts=shifts, people=people)


def _leave(rng: random.Random, days: list[date]) -> tuple[tuple[datetime, datetime], ...]:
    """About 5 % of the term: on average 0.05 × term days, in intervals of 2–6 days."""
    target = sum(rng.random() < 0.05 for _ in days)
    leave = []
    while target > 0:
        length = min(target, rng.randint(2, 6))
        first = rng.choice(days)
        last = first + timedelta(days=length)
        leave.append(
            (
                localize(datetime.combine(first, clock(0)), TZ),
                localize(datetime.combine(last, clock(0)), TZ),
            )
        )
        target -= length
    return tuple(leave)


def round_robin(plan: Plan, settings: RuleSettings) -> list[AssignmentInfo]:
    """Each role's qualified people in a fixed rotation; a slot goes to the next person in the
    rotation who breaks no hard rule (leave, overlap, rest, weekly cap, teachers' days)."""
    rotation = {
        role: sorted(p.id for p in plan.people.values() if role in p.roles)
        for role in {r for s in plan.shifts.values() for r in s.requirements}
    }
    pointer: dict[str, int] = defaultdict(int)
    taken: dict[int, list[ShiftInfo]] = defaultdict(list)
    rest = timedelta(hours=settings.rest_hours)
    out: list[AssignmentInfo] = []

    def allowed(person: PersonInfo, shift: ShiftInfo) -> bool:
        if any(a < shift.ends_at and shift.starts_at < b for a, b in person.leave):
            return False
        if (
            settings.teachers_only_on_school_days
            and person.full_time_teacher
            and not (shift.students_in_school)
        ):
            return False
        week = shift.date.isocalendar()[:2]
        if sum(s.date.isocalendar()[:2] == week for s in taken[person.id]) >= settings.weekly_cap:
            return False
        for other in taken[person.id]:
            first, second = sorted((other, shift), key=lambda s: s.starts_at)
            if second.starts_at < first.ends_at or (
                first.night and second.starts_at - first.ends_at < rest
            ):
                return False
        return True

    for shift in sorted(plan.shifts.values(), key=lambda s: s.starts_at):
        for role, need in shift.requirements.items():
            ids = rotation[role]
            for _slot in range(need):
                for step in range(len(ids)):
                    person = plan.people[ids[(pointer[role] + step) % len(ids)]]
                    if allowed(person, shift):
                        pointer[role] = (pointer[role] + step + 1) % len(ids)
                        taken[person.id].append(shift)
                        out.append(AssignmentInfo(shift.id, person.id, role))
                        break
    return out


def _all_staff(plan: Plan, assignments: list[AssignmentInfo]) -> Decimal:
    load = {p: Decimal(plan.history.get(p, 0)) for p in plan.people}
    for a in assignments:
        load[a.person_id] += plan.shifts[a.shift_id].weight
    return max(load.values()) - min(load.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    settings = RuleSettings()
    rng = random.Random(args.seed)  # noqa: S311 - reproducible test data, not a secret
    plan = build_plan(args.weeks, rng)
    slots = sum(sum(s.requirements.values()) for s in plan.shifts.values())
    leave_days = sum((b - a).days for p in plan.people.values() for a, b in p.leave)
    print(
        f"{len(plan.people)} staff, {args.weeks} weeks, {len(plan.shifts)} shifts, {slots} slots, "
        f"{leave_days} leave days ({leave_days / (len(plan.people) * args.weeks * 7):.1%})"
    )

    began = time.monotonic()
    result = solve(plan, settings, time_limit=args.time_limit)
    solve_seconds = time.monotonic() - began
    solved = Plan(plan.shifts, plan.people, result.assignments, plan.history)
    errors = [v for v in check(solved, settings) if v.error]
    print(f"solver: status {result.status}, {solve_seconds:.2f} s, {len(errors)} violations")
    for problem in result.problems[:10]:
        print("  problem:", problem)
    for violation in errors[:10]:
        print("  violation:", violation.message)

    baseline = round_robin(plan, settings)
    rr_plan = Plan(plan.shifts, plan.people, baseline, plan.history)
    rr_errors = [v for v in check(rr_plan, settings) if v.error]
    rr_spread = spread_by_role(plan, baseline)

    print(f"{'role':<10}{'solver spread':>15}{'round-robin spread':>20}")
    for role, value in result.spread.items():
        print(f"{role:<10}{value:>15.1f}{rr_spread[role]:>20.1f}")
    spread = max(result.spread.values())
    rr = max(rr_spread.values())
    print(f"{'largest':<10}{spread:>15.1f}{rr:>20.1f}   (the JSON's spread: worst pool)")
    print(
        f"{'all staff':<10}{_all_staff(plan, result.assignments):>15.1f}"
        f"{_all_staff(plan, baseline):>20.1f}   (across pools: the duty model, for reference)"
    )
    print(f"round-robin: {len(rr_errors)} violations (coverage gaps it could not fill)")
    print(
        json.dumps(
            {
                "staff": len(plan.people),
                "weeks": args.weeks,
                "solve_seconds": round(solve_seconds, 2),
                "spread": float(spread),
                "night_weight": float(NIGHT_WEIGHT),
                "round_robin_spread": float(rr),
                "violations": len(errors),
            }
        )
    )


if __name__ == "__main__":
    main()
