"""A quick starting point for the search: a greedy roster that obeys every hard rule."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence

from roster.rules import AssignmentInfo, RuleSettings, ShiftInfo
from roster.solver.prepare import conflict, iso_week, scaled

Key = tuple[int, int, str]  # (shift id, person id, role)


def greedy(
    shifts: Sequence[ShiftInfo],
    keys: Iterable[Key],
    keep: Sequence[AssignmentInfo],
    base: dict[int, int],
    scale: int,
    settings: RuleSettings,
    prefer_not: set[tuple[int, int]],
    booked: dict[tuple[int, tuple[int, int]], int],
) -> set[Key]:
    """Kept assignments first, then each open place (in time order) to the least-loaded
    candidate who breaks no rule given what is placed so far. ``shifts`` are sorted by start
    and ``keys`` are the allowed (shift, person, role) choices; ``booked`` counts duties per
    (person, ISO week) in neighbouring rosters."""
    allowed = set(keys)
    load = defaultdict(int, base)
    placed: dict[int, list[ShiftInfo]] = defaultdict(list)
    filled: dict[tuple[int, str], int] = defaultdict(int)
    on_shift: dict[int, set[int]] = defaultdict(set)
    chosen: set[Key] = set()
    by_line: dict[tuple[int, str], list[int]] = defaultdict(list)
    for s, p, r in sorted(allowed):
        by_line[(s, r)].append(p)
    by_id = {s.id: s for s in shifts}

    def fits(shift: ShiftInfo, person_id: int) -> bool:
        if person_id in on_shift[shift.id]:
            return False
        week = iso_week(shift)
        count = booked.get((person_id, week), 0)
        if count + sum(1 for s in placed[person_id] if iso_week(s) == week) >= settings.weekly_cap:
            return False
        return not any(conflict(s, shift, settings) for s in placed[person_id])

    def place(shift: ShiftInfo, person_id: int, role: str) -> None:
        chosen.add((shift.id, person_id, role))
        placed[person_id].append(shift)
        on_shift[shift.id].add(person_id)
        filled[(shift.id, role)] += 1
        load[person_id] += scaled(shift.weight, scale)

    for a in keep:
        shift = by_id.get(a.shift_id)
        if (
            shift is not None
            and (a.shift_id, a.person_id, a.role) in allowed
            and filled[(a.shift_id, a.role)] < shift.requirements.get(a.role, 0)
            and fits(shift, a.person_id)
        ):
            place(shift, a.person_id, a.role)
    for shift in shifts:
        # Scarce roles first, so a person who holds two roles is saved for the scarcer one.
        for role in sorted(shift.requirements, key=lambda r: (len(by_line[(shift.id, r)]), r)):
            need = shift.requirements[role]
            for person_id in sorted(
                by_line[(shift.id, role)],
                key=lambda p: ((shift.id, p) in prefer_not, load[p], p),
            ):
                if filled[(shift.id, role)] >= need:
                    break
                if fits(shift, person_id):
                    place(shift, person_id, role)
    return chosen


def rebalance(
    chosen: set[Key],
    *,
    shifts: dict[int, ShiftInfo],
    allowed: set[Key],
    pools: dict[str, list[int]],
    base: dict[int, int],
    weight: dict[int, int],
    settings: RuleSettings,
    booked: dict[tuple[int, tuple[int, int]], int],
    fixed: set[Key],
    prefer_not: set[tuple[int, int]],
    deadline: float,
) -> set[Key]:
    """Even out loads by local moves: hand a duty from a heavily loaded person to a lightly
    loaded one of the same pool, or swap a heavier duty for a lighter one, whenever that lowers
    the sum of squared loads (so every step is strictly fairer and the loop ends). A move never
    touches a kept assignment (``fixed``), never gives anyone a shift they prefer not to work
    and never breaks a hard rule; coverage is unchanged. Cheap and independent of the machine's
    load, it makes a better start for CP-SAT and a better fallback when CP-SAT gets no time."""
    chosen = set(chosen)
    load = dict(base)
    holds: dict[int, dict[int, str]] = defaultdict(dict)  # person → {shift id: role}
    for s, p, r in chosen:
        load[p] += weight[s]
        holds[p][s] = r

    def fits(person_id: int, shift: ShiftInfo, instead: int | None = None) -> bool:
        mine = [shifts[s] for s in holds[person_id] if s != instead]
        week = iso_week(shift)
        count = booked.get((person_id, week), 0) + sum(1 for s in mine if iso_week(s) == week)
        if count >= settings.weekly_cap:
            return False
        return not any(conflict(s, shift, settings) for s in mine)

    def movable(s: int, p: int, r: str, q: int) -> bool:
        return (s, p, r) not in fixed and (s, q, r) in allowed and (s, q) not in prefer_not

    def shift_to(s: int, p: int, q: int, r: str) -> None:
        chosen.discard((s, p, r))
        chosen.add((s, q, r))
        del holds[p][s]
        holds[q][s] = r
        load[p] -= weight[s]
        load[q] += weight[s]

    def improve(p: int, q: int, role: str) -> bool:
        gap = load[p] - load[q]
        mine = [(s, r) for s, r in holds[p].items() if r == role and s not in holds[q]]
        for s, r in mine:
            if weight[s] < gap and movable(s, p, r, q) and fits(q, shifts[s]):
                shift_to(s, p, q, r)
                return True
        theirs = [(s, r) for s, r in holds[q].items() if r == role and s not in holds[p]]
        for s1, r1 in mine:
            for s2, r2 in theirs:
                if not 0 < weight[s1] - weight[s2] < gap:
                    continue
                if not (movable(s1, p, r1, q) and movable(s2, q, r2, p)):
                    continue
                if fits(q, shifts[s1], instead=s2) and fits(p, shifts[s2], instead=s1):
                    shift_to(s1, p, q, r1)
                    shift_to(s2, q, p, r2)
                    return True
        return False

    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        for role, pool in pools.items():
            ranked = sorted(pool, key=lambda p: (load[p], p))
            for p in reversed(ranked[-3:]):
                for q in ranked:
                    if load[q] >= load[p] or time.monotonic() >= deadline:
                        break
                    if improve(p, q, role):
                        improved = True
                        break
                if improved:
                    break
    return chosen
