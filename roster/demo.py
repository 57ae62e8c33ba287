"""Demo rosters for the demo school: this month published, next month a draft half filled, and
swaps and leave requests in each state on this month's duties still ahead.

Idempotent: rosters that exist are left as they are, and the requests are made once (when the
school has none). Everything goes through the services, so the requests are what a user would
have made: notices sent, the approved swap moved and recorded.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from roster import exchange, services
from roster.greedy import greedy_fill
from roster.models import Assignment, LeaveRequest, Roster, RosterStatus, ShiftType, SwapRequest
from roster.queries import build_plan, candidates_for, rule_settings
from staff.models import Role, Staff

# (kind, the state it is left in), made in this order on the earliest duties ahead.
REQUESTS = [
    ("swap", SwapRequest.Status.REQUESTED),
    ("swap", SwapRequest.Status.ACCEPTED),
    ("swap", SwapRequest.Status.APPROVED),
    ("swap", SwapRequest.Status.DECLINED),
    ("leave", LeaveRequest.Status.REQUESTED),
    ("leave", LeaveRequest.Status.ACCEPTED),
    ("leave", LeaveRequest.Status.UNFILLED),
]
REASONS = {"swap": "家中有事，请求换班", "leave": "身体不适，请假"}


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def _fill(roster: Roster, *, until: date | None = None) -> None:
    plan = build_plan(roster)
    if until is not None:
        plan.shifts = {k: s for k, s in plan.shifts.items() if s.date <= until}
    staff_by_id = {s.pk: s for s in roster.school.staff.all()}
    shifts = {s.pk: s for s in roster.shifts.all()}
    Assignment.objects.bulk_create(
        Assignment(shift=shifts[a.shift_id], staff=staff_by_id[a.person_id], role=a.role)
        for a in greedy_fill(plan, rule_settings(roster.school))
    )


def seed(school, *, today: date | None = None) -> list[str]:
    """``today``: the school's date (default: now); tests pass one to be independent of it."""
    if not ShiftType.objects.filter(school=school).exists():
        services.create_default_shift_types(school=school)
    today = today or timezone.localdate()
    made = []
    first, last = _month(today)
    roster = Roster.objects.filter(school=school, start_date=first).first()
    if roster is None:
        roster = services.create_roster(school=school, name=f"{first:%Y年%m月}值班表",
                                        start=first, end=last, actor=None)  # fmt: skip
        _fill(roster)
        if not any(v.error for v in services.check(build_plan(roster), rule_settings(school))):
            services.publish_roster(roster=roster, actor=None, reason="演示数据")
        made.append(roster.name)
    nfirst, nlast = _month(last + timedelta(days=1))
    if not Roster.objects.filter(school=school, start_date=nfirst).exists():
        draft = services.create_roster(school=school, name=f"{nfirst:%Y年%m月}值班表",
                                       start=nfirst, end=nlast, actor=None)  # fmt: skip
        _fill(draft, until=nfirst + timedelta(days=13))
        made.append(draft.name)
    roster.refresh_from_db()
    if roster.status == RosterStatus.PUBLISHED:
        made.extend(_requests(roster))
    return made


def _requests(roster: Roster) -> list[str]:
    """Swaps and leave in every state on the roster's duties still ahead; fewer when the
    month is nearly over (only duties that have not started can be swapped or left)."""
    school = roster.school
    if (
        SwapRequest.objects.filter(assignment__shift__roster__school=school).exists()
        or LeaveRequest.objects.filter(assignment__shift__roster__school=school).exists()
    ):
        return []
    leaders = Staff.objects.filter(school=school, roles__role=Role.LEADER, user__isnull=False)
    # The demo's "leader" login approves, so it sees its decision in the history.
    decider = leaders.filter(user__username="leader").first() or leaders.order_by("pk").first()
    duties = list(
        Assignment.objects.filter(
            shift__roster=roster,
            shift__starts_at__gt=timezone.now() + timedelta(hours=1),
            role__in=[Role.TEACHER, Role.GUARD],
            staff__user__isnull=False,
        )
        .select_related("staff__user", "shift__roster__school", "shift__shift_type")
        .order_by("shift__starts_at", "pk")
    )
    made, used = [], set()
    for kind, state in REQUESTS:
        for duty in duties:
            if duty.pk in used or duty.staff_id in used:
                continue
            try:
                done = _make(kind, state, duty, decider)
            except ValidationError:
                continue  # the rules engine refused this one: try the next duty
            if done:
                used |= {duty.pk, duty.staff_id}
                made.append(f"{kind} {state}")
                break
    return made


def _colleague(duty: Assignment) -> Staff | None:
    """Someone the rules engine finds no problem with for ``duty``, as ``_find_replacement``."""
    shift = duty.shift
    for row in candidates_for(shift.roster, shift, duty.role):
        person = row["staff"]
        if not row["problems"] and person.pk != duty.staff_id and person.user_id:
            return person
    return None


def _make(kind: str, state: str, duty: Assignment, decider: Staff | None) -> bool:
    owner = duty.staff.user
    if kind == "leave" and state == LeaveRequest.Status.UNFILLED:
        exchange.request_leave(assignment=duty, reason=REASONS[kind], search=False, actor=owner)
        return True
    colleague = _colleague(duty)
    if colleague is None or (decider is None and state == SwapRequest.Status.APPROVED):
        return False
    if kind == "swap":
        swap = exchange.request_swap(assignment=duty, colleague=colleague, reason=REASONS[kind],
                                     actor=owner)  # fmt: skip
        if state != SwapRequest.Status.REQUESTED:
            accept = state != SwapRequest.Status.DECLINED
            swap = exchange.respond_swap(swap=swap, accept=accept, actor=colleague.user)
        if state == SwapRequest.Status.APPROVED and swap.status == SwapRequest.Status.ACCEPTED:
            exchange.decide_swap(swap=swap, approve=True, actor=decider.user)
        return True
    leave = exchange.request_leave(assignment=duty, reason=REASONS[kind], replacement=colleague,
                                   actor=owner)  # fmt: skip
    if state == LeaveRequest.Status.ACCEPTED:
        exchange.respond_leave(leave=leave, accept=True, actor=colleague.user)
    return True
