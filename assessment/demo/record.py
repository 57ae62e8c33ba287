"""Demo month scores: every month of the term so far computed, the finished ones finalised by
the principal (as at the end of each month), the current one left open."""

from __future__ import annotations

from datetime import date, datetime

from assessment.services.record import add_months, compute_month, finalise_month, month_start
from staff.demo import demo_now, local_today
from staff.models import Role, Staff
from staff.queries import actor_for


def term_start(today: date) -> date:
    """The first month of the term around ``today`` (autumn from September, spring from
    March)."""
    if today.month >= 9:
        return date(today.year, 9, 1)
    if today.month >= 3:
        return date(today.year, 3, 1)
    return date(today.year - 1, 9, 1)


def seed(school, *, now: datetime | None = None) -> list[str]:
    now = demo_now(now)
    today = local_today(school, now)
    this = month_start(today)
    principal = (
        Staff.objects.filter(school=school, active=True, roles__role=Role.PRINCIPAL)
        .select_related("user")
        .first()
    )
    month, computed, final = term_start(today), 0, 0
    while month <= this:
        if month < this and principal is not None:  # recomputed once more, then frozen
            final += finalise_month(
                school=school, month=month, actor=actor_for(principal.user), now=now
            )
        else:
            computed += compute_month(school=school, month=month, now=now)
        month = add_months(month, 1)
    return [f"month scores: {final} finalised, {computed} open"]
