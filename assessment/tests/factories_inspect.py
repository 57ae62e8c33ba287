"""Short-hands for the criteria, inspection and training tests: the policy's default criteria,
an inspection planned through the service, a person's duty (with a duty log) in a month."""

from __future__ import annotations

from datetime import date

from assessment.models import Criterion
from assessment.services import criteria as criteria_services
from assessment.services import inspection as inspection_services
from logbook.tests.factories import make_roster, put_on_duty, shift_of
from staff.models import Role
from staff.queries import actor_for


def as_(member):
    return actor_for(member.user)


def defaults(school) -> dict[str, Criterion]:
    """The policy's five criteria, by kind."""
    criteria_services.ensure_default_criteria(school)
    return {c.kind: c for c in Criterion.objects.filter(school=school).prefetch_related("rules")}


def today(school) -> date:
    return inspection_services.school_today(school)


def planned(cast, *, day: date | None = None, kind="monthly", shift=None, inspector=None):
    return inspection_services.plan_inspection(
        school=cast.school,
        inspector=inspector or cast.leader,
        planned_on=day or today(cast.school),
        kind=kind,
        shift=shift,
        actor=as_(cast.admin),
    )


def duty_this_month(cast, member, role=Role.TEACHER):
    """A published 白班 early this month (or today) with ``member`` on it."""
    first = today(cast.school).replace(day=1)
    roster = make_roster(cast.school, start=first, days=2)
    return put_on_duty(shift_of(roster, "白班", first), (member, role))


def entries(criteria, points: dict | None = None, rules: dict | None = None):
    """ScoreEntry for every criterion: full points unless ``points`` says otherwise."""
    points, rules = points or {}, rules or {}
    return [
        inspection_services.ScoreEntry(
            criterion_id=c.pk,
            points=points.get(c.kind, c.max_points),
            rule_ids=rules.get(c.kind, []),
        )
        for c in criteria.values()
    ]
