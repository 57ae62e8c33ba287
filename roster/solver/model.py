"""One part of a plan as a CP-SAT model, solved in two steps.

1. *Cover*: a greedy roster that obeys every hard rule (so a valid answer exists from the first
   instant), evened out by local moves (``hint.rebalance``), then CP-SAT on one weighted
   objective: coverage > keep > fairness (max − min per pool) and preferences. CP-SAT is
   skipped for a large part whose greedy roster already fills every place it can and holds
   every keep: that search is slow and step 2 balances far better.
2. *Balance*: with coverage, keeps and preferences held at least as good as step 1's, every
   load in a role pool is bounded to a band around the pool's level (the load everyone would
   carry if the pool's duties were poured on the least loaded first, history included): a
   comfortable band first (the lightest shift's weight wide), then narrower ones while time
   remains. Fixed bounds on each load propagate far better than minimising max − min, whose
   value moves only when its extremes do: a term's guard pool is balanced in well under a
   second where the objective alone stalls for many. Local moves polish the result.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils.translation import gettext as _
from ortools.sat.python import cp_model

from roster.rules import AssignmentInfo, Plan, RuleSettings
from roster.solver.hint import Key, greedy, rebalance
from roster.solver.prepare import Part, conflict, context_duties, iso_week, scaled

SEED = 20260901
_DEBUG = bool(os.environ.get("ROSTER_SOLVER_DEBUG"))
# Share of a part's time for step 1 when it cannot prove itself done sooner.
COVER_SHARE = 0.3
# Up to this many variables step 1 runs even after a complete greedy start (it is quick and
# may prove the roster optimal).
SMALL = 600
# Share of a part's time the local moves may take, before and after CP-SAT (they stop sooner
# when no move helps).
POLISH_SHARE = 0.1
# A balancing attempt gets at least this long (seconds), or it cannot even load the model.
MIN_TRY = 0.2

Progress = Callable[[float, str], None]


@dataclass
class Run:
    """What the parts of one solve share: the clock, progress and cancellation."""

    began: float
    time_limit: float
    parts: int
    progress: Progress | None
    stop_event: threading.Event
    solver_box: list = field(default_factory=list)
    solutions: int = 0

    @property
    def cancelled(self) -> bool:
        return self.stop_event.is_set()

    def report(self, index: int, open_slots: int) -> None:
        """Progress by the clock: how far into the time limit, with the best roster so far."""
        if self.progress is None:
            return
        self.progress(
            min(0.99, (time.monotonic() - self.began) / max(self.time_limit, 0.01)),
            _("Roster %(solution)d found (part %(part)d of %(parts)d): %(open)d open slots.")
            % {"solution": max(self.solutions, 1), "part": index + 1, "parts": self.parts,
               "open": open_slots},
        )  # fmt: skip


@dataclass
class Outcome:
    assignments: list[AssignmentInfo]
    optimal: bool = False
    cancelled: bool = False


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(self, run: Run, index: int, uncovered, good_enough=None):
        super().__init__()
        self._run, self.index, self._uncovered = run, index, uncovered
        self._good_enough = good_enough

    def on_solution_callback(self) -> None:
        run = self._run
        run.solutions += 1
        if run.cancelled or (self._good_enough and self._good_enough(self)):
            self.StopSearch()
            return
        run.report(self.index, int(self.Value(self._uncovered)))


class PartModel:
    """The CP-SAT model of one part: ``x[shift, person, role]`` exists only for candidates."""

    def __init__(
        self,
        *,
        plan: Plan,
        settings: RuleSettings,
        part: Part,
        keep: Sequence[AssignmentInfo],
        prefer_not: set[tuple[int, int]],
        scale: int,
        unfillable: int = 0,
    ):
        self.plan, self.settings, self.part, self.scale = plan, settings, part, scale
        self.unfillable = unfillable  # places no roster can fill (a bound for step 1)
        self.keep, self.prefer_not = keep, prefer_not
        self.spent: list[dict] = []  # bands not worth another try (proven empty, or no better)
        self.booked: dict[tuple[int, tuple[int, int]], int] = defaultdict(int)
        for person_id, duties in context_duties(plan).items():
            for duty in duties:
                self.booked[(person_id, iso_week(duty))] += 1
        model = self.model = cp_model.CpModel()
        self.weight = {s.id: scaled(s.weight, scale) for s in part.shifts}
        self.base = {p: scaled(plan.history.get(p, 0), scale) for p in part.people}
        x: dict[Key, cp_model.IntVar] = {}
        by_line: dict[tuple[int, str], list] = defaultdict(list)
        by_shift_person: dict[tuple[int, int], list] = defaultdict(list)
        for shift in part.shifts:
            for role in sorted(part.roles):
                for person_id in part.candidates.get((shift.id, role), ()):
                    var = model.new_bool_var(f"x_{shift.id}_{person_id}_{role}")
                    x[(shift.id, person_id, role)] = var
                    by_line[(shift.id, role)].append(var)
                    by_shift_person[(shift.id, person_id)].append(var)
        self.x = x
        self.by_line = by_line

        # Coverage (soft, counted) and one role per person per shift.
        places = sum(shift.requirements[r] for shift in part.shifts for r in part.roles
                     if (shift.id, r) in part.candidates)  # fmt: skip
        for (shift_id, role), vars_ in by_line.items():
            model.add(cp_model.LinearExpr.sum(vars_) <= plan.shifts[shift_id].requirements[role])
        # Whether a person takes a shift (in any role): the variable itself when they hold
        # one role for it, as nearly everyone does.
        takes: dict[tuple[int, int], object] = {}
        for key, vars_ in by_shift_person.items():
            if len(vars_) > 1:
                model.add_at_most_one(vars_)
                takes[key] = cp_model.LinearExpr.sum(vars_)
            else:
                takes[key] = vars_[0]
        self.places = places
        self.uncovered = model.new_int_var(0, places, "uncovered")
        model.add(self.uncovered == places - cp_model.LinearExpr.sum(list(x.values())))

        def taken(shift_id: int, person_id: int):
            return takes[(shift_id, person_id)]

        mine: dict[int, list[int]] = defaultdict(list)  # person → shift ids, in start order
        for shift_id, person_id in by_shift_person:
            mine[person_id].append(shift_id)

        # Overlap and rest: pairs of shifts one person may not both hold (sorted by start, so
        # the inner loop stops once no later shift can start inside the rest period).
        rest = timedelta(hours=settings.rest_hours)
        clashes: dict[int, list[int]] = defaultdict(list)
        for i, first in enumerate(part.shifts):
            for second in part.shifts[i + 1 :]:
                if second.starts_at >= first.ends_at + rest:
                    break
                if conflict(first, second, settings):
                    clashes[first.id].append(second.id)
        for person_id, shift_ids in mine.items():
            held = set(shift_ids)
            for first_id in shift_ids:
                for second_id in clashes.get(first_id, ()):
                    if second_id in held:
                        model.add(taken(first_id, person_id) + taken(second_id, person_id) <= 1)

        # Weekly cap (ISO weeks of the shift's date), less duties in neighbouring rosters.
        for person_id, shift_ids in mine.items():
            weeks: dict[tuple[int, int], list[int]] = defaultdict(list)
            for shift_id in shift_ids:
                weeks[iso_week(self.plan.shifts[shift_id])].append(shift_id)
            for week, items in weeks.items():
                room = settings.weekly_cap - self.booked.get((person_id, week), 0)
                if len(items) > room:
                    model.add(
                        cp_model.LinearExpr.sum([taken(s, person_id) for s in items])
                        <= max(room, 0)
                    )

        # Load per person (history included) and the role pools it is compared within.
        self.load = {
            p: cp_model.LinearExpr.weighted_sum(
                [taken(s, p) for s in mine.get(p, ())], [self.weight[s] for s in mine.get(p, ())]
            )
            + self.base[p]
            for p in part.people
        }
        self.reach = {
            p: self.base[p] + sum(self.weight[s] for s in mine.get(p, ())) for p in part.people
        }
        self.pools = {
            role: [p for p in part.people if role in plan.people[p].roles]
            for role in sorted(part.roles)
        }
        self.takers: dict[str, set[int]] = defaultdict(set)  # who can take a place in a role
        for (_shift_id, role), people in part.candidates.items():
            self.takers[role].update(people)
        self.kept = [
            var for a in keep if (var := x.get((a.shift_id, a.person_id, a.role))) is not None
        ]
        self.preferred_not = [var for (s, p, _r), var in x.items() if (s, p) in prefer_not]

    # -- step 1 ---------------------------------------------------------------------------

    def _cover_model(self) -> tuple[cp_model.CpModel, list[tuple]]:
        """A copy of the model minimising coverage > keep > preferences and fairness as one
        weighted sum, and the pools' (max, min, people) for the stopping test and the hint."""
        model, scale = self.model.clone(), self.scale
        spreads, pairs, spread_bound = [], [], 0
        for role, pool in self.pools.items():
            if len(pool) < 2:
                continue
            lo_bound = min(self.base[p] for p in pool)
            hi_bound = max(self.reach[p] for p in pool)
            hi = model.new_int_var(lo_bound, hi_bound, f"max_{role}")
            lo = model.new_int_var(lo_bound, hi_bound, f"min_{role}")
            for p in pool:
                model.add(hi >= self.load[p])
                model.add(lo <= self.load[p])
            spreads.append(hi - lo)
            pairs.append((hi, lo, pool))
            spread_bound += hi_bound - lo_bound
        # Tie-break: among equally even rosters, give duties to whoever carries the least so
        # far (the first-order term of a sum of squared loads; it also guides the search).
        floor = {r: min((self.base[p] for p in pool), default=0) for r, pool in self.pools.items()}
        nudge, nudge_bound = [], 0
        for (s, p, role), var in self.x.items():
            above = min(self.base[p] - floor[role], 4 * scale)
            cost = max(above, 0) * self.weight[s] // scale
            if cost:
                nudge.append(cost * var)
                nudge_bound += cost
        pref_weight = scale  # a shift someone prefers not to work costs one unit of load
        spread_weight = 10 * scale
        fair_bound = spread_weight * spread_bound + nudge_bound
        pref_bound = pref_weight * len(self.preferred_not)
        keep_weight = fair_bound + pref_bound + 1
        cover_weight = keep_weight * (len(self.kept) + 1) + fair_bound + pref_bound
        model.minimize(
            cover_weight * self.uncovered
            - keep_weight * sum(self.kept)
            + pref_weight * sum(self.preferred_not)
            + spread_weight * sum(spreads)
            + sum(nudge)
        )
        return model, pairs

    def _hint(self, model: cp_model.CpModel, chosen: set[Key], pairs: Sequence = ()) -> None:
        """A complete hint (every variable), so CP-SAT takes it as its first solution. Written
        straight into the proto: ``add_hint`` one variable at a time costs more than a try."""
        load = self._loads(chosen)
        values = {var.index: int(key in chosen) for key, var in self.x.items()}
        values[self.uncovered.index] = self.places - len(chosen)
        for hi, lo, pool in pairs:
            values[hi.index] = max(load[p] for p in pool)
            values[lo.index] = min(load[p] for p in pool)
        hint = model.proto.solution_hint
        hint.vars.extend(list(values))
        hint.values.extend(list(values.values()))

    def solve(self, *, budget: float, run: Run, index: int) -> Outcome:
        began = time.monotonic()
        hint = greedy(self.part.shifts, self.x, self.keep, self.base, self.scale,
                      self.settings, self.prefer_not, self.booked)  # fmt: skip
        hint = self._polish(hint, began + budget * POLISH_SHARE)
        uncovered, kept, _preferred_not = self._counts(hint)
        if len(self.x) > SMALL and uncovered <= self.unfillable and kept == len(self.kept):
            # The greedy roster already covers and keeps all it can: only balance is left,
            # and step 2 does that far better.
            best, optimal = hint, False
        else:
            best, optimal = self._cover(hint, budget * COVER_SHARE, run, index)
        self.best, self.optimal = best, optimal
        return self.refine(deadline=began + budget, run=run, index=index)

    def refine(self, *, deadline: float, run: Run, index: int) -> Outcome:
        """Balance the best roster so far until ``deadline`` (again, when time is left over
        after every part had its turn)."""
        if not (self.optimal or run.cancelled):
            best = self._balance(self.best, deadline, run, index)
            polish = max(deadline - time.monotonic(), MIN_TRY) * POLISH_SHARE
            self.best = self._polish(best, time.monotonic() + polish)
        assignments = [AssignmentInfo(s, p, r) for s, p, r in sorted(self.best)]
        return Outcome(assignments, optimal=self.optimal, cancelled=run.cancelled)

    @property
    def unevenness(self) -> int:
        """The largest pool spread of the best roster so far, in scaled units."""
        return 0 if self.optimal else self._score(self.best)[0]

    def _cover(self, hint: set[Key], limit: float, run: Run, index: int) -> tuple[set, bool]:
        model, pairs = self._cover_model()
        self._hint(model, hint, pairs)
        tolerance = min(self.weight.values(), default=0)

        def good_enough(cb: _Callback) -> bool:
            return (
                cb.Value(self.uncovered) <= self.unfillable
                and sum(cb.Value(v) for v in self.kept) == len(self.kept)
                and all(cb.Value(hi) - cb.Value(lo) <= tolerance for hi, lo, _pool in pairs)
            )

        callback = _Callback(run, index, self.uncovered, good_enough)
        found, status = self._run(model, limit, run, callback, self._counts(hint)[0])
        # No roster in time: the greedy one obeys every hard rule, so it stands.
        return (hint, False) if found is None else (found, status == cp_model.OPTIMAL)

    def _polish(self, chosen: set[Key], deadline: float) -> set[Key]:
        kept = {(a.shift_id, a.person_id, a.role) for a in self.keep}
        return rebalance(
            chosen, shifts=self.plan.shifts, allowed=set(self.x), pools=self.pools,
            base=self.base, weight=self.weight, settings=self.settings, booked=self.booked,
            fixed=kept, prefer_not=self.prefer_not, deadline=deadline,
        )  # fmt: skip

    # -- step 2 ---------------------------------------------------------------------------

    def _balance(self, best: set[Key], deadline: float, run: Run, index: int) -> set[Key]:
        """Find a roster inside a band of a comfortable width (the lightest shift's weight)
        first, widening it if need be; then try the narrower widths, narrowest first (an
        exact band often propagates best), while time remains."""
        comfortable = min(self.weight.values(), default=0)
        width = min(comfortable, self._score(best)[0] - 1)
        narrower: list[int] | None = None  # widths still to try once one band has held
        tried: list[dict] = []
        while not run.cancelled:
            score = self._score(best)
            left = deadline - time.monotonic()
            if width < 0 or width >= score[0] or left < MIN_TRY:
                break
            bounds = self._bands(best, width)
            found = None
            if bounds not in tried and bounds not in self.spent:
                tried.append(bounds)
                share = left / 2 if narrower is None else left / max(len(narrower) + 1, 1)
                found, status = self._inside(best, bounds, min(share, left), deadline, run, index)
                if status == cp_model.INFEASIBLE or (
                    found is not None and self._score(found) >= score
                ):
                    self.spent.append(bounds)
            if found is not None and self._score(found) < score:
                best = found
                narrower = list(range(self._score(best)[0]))
            elif narrower is None:
                width += 1
                continue
            if not narrower:
                break
            width = narrower.pop(0)
        return best

    def _inside(
        self, best: set[Key], bounds: dict, limit: float, deadline: float, run: Run, index: int
    ) -> tuple[set[Key] | None, int]:
        """A roster as good as ``best`` on coverage, keeps and preferences with every load
        within ``bounds``, or None if none was found within ``limit`` seconds (and by
        ``deadline``, building the model included); and CP-SAT's status."""
        uncovered, kept, preferred_not = self._counts(best)
        trial = self.model.clone()
        trial.clear_hints()
        if uncovered <= self.unfillable:
            # Every place that can be filled is: say so line by line, which propagates far
            # better than one count over the whole term.
            for (shift_id, role), vars_ in self.by_line.items():
                need = self.plan.shifts[shift_id].requirements[role]
                trial.add(sum(vars_) == min(need, len(vars_)))
        else:
            trial.add(self.uncovered <= uncovered)
        if self.kept:
            trial.add(sum(self.kept) >= kept)
        if self.preferred_not:
            trial.add(sum(self.preferred_not) <= preferred_not)
        for p, (lo, hi) in bounds.items():
            trial.add(self.load[p] <= hi)
            if lo is not None:
                trial.add(self.load[p] >= lo)
        self._hint(trial, best)
        limit = min(max(limit, MIN_TRY), deadline - time.monotonic())
        if limit < MIN_TRY / 2:
            return None, cp_model.UNKNOWN
        callback = _Callback(run, index, self.uncovered)
        return self._run(trial, limit, run, callback, uncovered)

    def _bands(self, chosen: set[Key], width: int) -> dict[int, tuple[int | None, int]]:
        """Per person, the (lowest, highest) load allowed when each pool's band is ``width``
        wide (or as narrow as the pool already is) around the pool's level."""
        load = self._loads(chosen)
        bounds: dict[int, tuple[int | None, int]] = {}
        for role, pool in self.pools.items():
            if len(pool) < 2:
                continue
            own = defaultdict(int)  # load taken in this role
            for s, p, r in chosen:
                if r == role:
                    own[p] += self.weight[s]
            takers = [p for p in pool if p in self.takers[role]]
            level = _water_level([load[p] - own[p] for p in takers], sum(own.values()))
            current = max(load[p] for p in pool) - min(load[p] for p in pool)
            wide = max(width, math.ceil(level) - math.floor(level))
            if wide >= current:
                low, high = min(load[p] for p in pool), max(load[p] for p in pool)
            else:
                low = min(math.floor(level), max(math.ceil(level) - wide,
                                                 math.floor(level - wide / 2)))  # fmt: skip
                high = low + wide
            for p in takers:
                lo = low if self.reach[p] >= low else None
                hi = max(high, self.base[p])
                if p in bounds:  # someone in two pools: both bands hold
                    old_lo, old_hi = bounds[p]
                    lo = lo if old_lo is None else old_lo if lo is None else max(lo, old_lo)
                    hi = min(hi, old_hi)
                bounds[p] = (lo, hi)
        return bounds

    # -- measuring ------------------------------------------------------------------------

    def _loads(self, chosen: set[Key]) -> dict[int, int]:
        load = dict(self.base)
        for s, p, _r in chosen:
            load[p] += self.weight[s]
        return load

    def _score(self, chosen: set[Key]) -> tuple[int, int]:
        """(largest pool spread, sum of pool spreads): smaller is fairer."""
        load = self._loads(chosen)
        spreads = [
            max(load[p] for p in pool) - min(load[p] for p in pool)
            for pool in self.pools.values()
            if pool
        ]
        return (max(spreads, default=0), sum(spreads))

    def _counts(self, chosen: set[Key]) -> tuple[int, int, int]:
        """(open places, kept assignments, shifts someone preferred not to work)."""
        kept = {(a.shift_id, a.person_id, a.role) for a in self.keep} & chosen
        return (
            self.places - len(chosen),
            len(kept),
            sum(1 for s, p, _r in chosen if (s, p) in self.prefer_not),
        )

    def _run(self, model, limit: float, run: Run, callback: _Callback, open_slots: int):
        run.report(callback.index, open_slots)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 2
        solver.parameters.random_seed = SEED
        solver.parameters.symmetry_level = 0
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_time_in_seconds = max(limit, 0.01)
        solver.parameters.log_search_progress = bool(os.environ.get("ROSTER_SOLVER_LOG"))
        # Finding dominated linear constraints took most of the time on a term's model and
        # found nothing to gain (the load sums overlap everywhere).
        solver.parameters.presolve_inclusion_work_limit = 0
        run.solver_box[:] = [solver]
        if run.cancelled:
            return None, cp_model.UNKNOWN
        status = solver.solve(model, callback)
        run.solver_box[:] = []
        if _DEBUG:
            print(f"part {sorted(self.part.roles)} {solver.status_name(status)} "
                  f"{solver.wall_time:.2f}s/{limit:.2f}s {len(self.x)} vars")  # fmt: skip
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, status
        chosen = {key for key, var in self.x.items() if solver.boolean_value(var)}
        return chosen, status


def _water_level(fixed: list[int], amount: int) -> float:
    """The level L where sum(max(0, L − f) for f in fixed) == amount: pouring ``amount`` of
    load on the least-loaded first evens them out at L."""
    if not fixed:
        return 0.0
    ordered = sorted(fixed)
    for count in range(len(ordered), 0, -1):
        level = (amount + sum(ordered[:count])) / count
        if level >= ordered[count - 1]:
            return level
    return float(ordered[0])
