"""Demo rosters for the demo school: this month published, next month a draft half filled."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from roster import services
from roster.greedy import greedy_fill
from roster.models import Assignment, Roster, ShiftType
from roster.queries import build_plan, rule_settings


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


def seed(school) -> list[str]:
    """Idempotent: rosters that exist are left as they are."""
    if not ShiftType.objects.filter(school=school).exists():
        services.create_default_shift_types(school=school)
    today = timezone.localdate()
    made = []
    first, last = _month(today)
    if not Roster.objects.filter(school=school, start_date=first).exists():
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
    return made
