"""A quick greedy filler: for each open slot, the least-loaded person who breaks no hard rule.

Used for demo data; the real auto-generation is the constraint solver (``roster.solver``), and
the benchmark's baseline is a plain round-robin (``benchmarks/roster_solve.py``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from roster.rules import AssignmentInfo, Plan, RuleSettings, check

HARD_PERSONAL = {"qualification", "overlap", "leave", "rest", "weekly_cap", "teacher_burden"}


def greedy_fill(plan: Plan, settings: RuleSettings) -> list[AssignmentInfo]:
    """Assignments to add to ``plan`` (existing ones are kept)."""
    load: dict[int, Decimal] = defaultdict(Decimal, plan.history)
    mine: dict[int, list[AssignmentInfo]] = defaultdict(list)
    filled: dict[tuple[int, str], int] = defaultdict(int)
    on_shift: dict[int, set[int]] = defaultdict(set)
    for a in plan.assignments:
        load[a.person_id] += plan.shifts[a.shift_id].weight
        mine[a.person_id].append(a)
        filled[(a.shift_id, a.role)] += 1
        on_shift[a.shift_id].add(a.person_id)
    context: dict[int, list[AssignmentInfo]] = defaultdict(list)
    for a in plan.context:
        context[a.person_id].append(a)
    added: list[AssignmentInfo] = []
    for shift in sorted(plan.shifts.values(), key=lambda s: s.starts_at):
        for role, needed in shift.requirements.items():
            while filled[(shift.id, role)] < needed:
                pool = sorted(
                    (
                        p
                        for p in plan.people.values()
                        if role in p.roles and p.id not in on_shift[shift.id]
                    ),
                    key=lambda p: (load[p.id], p.id),
                )
                chosen = None
                for person in pool:
                    trial = AssignmentInfo(shift.id, person.id, role)
                    mini = Plan(shifts=plan.shifts, people={person.id: person},
                                assignments=[*mine[person.id], trial],
                                context_shifts=plan.context_shifts,
                                context=context[person.id])  # fmt: skip
                    if not any(v.error and v.rule in HARD_PERSONAL for v in check(mini, settings)):
                        chosen = trial
                        break
                if chosen is None:
                    break  # left open: the rules engine reports the gap
                added.append(chosen)
                mine[chosen.person_id].append(chosen)
                load[chosen.person_id] += shift.weight
                filled[(shift.id, role)] += 1
                on_shift[shift.id].add(chosen.person_id)
    return added
