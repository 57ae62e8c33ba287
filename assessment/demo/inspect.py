"""Demo criteria, inspections and training for the demo school (the assessment demo hook runs
this first, so the month scores computed after it include the inspections).

- the policy's default criteria with their scoring rules;
- last month's comprehensive inspection, scored and completed by the duty leader;
- this month's comprehensive inspection, planned a few days ahead (its inspector is reminded the
  afternoon before);
- a spot check of a shift of this month that has ended, with the duty log as evidence;
- a pre-duty training session last month and an in-service one this month, with attendance.

Written through the services (the scores are validated like an inspector's). Idempotent: each
piece is made only when the school does not have it yet.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from assessment.metrics import month_start, next_month
from assessment.models import Criterion, Inspection, InspectionKind, TrainingSession
from assessment.queries.inspection import evidence_choices
from assessment.services import criteria as criteria_services
from assessment.services import inspection as services
from assessment.services import training as training_services
from roster.models import RosterStatus, Shift
from roster.timing import localize
from staff.models import Role, Staff
from staff.queries import actor_for

NOTES = {
    "monthly": "全面检查：值班表张贴规范，值班记录基本完整；个别同学反映夜班交接偏晚，已提醒。",
    "spot": "不定期抽查：值班人员在岗，巡查记录与值班记录一致。",
}
PRE_DUTY = "岗前培训：值班职责、交接班与突发事件报告流程"
IN_SERVICE = "在岗培训：消防器材使用与应急疏散"


def _inspector(school) -> Staff | None:
    people = Staff.objects.filter(school=school, active=True, user__isnull=False)
    return (
        people.filter(user__username="leader").first()
        or people.filter(roles__role=Role.LEADER).order_by("pk").first()
    )


def _duty_people(school, limit: int = 8) -> list[Staff]:
    """The teacher login first, then people who serve on duty, by name."""
    people = Staff.objects.filter(school=school, active=True)
    first = list(people.filter(user__username__in=["teacher", "guard"]).order_by("name"))
    rest = (
        people.filter(roles__role__in=[Role.TEACHER, Role.GUARD])
        .exclude(pk__in=[p.pk for p in first])
        .distinct()
        .order_by("name")
    )
    return [*first, *rest[: max(0, limit - len(first))]]


def _score(inspection: Inspection, subject: Staff, actor, rng: random.Random) -> None:
    """Mostly full marks; now and then a standard deduction or bonus, with a note; the person's
    records of the month (up to three) as evidence."""
    entries = []
    for criterion in Criterion.objects.filter(school=inspection.school_id, active=True):
        rules = list(criterion.rules.all())
        base, ticked, note = criterion.max_points, [], ""
        roll = rng.random()
        if rules and roll < 0.3:
            rule = next((r for r in rules if r.points < 0), None)
            if rule is not None:
                ticked, note = [rule.pk], rule.label
        elif rules and roll < 0.4:
            rule = next((r for r in rules if r.points > 0), None)
            if rule is not None:
                base = criterion.max_points - rule.points
                ticked, note = [rule.pk], rule.label
        entries.append(
            services.ScoreEntry(criterion_id=criterion.pk, points=base, rule_ids=ticked, note=note)
        )
    evidence = [(kind, pk) for kind, pk, _label in evidence_choices(inspection, subject)[:3]]
    services.score_person(
        inspection=inspection, subject=subject, entries=entries, evidence=evidence, actor=actor
    )


def _complete(inspection: Inspection, actor, day: date) -> None:
    at = localize(datetime.combine(day, time(16)), inspection.school.time_zone)
    services.complete_inspection(inspection=inspection, actor=actor, now=at)


def _last_month_inspection(school, inspector, today: date, rng) -> int:
    last = month_start(month_start(today) - timedelta(days=1))
    if Inspection.objects.filter(school=school, month=last, kind=InspectionKind.MONTHLY).exists():
        return 0
    day = last.replace(day=20)
    # History: the row is written directly (the planning form refuses dates long past), then
    # scored and completed through the services.
    inspection = Inspection.objects.create(
        school=school,
        kind=InspectionKind.MONTHLY,
        month=last,
        planned_on=day,
        inspector=inspector,
        notes=NOTES["monthly"],
        reminded_at=localize(datetime.combine(day - timedelta(days=1), time(16)), "UTC"),
    )
    actor = actor_for(inspector.user)
    for person in _duty_people(school):
        _score(inspection, person, actor, rng)
    _complete(inspection, actor, day)
    return 1


def _this_month_plan(school, inspector, today: date) -> int:
    this = month_start(today)
    if Inspection.objects.filter(school=school, month=this, kind=InspectionKind.MONTHLY).exists():
        return 0
    day = min(today + timedelta(days=3), next_month(this) - timedelta(days=1))
    services.plan_inspection(
        school=school,
        inspector=inspector,
        planned_on=day,
        kind=InspectionKind.MONTHLY,
        notes="检查值班记录、巡查记录、交接班与签到情况。",
    )
    return 1


def _spot_check(school, inspector, today: date, rng) -> int:
    if Inspection.objects.filter(school=school, kind=InspectionKind.SPOT).exists():
        return 0
    shift = (
        Shift.objects.filter(
            roster__school=school,
            roster__status=RosterStatus.PUBLISHED,
            date__gte=month_start(today),
            date__lt=today,
            assignments__isnull=False,
        )
        .order_by("-date", "-starts_at")
        .first()
    )
    if shift is None:
        return 0
    inspection = services.plan_inspection(
        school=school,
        inspector=inspector,
        planned_on=shift.date,
        kind=InspectionKind.SPOT,
        shift=shift,
        notes=NOTES["spot"],
    )
    actor = actor_for(inspector.user)
    for person in Staff.objects.filter(assignments__shift=shift).distinct():
        _score(inspection, person, actor, rng)
    _complete(inspection, actor, shift.date)
    return 1


def _training(school, today: date) -> int:
    made = 0
    people = list(Staff.objects.filter(school=school, active=True).order_by("pk"))
    last = month_start(month_start(today) - timedelta(days=1))
    plans = [
        (PRE_DUTY, "pre_duty", last.replace(day=5), Decimal(2), people),
        # In service: most, not all, attended this month's session.
        (IN_SERVICE, "in_service", min(today, month_start(today).replace(day=2)), Decimal("1.5"),
         [p for n, p in enumerate(people) if n % 5]),
    ]  # fmt: skip
    for title, kind, held_on, hours, attendees in plans:
        if TrainingSession.objects.filter(school=school, title=title).exists():
            continue
        training_services.save_session(
            school=school,
            data={
                "kind": kind,
                "title": title,
                "held_on": held_on,
                "hours": hours,
                "trainer": "王丽华",
                "notes": "",
            },
            attendees=attendees,
        )
        made += 1
    return made


def seed(school, *, today: date | None = None) -> list[str]:
    today = today or services.school_today(school)
    criteria = len(criteria_services.ensure_default_criteria(school))
    inspector = _inspector(school)
    if inspector is None or inspector.user_id is None:
        return [f"criteria: {criteria} added; no duty leader to inspect"]
    rng = random.Random(school.pk)  # noqa: S311 (demo data, not secrets)
    trained = _training(school, today)  # before the inspections: training is evidence too
    past = _last_month_inspection(school, inspector, today, rng)
    planned = _this_month_plan(school, inspector, today)
    spot = _spot_check(school, inspector, today, rng)
    return [
        f"criteria: {criteria} added; inspections: {past} last month done, {planned} planned, "
        f"{spot} spot check; training sessions: {trained}"
    ]
