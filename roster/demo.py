"""Demo rosters for the demo school: the current school year's terms and the next one's (and
the previous one's when last month belongs to it), last month and this month published, next
month a draft half filled, and swaps and leave requests in each state on this month's duties
still ahead.

Everything is laid out from one ``now`` (``seed_demo --now``; default the real now). The shift
running at that instant (and today's 白班 when seeded before it starts) carries the demo logins
the README names: the 白班 the ``teacher`` and ``leader`` logins, the 夜班 the ``guard``, the
节假日值班 (weekends, holidays, vacations) the ``leader`` and the ``guard``. Before 08:00 on the
1st of a month the running shift (yesterday's 夜班 or 节假日值班) is last month's: that is one
reason last month has its published roster too (the other: its logs, check-ins and month
scores have duties to come from).

Idempotent: terms and rosters that exist are left as they are, and the requests are made once
(when the school has none). Everything else goes through the services, so the requests are what
a user would have made: notices sent, the approved swap moved and recorded.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError

from roster import exchange, services
from roster.calendar import spring_festival
from roster.checkin import check_in, checkin_required
from roster.greedy import greedy_fill
from roster.models import (
    Assignment,
    CheckIn,
    LeaveRequest,
    Roster,
    RosterStatus,
    Shift,
    ShiftType,
    SwapRequest,
    Term,
)
from roster.queries import build_plan, candidates_for, rule_settings
from roster.reminders import settings_for, warn_unpublished
from roster.timing import crosses_midnight
from staff.demo import demo_now, local_today
from staff.models import Role, Staff
from staff.queries import actor_for

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
# Who is on the shift running at seeding time, by the kind of shift (see the README).
ON_DUTY = {
    "day": [("teacher", Role.TEACHER), ("leader", Role.LEADER)],
    "night": [("guard", Role.GUARD)],
    "holiday": [("leader", Role.LEADER), ("guard", Role.GUARD)],
}


def school_year_terms(year: int) -> list[tuple[str, date, date]]:
    """The school year starting in September of ``year``: the autumn term from 1 September to
    mid-January, the winter vacation around 春节, the spring term from the Monday after 元宵
    (late February, never before the 20th) to early July, then the summer vacation."""
    spring = max(date(year + 1, 2, 20), spring_festival(year + 1) + timedelta(days=15))
    spring += timedelta(days=-spring.weekday() % 7)  # a Monday
    return [
        (f"{year}–{year + 1}学年第一学期", date(year, 9, 1), date(year + 1, 1, 16)),
        (f"{year}–{year + 1}学年第二学期", spring, date(year + 1, 7, 3)),
    ]


def _school_year(day: date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def ensure_terms(school, today: date) -> list[str]:
    """The current school year's terms and the next one's, and the previous one's when last
    month lies in it (on 1 August: July) — a term that overlaps one the school already has is
    left out."""
    first = _school_year(today)
    earliest = _school_year(today.replace(day=1) - timedelta(days=1))
    made = []
    for year in range(earliest, first + 2):
        for name, start, end in school_year_terms(year):
            if Term.objects.filter(
                school=school, start_date__lte=end, end_date__gte=start
            ).exists():
                continue
            Term.objects.create(school=school, name=name, start_date=start, end_date=end)
            made.append(f"term {name}")
    return made


def _month(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def shift_kind(shift: Shift) -> str:
    """ "day" (白班: needs teachers, ends the same day), "night" (夜班) or "holiday" (a duty
    without teachers, such as 节假日值班)."""
    kind = shift.shift_type
    if not kind.requirements.filter(role=Role.TEACHER).exists():
        return "holiday"
    return "night" if crosses_midnight(kind.start_time, kind.duration_minutes) else "day"


def _pin(roster: Roster, now: datetime, today: date, used: set[str]) -> list[int]:
    """Put the demo logins on the shift of ``roster`` running at ``now`` and, when seeded
    before it starts, on today's 白班 — people already on the running shift (``used``, shared
    with last month's roster: the running shift may be yesterday's) are not put on today's
    (rest). Returns the pinned assignments' ids (left out of the swap and leave requests)."""
    school = roster.school
    staff = {
        s.user.username: s
        for s in Staff.objects.filter(school=school, active=True, user__isnull=False)
        .filter(user__username__in=["teacher", "leader", "guard"])
        .select_related("user")
    }
    shifts = roster.shifts.select_related("shift_type", "roster__school").order_by("starts_at")
    running = list(shifts.filter(starts_at__lte=now, ends_at__gt=now))
    later_today = [
        s for s in shifts.filter(date=today, starts_at__gt=now) if shift_kind(s) == "day"
    ][:1]
    pinned = []
    for shift in [*running[:1], *later_today]:
        for login, role in ON_DUTY[shift_kind(shift)]:
            person = staff.get(login)
            if person is None or login in used or not person.roles.filter(role=role).exists():
                continue
            used.add(login)
            pinned.append(Assignment.objects.create(shift=shift, staff=person, role=role).pk)
    return pinned


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


def _published_month(
    school, first: date, last: date, now: datetime, today: date, used: set[str]
) -> tuple[Roster, list[int], bool]:
    """The month's roster, made (logins pinned, filled, published) unless it exists."""
    roster = Roster.objects.filter(school=school, start_date=first).first()
    if roster is not None:
        return roster, [], False
    roster = services.create_roster(school=school, name=f"{first:%Y年%m月}值班表",
                                    start=first, end=last, actor=None)  # fmt: skip
    pinned = _pin(roster, now, today, used)
    _fill(roster)
    if not any(v.error for v in services.check(build_plan(roster), rule_settings(school))):
        services.publish_roster(
            roster=roster, actor=None, reason="演示数据", calendar_checked=True, now=now
        )
    roster.refresh_from_db()
    return roster, pinned, True


def seed(school, *, now: datetime | None = None) -> list[str]:
    """``now``: the demo's instant (seed_demo's ``--now``; default the real now); the school's
    local day at it is "today"."""
    now = demo_now(now)
    today = local_today(school, now)
    if not ShiftType.objects.filter(school=school).exists():
        services.create_default_shift_types(school=school)
    made = ensure_terms(school, today)
    first, last = _month(today)
    used: set[str] = set()  # logins on the running shift: not on today's 白班 too (rest)
    # Last month first: before 08:00 on the 1st its last 夜班 or 节假日值班 is still running.
    previous, _pinned, new = _published_month(
        school, *_month(first - timedelta(days=1)), now, today, used
    )
    if new:
        made.append(previous.name)
    roster, pinned, new = _published_month(school, first, last, now, today, used)
    if new:
        made.append(roster.name)
    nfirst, nlast = _month(last + timedelta(days=1))
    if not Roster.objects.filter(school=school, start_date=nfirst).exists():
        draft = services.create_roster(school=school, name=f"{nfirst:%Y年%m月}值班表",
                                       start=nfirst, end=nlast, actor=None)  # fmt: skip
        _fill(draft, until=nfirst + timedelta(days=13))
        made.append(draft.name)
    if previous.status == RosterStatus.PUBLISHED:
        made.extend(_checkins(previous, now))
    if roster.status == RosterStatus.PUBLISHED:
        made.extend(_requests(roster, now, exclude=pinned))
        made.extend(_checkins(roster, now))
    # What the worker would have said by now: next month's roster not published 7 days ahead.
    warn_unpublished(now=now)
    return made


def _checkins(roster: Roster, now: datetime) -> list[str]:
    """Everyone whose duty has started by ``now`` and who checks in (by default not full-time
    teachers) has checked in: most 10–25 minutes early, one in twelve a few minutes late. So
    no duty of the last hours is "missed" when the worker starts. Once per roster."""
    if CheckIn.objects.filter(assignment__shift__roster=roster).exists():
        return []
    settings = settings_for(roster.school)
    duties = (
        Assignment.objects.filter(shift__roster=roster, shift__starts_at__lte=now,
                                  staff__user__isnull=False)
        .select_related("shift__roster__school", "staff__user")
        .prefetch_related("staff__roles")
        .order_by("shift__starts_at", "pk")
    )  # fmt: skip
    made = 0
    for n, duty in enumerate(duties):
        if not checkin_required(duty.staff.role_codes, settings):
            continue
        early = timedelta(minutes=10 + n % 16) if n % 12 else -timedelta(minutes=3 + n % 5)
        at = min(duty.shift.starts_at - early, now)
        check_in(assignment=duty, actor=actor_for(duty.staff.user), now=at)
        made += 1
    return [f"{made} check-ins ({roster.name})"] if made else []


def _requests(roster: Roster, now: datetime, *, exclude: list[int]) -> list[str]:
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
            shift__starts_at__gt=now + timedelta(hours=1),
            role__in=[Role.TEACHER, Role.GUARD],
            staff__user__isnull=False,
        )
        .exclude(pk__in=exclude)
        .select_related("staff__user", "shift__roster__school", "shift__shift_type")
        .order_by("shift__starts_at", "pk")
    )
    made, used = [], set()
    for kind, state in REQUESTS:
        for duty in duties:
            if duty.pk in used or duty.staff_id in used:
                continue
            try:
                done = _make(kind, state, duty, decider, now)
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


def _make(kind: str, state: str, duty: Assignment, decider: Staff | None, now: datetime) -> bool:
    owner = duty.staff.user
    if kind == "leave" and state == LeaveRequest.Status.UNFILLED:
        exchange.request_leave(
            assignment=duty, reason=REASONS[kind], search=False, actor=owner, now=now
        )
        return True
    colleague = _colleague(duty)
    if colleague is None or (decider is None and state == SwapRequest.Status.APPROVED):
        return False
    if kind == "swap":
        swap = exchange.request_swap(assignment=duty, colleague=colleague, reason=REASONS[kind],
                                     actor=owner, now=now)  # fmt: skip
        if state != SwapRequest.Status.REQUESTED:
            accept = state != SwapRequest.Status.DECLINED
            swap = exchange.respond_swap(swap=swap, accept=accept, actor=colleague.user, now=now)
        if state == SwapRequest.Status.APPROVED and swap.status == SwapRequest.Status.ACCEPTED:
            exchange.decide_swap(swap=swap, approve=True, actor=decider.user, now=now)
        return True
    leave = exchange.request_leave(assignment=duty, reason=REASONS[kind], replacement=colleague,
                                   actor=owner, now=now)  # fmt: skip
    if state == LeaveRequest.Status.ACCEPTED:
        exchange.respond_leave(leave=leave, accept=True, actor=colleague.user, now=now)
    return True
