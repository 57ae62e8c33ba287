"""Fair auto-generation of a roster with OR-Tools CP-SAT.

``solve(plan, settings)`` fills every shift's requirements (role → count) with qualified people
under all hard rules of ``roster.rules.check()`` and balances weighted load (history included)
within each role pool. ``plan.assignments`` is ignored: the result replaces it. Pass the current
assignments as ``keep`` to change as little as possible when re-running after a change.

The model, per shift ``s``, person ``p`` and role ``r``: a boolean ``x[s,p,r]`` exists only if
``p`` may serve as ``r``, is not on leave during ``s``, has not marked ``s``'s date unavailable,
and is not a full-time teacher on a day without students (when the setting is on). Then:

- coverage: at most ``need`` people per (shift, role); each missing person is penalised above
  everything else, so a full roster is found whenever one exists and, when none does, the best
  partial roster comes back with the reasons;
- one role per person per shift;
- no two shifts for one person that overlap, or where one starts less than ``rest_hours`` after
  a night shift ends;
- at most ``weekly_cap`` shifts per person per ISO week (of the shift's date);
- fairness: for each role pool (everyone who may serve the role), minimise
  max(load) − min(load), where load = history + weights of the shifts taken;
- ``keep`` assignments are rewarded above fairness; ``prefer_not`` shifts cost one unit of load.

Priorities (lexicographic through weights): coverage > keep > preferences and fairness.

Large plans (a whole term) are decomposed by ISO week: weeks are solved in order, each carrying
the load of the weeks before as history and their assignments as fixed context for the rest
and overlap rules. Weeks line up with the weekly cap, so no rule crosses a window except rest
and overlap, which the fixed context covers. The time limit is shared across the weeks.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _
from ortools.sat.python import cp_model

from roster.rules import ROLE_LABELS, AssignmentInfo, PersonInfo, Plan, RuleSettings, ShiftInfo

SEED = 20260901
_DEBUG = bool(os.environ.get("ROSTER_SOLVER_DEBUG"))
# Above this many decision variables a plan is solved week by week (see the module docstring).
WINDOW_THRESHOLD = 6000
# Week by week, a large role pool is cut to the least-loaded people: this many per open slot of
# the role in the week (everyone again if that leaves a slot open).
SHORTLIST = 3

Progress = Callable[[float, str], None]
ShouldStop = Callable[[], bool]


@dataclass
class SolveResult:
    assignments: list[AssignmentInfo]
    status: str  # "optimal" | "feasible" | "partial" | "infeasible" | "cancelled"
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    spread: dict[str, Decimal] = field(default_factory=dict)  # role → max − min weighted load

    @property
    def solved(self) -> bool:
        return self.status in ("optimal", "feasible")


def solve(
    plan: Plan,
    settings: RuleSettings,
    *,
    keep: Sequence[AssignmentInfo] = (),
    preferences: dict | None = None,
    time_limit: float = 10.0,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
    decompose: bool | None = None,
) -> SolveResult:
    """Fill ``plan``'s shifts. ``preferences``: ``{person_id: {"unavailable": [date, ...],
    "prefer_not": [shift_id, ...]}}`` — unavailable dates are hard, prefer_not is soft.
    ``decompose``: solve week by week (None: only when the plan is large)."""
    began = time.monotonic()
    preferences = preferences or {}
    unavailable = {
        int(pid): {_as_date(d) for d in (pref or {}).get("unavailable", ())}
        for pid, pref in preferences.items()
    }
    prefer_not = {
        (int(sid), int(pid))
        for pid, pref in preferences.items()
        for sid in (pref or {}).get("prefer_not", ())
    }
    scale = _scale(plan)
    candidates = _candidates(plan, settings, unavailable)
    problems, explained = _diagnose(plan, settings, unavailable)

    weeks: dict[tuple[int, int], list[ShiftInfo]] = defaultdict(list)
    for shift in plan.shifts.values():
        weeks[tuple(shift.date.isocalendar()[:2])].append(shift)
    if decompose is None:
        size = sum(len(people) for people in candidates.values())
        decompose = size > WINDOW_THRESHOLD and len(weeks) > 1
    windows = [weeks[k] for k in sorted(weeks)] if decompose else [list(plan.shifts.values())]
    windows = [w for w in windows if w]

    stop_event = threading.Event()
    solver_box: list[cp_model.CpSolver] = []
    watcher = None
    if should_stop is not None:
        watcher = threading.Thread(
            target=_watch, args=(should_stop, stop_event, solver_box), daemon=True
        )
        watcher.start()

    chosen: list[AssignmentInfo] = []
    all_optimal = not decompose
    cancelled = False
    try:
        for index, window in enumerate(windows):
            if stop_event.is_set():
                cancelled = True
                break
            remaining = time_limit - (time.monotonic() - began)
            budget = max(0.05, remaining / (len(windows) - index))
            outcome = _solve_window(
                plan=plan,
                settings=settings,
                window=window,
                fixed=chosen,
                candidates=candidates,
                keep=keep,
                prefer_not=prefer_not,
                scale=scale,
                budget=budget,
                progress=progress,
                done=index,
                total=len(windows),
                stop_event=stop_event,
                solver_box=solver_box,
                early_stop=decompose,
                shortlist=SHORTLIST if decompose else None,
            )
            if decompose and _missing(plan, outcome.assignments, window):
                # The shortlist was too short for this week: solve it again with everyone.
                outcome = _solve_window(
                    plan=plan, settings=settings, window=window, fixed=chosen,
                    candidates=candidates, keep=keep, prefer_not=prefer_not, scale=scale,
                    budget=max(0.05, budget / 2), progress=progress, done=index,
                    total=len(windows), stop_event=stop_event, solver_box=solver_box,
                    early_stop=True,
                )  # fmt: skip
            chosen.extend(outcome.assignments)
            all_optimal = all_optimal and outcome.optimal
            if outcome.cancelled:
                cancelled = True
                break
    finally:
        stop_event.set()  # ends the watcher
        if watcher is not None:
            watcher.join(timeout=1)

    missing = _missing(plan, chosen)
    if cancelled:
        status = "cancelled"
        problems.append(_("The solver was cancelled; the roster is incomplete."))
    elif missing:
        status = "partial" if chosen else "infeasible"
        for (shift_id, role), (have, need) in sorted(missing.items()):
            if (shift_id, role) in explained:
                continue
            problems.append(
                _("%(shift)s: only %(have)d of %(need)d %(role)s could be placed; the other "
                  "candidates are resting after a night duty, on an overlapping shift, at their "
                  "weekly cap or needed in another role.")
                % {"shift": plan.shifts[shift_id].label, "have": have, "need": need,
                   "role": ROLE_LABELS.get(role, role)}
            )  # fmt: skip
    else:
        status = "optimal" if all_optimal else "feasible"
    seconds = time.monotonic() - began
    if progress is not None:
        progress(1.0, _("Finished in %(seconds).1f s.") % {"seconds": seconds})
    return SolveResult(
        assignments=sorted(chosen, key=lambda a: (a.shift_id, a.role, a.person_id)),
        status=status,
        problems=problems,
        seconds=seconds,
        spread=spread_by_role(plan, chosen),
    )


def spread_by_role(plan: Plan, assignments: Iterable[AssignmentInfo]) -> dict[str, Decimal]:
    """Max − min weighted load (history included) among everyone who may serve each role that
    the plan's shifts need — the figure the rules engine's fairness warning looks at."""
    load: dict[int, Decimal] = defaultdict(Decimal)
    for person_id, past in plan.history.items():
        load[person_id] += Decimal(past)
    for a in assignments:
        load[a.person_id] += plan.shifts[a.shift_id].weight
    spread: dict[str, Decimal] = {}
    for role in sorted({r for s in plan.shifts.values() for r in s.requirements}):
        pool = [load[p.id] for p in plan.people.values() if role in p.roles]
        if pool:
            spread[role] = max(pool) - min(pool)
    return spread


# -- model ----------------------------------------------------------------------------------


@dataclass
class _Outcome:
    assignments: list[AssignmentInfo]
    optimal: bool = False
    cancelled: bool = False


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress, stop_event, done, total, budget, uncovered, good_enough):
        super().__init__()
        self._good_enough = good_enough
        self._progress = progress
        self._stop_event = stop_event
        self._done, self._total, self._budget = done, total, budget
        self._uncovered = uncovered
        self._began = time.monotonic()
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        if self._stop_event.is_set() or (self._good_enough and self._good_enough(self)):
            self.StopSearch()
            return
        if self._progress is None:
            return
        within = min(1.0, (time.monotonic() - self._began) / self._budget)
        fraction = (self._done + within) / self._total
        open_slots = int(self.Value(self._uncovered))
        self._progress(
            min(fraction, 0.99),
            _("Roster %(solution)d found (part %(part)d of %(parts)d): %(open)d open slots.")
            % {"solution": self.solutions, "part": self._done + 1, "parts": self._total,
               "open": open_slots},
        )  # fmt: skip


def _solve_window(
    *,
    plan: Plan,
    settings: RuleSettings,
    window: list[ShiftInfo],
    fixed: list[AssignmentInfo],
    candidates: dict[tuple[int, str], list[int]],
    keep: Sequence[AssignmentInfo],
    prefer_not: set[tuple[int, int]],
    scale: int,
    budget: float,
    progress: Progress | None,
    done: int,
    total: int,
    stop_event: threading.Event,
    solver_box: list,
    early_stop: bool = False,
    shortlist: int | None = None,
) -> _Outcome:
    model = cp_model.CpModel()
    window = sorted(window, key=lambda s: (s.starts_at, s.id))
    in_window = {s.id for s in window}
    rest = timedelta(hours=settings.rest_hours)
    window_start = window[0].starts_at
    window_end = max(s.ends_at for s in window) + rest
    window_weeks = {tuple(s.date.isocalendar()[:2]) for s in window}
    # Fixed assignments that can matter here: close enough for overlap or rest, or in one of
    # the window's weeks (weekly cap).
    fixed_by_person: dict[int, list[ShiftInfo]] = defaultdict(list)
    for a in fixed:
        other = plan.shifts[a.shift_id]
        if (other.ends_at + rest > window_start and other.starts_at < window_end) or tuple(
            other.date.isocalendar()[:2]
        ) in window_weeks:
            fixed_by_person[a.person_id].append(other)

    base: dict[int, int] = defaultdict(int)
    for person_id, past in plan.history.items():
        base[person_id] += _scaled(past, scale)
    for a in fixed:
        base[a.person_id] += _scaled(plan.shifts[a.shift_id].weight, scale)
    allowed: dict[str, set[int]] | None = None
    if shortlist:
        kept_people = {a.person_id for a in keep}
        allowed = {}
        for role in {r for s in window for r in s.requirements}:
            slots_for_role = sum(s.requirements.get(role, 0) for s in window)
            pool = sorted(
                {p for s in window for p in candidates.get((s.id, role), ())},
                key=lambda p: (base[p], p),
            )
            allowed[role] = set(pool[: shortlist * slots_for_role]) | kept_people

    x: dict[tuple[int, int, str], cp_model.IntVar] = {}
    by_slot: dict[tuple[int, str], list[cp_model.IntVar]] = defaultdict(list)
    by_shift_person: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
    for shift in window:
        for role, need in shift.requirements.items():
            if need <= 0:
                continue
            for person_id in candidates.get((shift.id, role), ()):
                if allowed is not None and person_id not in allowed[role]:
                    continue
                if any(_conflict(other, shift, settings) for other in fixed_by_person[person_id]):
                    continue
                var = model.new_bool_var(f"x_{shift.id}_{person_id}_{role}")
                x[(shift.id, person_id, role)] = var
                by_slot[(shift.id, role)].append(var)
                by_shift_person[(shift.id, person_id)].append(var)

    # Coverage (soft, counted) and one role per person per shift.
    covered_terms = []
    slots = 0
    for shift in window:
        for role, need in shift.requirements.items():
            if need <= 0:
                continue
            slots += need
            vars_ = by_slot.get((shift.id, role), [])
            if vars_:
                model.add(sum(vars_) <= need)
                covered_terms.extend(vars_)
    for vars_ in by_shift_person.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    uncovered = model.new_int_var(0, slots, "uncovered")
    model.add(uncovered == slots - sum(covered_terms))

    def taken(shift_id: int, person_id: int):
        return sum(by_shift_person.get((shift_id, person_id), ()))

    people_in_window: dict[int, list[ShiftInfo]] = defaultdict(list)
    shift_by_id = {s.id: s for s in window}
    for shift_id, person_id in by_shift_person:  # insertion order follows the sorted window
        people_in_window[person_id].append(shift_by_id[shift_id])

    # Overlap and rest: pairs of shifts one person may not both hold (the window is sorted by
    # start, so the inner loop stops once no later shift can start inside the rest period).
    clashes: dict[int, list[int]] = defaultdict(list)
    for i, first in enumerate(window):
        for second in window[i + 1 :]:
            if second.starts_at >= first.ends_at + rest:
                break
            if _conflict(first, second, settings):
                clashes[first.id].append(second.id)
    for person_id, shifts in people_in_window.items():
        mine = {s.id for s in shifts}
        for first in shifts:
            for second_id in clashes.get(first.id, ()):
                if second_id in mine:
                    model.add(taken(first.id, person_id) + taken(second_id, person_id) <= 1)

    # Weekly cap (ISO weeks), counting assignments already fixed in the same week.
    for person_id, shifts in people_in_window.items():
        weeks: dict[tuple[int, int], list[ShiftInfo]] = defaultdict(list)
        for shift in shifts:
            weeks[tuple(shift.date.isocalendar()[:2])].append(shift)
        for week, items in weeks.items():
            already = sum(
                1 for s in fixed_by_person[person_id] if tuple(s.date.isocalendar()[:2]) == week
            )
            room = settings.weekly_cap - already
            if len(items) > room:
                model.add(sum(taken(s.id, person_id) for s in items) <= max(room, 0))

    # Fairness: load per person, spread per role pool.
    load_expr: dict[int, object] = {}
    upper: dict[int, int] = {}
    for person_id in plan.people:
        terms = [
            _scaled(s.weight, scale) * taken(s.id, person_id)
            for s in people_in_window.get(person_id, ())
        ]
        load_expr[person_id] = base[person_id] + sum(terms) if terms else None
        upper[person_id] = base[person_id] + sum(
            _scaled(s.weight, scale) for s in people_in_window.get(person_id, ())
        )
    roles = sorted({r for s in plan.shifts.values() for r in s.requirements})
    spreads = []
    spread_vars: list[tuple[cp_model.IntVar, cp_model.IntVar]] = []
    spread_bound = 0
    for role in roles:
        pool = [p.id for p in plan.people.values() if role in p.roles]
        if len(pool) < 2:
            continue
        hi_bound = max(upper[p] for p in pool)
        lo_bound = min(base[p] for p in pool)
        hi = model.new_int_var(lo_bound, hi_bound, f"max_{role}")
        lo = model.new_int_var(lo_bound, hi_bound, f"min_{role}")
        constant = [base[p] for p in pool if load_expr[p] is None]
        if constant:
            model.add(hi >= max(constant))
            model.add(lo <= min(constant))
        for p in pool:
            if load_expr[p] is not None:
                model.add(hi >= load_expr[p])
                model.add(lo <= load_expr[p])
        spreads.append(hi - lo)
        spread_vars.append((hi, lo))
        spread_bound += hi_bound - lo_bound

    # Preferences and keep.
    pref_terms = [
        var for (s, p, _r), var in x.items() if (s, p) in prefer_not
    ]  # one unit of load each
    pref_weight = scale
    kept_terms = [
        var
        for a in keep
        if a.shift_id in in_window and (var := x.get((a.shift_id, a.person_id, a.role))) is not None
    ]
    hint = _greedy(window, x, keep, fixed_by_person, base, scale, settings, prefer_not)
    for key, var in x.items():
        model.add_hint(var, key in hint)
    # Tie-break: among equally even rosters, give duties to whoever carries the least so far
    # (the first-order term of a sum of squared loads; it also guides the search).
    pool_floor = {
        role: min((base[p.id] for p in plan.people.values() if role in p.roles), default=0)
        for role in roles
    }
    nudge_terms = []
    nudge_bound = 0
    for (s_id, p_id, role), var in x.items():
        above = min(base[p_id] - pool_floor[role], 4 * scale)
        cost = max(above, 0) * _scaled(shift_by_id[s_id].weight, scale) // scale
        if cost:
            nudge_terms.append(cost * var)
            nudge_bound += cost
    spread_weight = 10 * scale
    fair_bound = spread_weight * spread_bound + nudge_bound
    keep_weight = fair_bound + pref_weight * len(pref_terms) + 1
    cover_weight = keep_weight * (len(kept_terms) + 1) + fair_bound + pref_weight * len(pref_terms)
    model.minimize(
        cover_weight * uncovered
        - keep_weight * sum(kept_terms)
        + pref_weight * sum(pref_terms)
        + spread_weight * sum(spreads)
        + sum(nudge_terms)
    )

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = SEED
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.max_time_in_seconds = budget
    solver_box[:] = [solver]
    good_enough = None
    if early_stop:
        # Week by week, stop a week once it is fully covered, keeps what it can keep and every
        # pool's cumulative spread is within the lightest shift's weight: the remaining time is
        # worth more to the weeks that are still hard.
        tolerance = min(_scaled(s.weight, scale) for s in window)

        def good_enough(cb: _Callback) -> bool:
            return (
                cb.Value(uncovered) == 0
                and sum(cb.Value(v) for v in kept_terms) == len(kept_terms)
                and all(cb.Value(hi) - cb.Value(lo) <= tolerance for hi, lo in spread_vars)
            )

    callback = _Callback(progress, stop_event, done, total, budget, uncovered, good_enough)
    if stop_event.is_set():
        return _Outcome([], cancelled=True)
    status = solver.solve(model, callback)
    if _DEBUG:
        print("window", done, solver.status_name(status), f"{solver.wall_time:.2f}s", len(x))
    solver_box[:] = []
    cancelled = stop_event.is_set()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No solution in time: the greedy starting point obeys every hard rule, so use it.
        fallback = [AssignmentInfo(s, p, r) for s, p, r in sorted(hint)]
        return _Outcome(fallback, cancelled=cancelled)
    assignments = [
        AssignmentInfo(s, p, r) for (s, p, r), var in x.items() if solver.boolean_value(var)
    ]
    return _Outcome(assignments, optimal=status == cp_model.OPTIMAL, cancelled=cancelled)


def _greedy(
    window: list[ShiftInfo],
    x: dict[tuple[int, int, str], cp_model.IntVar],
    keep: Sequence[AssignmentInfo],
    fixed_by_person: dict[int, list[ShiftInfo]],
    base: dict[int, int],
    scale: int,
    settings: RuleSettings,
    prefer_not: set[tuple[int, int]],
) -> set[tuple[int, int, str]]:
    """A quick starting point for the search: kept assignments first, then each open slot to
    the least-loaded candidate who breaks no rule given what is placed so far."""
    load = defaultdict(int, base)
    placed: dict[int, list[ShiftInfo]] = defaultdict(list)
    filled: dict[tuple[int, str], int] = defaultdict(int)
    on_shift: dict[int, set[int]] = defaultdict(set)
    chosen: set[tuple[int, int, str]] = set()
    by_slot: dict[tuple[int, str], list[int]] = defaultdict(list)
    for s, p, r in x:
        by_slot[(s, r)].append(p)
    shifts = {s.id: s for s in window}

    def fits(shift: ShiftInfo, person_id: int) -> bool:
        if person_id in on_shift[shift.id]:
            return False
        week = shift.date.isocalendar()[:2]
        mine = placed[person_id] + fixed_by_person.get(person_id, [])
        if sum(1 for s in mine if s.date.isocalendar()[:2] == week) >= settings.weekly_cap:
            return False
        return not any(_conflict(s, shift, settings) for s in placed[person_id])

    def place(shift: ShiftInfo, person_id: int, role: str) -> None:
        chosen.add((shift.id, person_id, role))
        placed[person_id].append(shift)
        on_shift[shift.id].add(person_id)
        filled[(shift.id, role)] += 1
        load[person_id] += _scaled(shift.weight, scale)

    for a in keep:
        shift = shifts.get(a.shift_id)
        if (
            shift is not None
            and (a.shift_id, a.person_id, a.role) in x
            and filled[(a.shift_id, a.role)] < shift.requirements.get(a.role, 0)
            and fits(shift, a.person_id)
        ):
            place(shift, a.person_id, a.role)
    for shift in window:
        # Scarce roles first, so a person who holds two roles is saved for the scarcer one.
        for role in sorted(shift.requirements, key=lambda r: len(by_slot[(shift.id, r)])):
            need = shift.requirements[role]
            for person_id in sorted(
                by_slot[(shift.id, role)],
                key=lambda p: ((shift.id, p) in prefer_not, load[p], p),
            ):
                if filled[(shift.id, role)] >= need:
                    break
                if fits(shift, person_id):
                    place(shift, person_id, role)
    return chosen


def _watch(should_stop: ShouldStop, stop_event: threading.Event, solver_box: list) -> None:
    while not stop_event.is_set():
        if should_stop():
            stop_event.set()
            for solver in list(solver_box):
                solver.stop_search()
            return
        time.sleep(0.05)


# -- helpers --------------------------------------------------------------------------------


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _scale(plan: Plan) -> int:
    """The smallest integer that makes every shift weight whole (1.5 → 2)."""
    scale = 1
    for shift in plan.shifts.values():
        denominator = Fraction(shift.weight).limit_denominator(1000).denominator
        scale = scale * denominator // math.gcd(scale, denominator)
    return min(scale, 1000)


def _scaled(value, scale: int) -> int:
    return round(Decimal(value) * scale)


def _on_leave(person: PersonInfo, shift: ShiftInfo) -> bool:
    return any(start < shift.ends_at and shift.starts_at < end for start, end in person.leave)


def _conflict(a: ShiftInfo, b: ShiftInfo, settings: RuleSettings) -> bool:
    """True if one person may not hold both: they overlap, or one starts within the rest
    period after the other (a night shift) ends."""
    if a.id == b.id:
        return True
    first, second = (a, b) if (a.starts_at, a.id) <= (b.starts_at, b.id) else (b, a)
    if second.starts_at < first.ends_at:
        return True
    gap = second.starts_at - first.ends_at
    return first.night and gap < timedelta(hours=settings.rest_hours)


def _candidates(
    plan: Plan, settings: RuleSettings, unavailable: dict[int, set[date]]
) -> dict[tuple[int, str], list[int]]:
    found: dict[tuple[int, str], list[int]] = {}
    for shift in plan.shifts.values():
        for role in shift.requirements:
            found[(shift.id, role)] = [
                p.id
                for p in plan.people.values()
                if role in p.roles
                and not _on_leave(p, shift)
                and shift.date not in unavailable.get(p.id, ())
                and not (
                    settings.teachers_only_on_school_days
                    and p.full_time_teacher
                    and not shift.students_in_school
                )
            ]
    return found


def _diagnose(
    plan: Plan, settings: RuleSettings, unavailable: dict[int, set[date]]
) -> tuple[list[str], set[tuple[int, str]]]:
    """Requirements no roster can meet, shift by shift, with the reason in numbers; and the
    (shift, role) pairs they concern."""
    problems = []
    keys = set()
    for shift in sorted(plan.shifts.values(), key=lambda s: (s.starts_at, s.id)):
        for role, need in shift.requirements.items():
            qualified = [p for p in plan.people.values() if role in p.roles]
            present = [p for p in qualified if not _on_leave(p, shift)]
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


def _missing(
    plan: Plan, chosen: list[AssignmentInfo], shifts: Iterable[ShiftInfo] | None = None
) -> dict[tuple[int, str], tuple[int, int]]:
    filled: dict[tuple[int, str], int] = defaultdict(int)
    for a in chosen:
        filled[(a.shift_id, a.role)] += 1
    return {
        (shift.id, role): (filled[(shift.id, role)], need)
        for shift in (plan.shifts.values() if shifts is None else shifts)
        for role, need in shift.requirements.items()
        if filled[(shift.id, role)] < need
    }
