"""Fair auto-generation of a roster with OR-Tools CP-SAT.

``solve(plan, settings)`` fills every shift's requirements (role → count) with qualified people
under all hard rules of ``roster.rules.check()`` and balances weighted load (history included)
within each role pool. ``plan.assignments`` is ignored: the result replaces it. Pass the current
assignments as ``keep`` to change as little as possible when re-running after a change.

The model, per shift ``s``, person ``p`` and role ``r``: a boolean ``x[s,p,r]`` exists only if
``p`` may serve as ``r``, is not on leave during ``s``, has not marked ``s``'s date unavailable,
is not a full-time teacher on a day without students (when the setting is on) and is clear of
their duties in neighbouring rosters (``plan.context``: overlap and rest). Then:

- coverage: at most ``need`` people per (shift, role); each missing person is penalised above
  everything else, so a full roster is found whenever one exists and, when none does, the best
  partial roster comes back with the reasons;
- one role per person per shift;
- no two shifts for one person that overlap, or where one starts less than ``rest_hours`` after
  a night shift ends;
- at most ``weekly_cap`` shifts per person per ISO week (of the shift's date), counting their
  duties in neighbouring rosters;
- fairness: for each role pool (everyone who may serve the role), the spread max − min of
  load = history + weights of the shifts taken;
- ``keep`` assignments are held above fairness; ``prefer_not`` shifts are avoided (one unit of
  load each).

Priorities: coverage > keep > fairness and preferences. Balancing never buys an open place, a
dropped keep or one more unwanted shift.

The whole period is one model, with two reductions that lose nothing that matters:

- *parts*: roles are solved separately unless someone holds both (no rule or pool crosses
  them), each with a share of the time;
- *thinning*: a part with more than ``max_variables`` candidate variables (the 120 teachers
  of a school, each on a few duties a term) keeps a balanced subset of candidates per place;
  if that leaves a place open, the part is solved again with everyone.

Each part is solved in two steps (see ``roster.solver.model``): cover (greedy, then CP-SAT
when the greedy roster leaves anything open or undone), then balance: local moves and swaps
that lower the sum of squared loads (``roster.solver.hint.rebalance``), then CP-SAT inside a
band around each pool's level, narrowing it while time remains. Time a part does not use goes
to more balancing of the least even parts.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from roster.rules import ROLE_LABELS, AssignmentInfo, Plan, RuleSettings
from roster.solver.model import Outcome, PartModel, Progress, Run
from roster.solver.prepare import as_date, candidates, diagnose, missing, scale_of, split, thin

__all__ = ["SolveResult", "solve", "spread_by_role"]

# A part with more candidate variables than this is thinned (see the module docstring)...
MAX_VARIABLES = 6000
# ...to about this many (or max_variables if lower), keeping at least THIN_FLOOR candidates
# per place.
THIN_TO = 3000
THIN_FLOOR = 4
# Each part gets at least this long (seconds) when the time limit allows; small parts finish
# early and leave the rest to the larger ones, which come last.
MIN_PART = 0.5

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
    max_variables: int = MAX_VARIABLES,
) -> SolveResult:
    """Fill ``plan``'s shifts. ``preferences``: ``{person_id: {"unavailable": [date, ...],
    "prefer_not": [shift_id, ...]}}`` — unavailable dates are hard, prefer_not is soft."""
    began = time.monotonic()
    preferences = preferences or {}
    unavailable = {
        int(pid): {as_date(d) for d in (pref or {}).get("unavailable", ())}
        for pid, pref in preferences.items()
    }
    prefer_not = {
        (int(sid), int(pid))
        for pid, pref in preferences.items()
        for sid in (pref or {}).get("prefer_not", ())
    }
    scale = scale_of(plan)
    lines = candidates(plan, settings, unavailable)
    problems, explained = diagnose(plan, settings, unavailable, lines)
    parts = split(plan, lines)
    pieces = [
        thin(
            part,
            limit=min(THIN_TO, max_variables),
            floor=THIN_FLOOR,
            keep=keep,
            prefer_not=prefer_not,
        )
        if part.size > max_variables
        else part
        for part in parts
    ]
    order = sorted(range(len(parts)), key=lambda i: (pieces[i].size, sorted(parts[i].roles)))

    run = Run(began=began, time_limit=time_limit, parts=len(parts), progress=progress,
              stop_event=threading.Event())  # fmt: skip
    done = threading.Event()
    watcher = None
    if should_stop is not None:
        watcher = threading.Thread(target=_watch, args=(should_stop, run, done), daemon=True)
        watcher.start()

    outcomes: dict[int, Outcome] = {}
    models: dict[int, PartModel] = {}
    try:
        for index, number in enumerate(order):
            part, piece = parts[number], pieces[number]
            if run.cancelled:
                break
            left = time_limit - (time.monotonic() - began)
            share = piece.size / max(sum(pieces[i].size for i in order[index:]), 1)
            budget = min(left, max(left * share, MIN_PART))
            unfillable = sum(
                max(0, plan.shifts[s].requirements[r] - len(people))
                for (s, r), people in part.candidates.items()
            )
            model = PartModel(
                plan=plan,
                settings=settings,
                part=piece,
                keep=keep,
                prefer_not=prefer_not,
                scale=scale,
                unfillable=unfillable,
            )
            outcome = model.solve(budget=max(budget, 0.05), run=run, index=index)
            gaps = missing(plan, outcome.assignments, piece.shifts)
            if piece.thinned and not outcome.cancelled and _open(gaps, part.roles) > unfillable:
                # The thinned pool was too thin somewhere: solve the part with everyone.
                left = time_limit - (time.monotonic() - began)
                model = PartModel(
                    plan=plan,
                    settings=settings,
                    part=part,
                    keep=keep,
                    prefer_not=prefer_not,
                    scale=scale,
                    unfillable=unfillable,
                )
                outcome = model.solve(budget=left / (len(order) - index), run=run, index=index)
            outcomes[index], models[index] = outcome, model
            if outcome.cancelled:
                break
        # Time left over (some parts finish early): more balancing for the least even parts.
        for index in sorted(models, key=lambda i: -models[i].unevenness):
            left = time_limit - (time.monotonic() - began)
            if run.cancelled or left < 2 * MIN_PART or not models[index].unevenness:
                break
            outcomes[index] = models[index].refine(
                deadline=time.monotonic() + left, run=run, index=index
            )
    finally:
        done.set()  # ends the watcher
        if watcher is not None:
            watcher.join(timeout=1)

    chosen = [a for outcome in outcomes.values() for a in outcome.assignments]
    all_optimal = all(outcome.optimal for outcome in outcomes.values())
    gaps = missing(plan, chosen)
    if run.cancelled:
        status = "cancelled"
        problems.append(_("The solver was cancelled; the roster is incomplete."))
    elif gaps:
        status = "partial" if chosen else "infeasible"
        for (shift_id, role), (have, need) in sorted(gaps.items()):
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


def _open(gaps: dict, roles: Iterable[str]) -> int:
    return sum(need - have for (_s, role), (have, need) in gaps.items() if role in roles)


def _watch(should_stop: ShouldStop, run: Run, done: threading.Event) -> None:
    while not done.is_set():
        if should_stop():
            run.stop_event.set()
            for solver in list(run.solver_box):
                solver.stop_search()
            return
        time.sleep(0.05)
