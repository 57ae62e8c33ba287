"""Demo criteria, inspections and training for the demo school (the assessment demo hook runs
this first, so the month scores computed after it include the inspections).

- the policy's default criteria with their scoring rules;
- a term of inspections: for every month of the term that has ended (the term from 1 September
  or 1 March, as the month scores' demo counts it; the demo has no roster terms), a monthly
  comprehensive inspection scored and completed by the duty leader, and in every other month a
  spot check of two of the duty people (of a published shift when that month has one);
- varied scores: each person's level for a month is drawn from a generator seeded by the school
  and the month, mostly well above the pass mark; the guard fails the school's
  ``failing_months_flag`` months in a row up to last month (so the month scores raise a review
  flag) and one more person dips below the pass mark in one month. The dip is low enough to fail
  even with full peer-review and feedback marks, whatever the school's weights and pass mark;
- this month's comprehensive inspection, planned a few days ahead (its inspector is reminded the
  afternoon before);
- a spot check of a shift of this month that has ended, with the duty log as evidence;
- a pre-duty training session last month and an in-service one this month, with attendance.

Written through the services (the scores are validated like an inspector's). Idempotent: each
piece is made only when the school does not have it yet (a month's monthly inspection only when
that month has no completed one; a planned one left in a month that has ended is scored and
completed rather than doubled).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from assessment.demo.record import term_start
from assessment.metrics import month_start, next_month
from assessment.models import (
    Criterion,
    Inspection,
    InspectionKind,
    InspectionStatus,
    TrainingSession,
)
from assessment.queries.inspection import evidence_choices
from assessment.services import criteria as criteria_services
from assessment.services import inspection as services
from assessment.services import training as training_services
from assessment.services.config import settings_for
from assessment.services.record import add_months
from roster.models import RosterStatus, Shift
from roster.timing import localize
from staff.demo import demo_now, local_today
from staff.models import Role, Staff
from staff.queries import actor_for

NOTES = {
    "monthly": "全面检查：值班表张贴规范，值班记录基本完整；个别同学反映夜班交接偏晚，已提醒。",
    "monthly_dip": "全面检查：值班表张贴规范；{names}本月夜间巡查未按时进行、交接班记录缺项，"
    "已当面指出并要求限期整改。",
    "spot": "不定期抽查：值班人员在岗，巡查记录与值班记录一致。",
}
PRE_DUTY = "岗前培训：值班职责、交接班与突发事件报告流程"
IN_SERVICE = "在岗培训：消防器材使用与应急疏散"
TENTH = Decimal("0.1")


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


def _dip_level(settings) -> float:
    """An inspection share (0..1) that fails the month even when every other part counted is
    full marks: inspection weight × I + others × 100 % < pass mark × all weights."""
    weights = settings.weights
    own = weights.get("inspection") or 0
    others = sum(w for k, w in weights.items() if k != "inspection")
    if not own:
        return 0.1
    bound = (settings.pass_mark * (own + others) - 100 * others) / own  # percent
    return max(0.05, min(0.45, 0.8 * bound / 100))


def _score(
    inspection: Inspection, subject: Staff, actor, rng: random.Random, level: float | None = None
) -> None:
    """Without ``level``: mostly full marks, now and then a standard deduction or bonus, with a
    note. With ``level`` (a share of full marks): each criterion near that share, a deduction
    rule ticked where it fits. The person's records of the month (up to three) as evidence."""
    entries = []
    for criterion in Criterion.objects.filter(school=inspection.school_id, active=True):
        rules = list(criterion.rules.all())
        if level is None:
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
        else:
            share = min(1.0, max(0.0, level + rng.uniform(-0.06, 0.06)))
            points = (criterion.max_points * Decimal(str(share))).quantize(TENTH, ROUND_HALF_UP)
            points = min(criterion.max_points, max(Decimal(0), points))
            base, ticked, note = points, [], ""
            if points < criterion.max_points:
                # The deduction that explains the gap best without the base exceeding the max.
                fitting = [
                    r for r in rules if r.points < 0 and points - r.points <= criterion.max_points
                ]
                if fitting:
                    rule = min(fitting, key=lambda r: abs(criterion.max_points - points + r.points))
                    base, ticked, note = points - rule.points, [rule.pk], rule.label
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


def past_term_months(today: date) -> list[date]:
    """The months of the current term that have ended, oldest first."""
    this, month, months = month_start(today), term_start(today), []
    while month < this:
        months.append(month)
        month = add_months(month, 1)
    return months


def _levels(school, people: list[Staff], months: list[date], settings) -> dict:
    """{month: {person pk: share of full marks}}: drawn per school and month; the guard (or the
    last duty person) fails the last ``failing_months_flag`` months, one more person one
    month."""
    if not people or not months:
        return {}
    dip = _dip_level(settings)
    logins = dict(
        Staff.objects.filter(pk__in=[p.pk for p in people], user__isnull=False).values_list(
            "pk", "user__username"
        )
    )
    guard = next((p for p in people if logins.get(p.pk) == "guard"), people[-1])
    run = min(len(months), settings.failing_months_flag)
    failing = {m: {guard.pk} for m in months[len(months) - run :]}
    # The teacher login is the demo's 优秀值班人员: never dips.
    others = [p for p in people if p.pk != guard.pk and logins.get(p.pk) != "teacher"]
    if others:
        # Another person dips once, in a month the guard passes when there is one.
        rng = random.Random(f"inspect-dip-{school.pk}")  # noqa: S311 (demo data)
        spare = [m for m in months if m not in failing] or months
        failing.setdefault(rng.choice(spare), set()).add(rng.choice(others).pk)
    levels = {}
    for month in months:
        rng = random.Random(f"inspect-{school.pk}-{month:%Y-%m}")  # noqa: S311 (demo data)
        levels[month] = {
            p.pk: (
                rng.uniform(max(0.05, dip - 0.08), dip)
                if p.pk in failing.get(month, ())
                else rng.uniform(0.8, 0.99)
            )
            for p in people
        }
    return levels


def _month_inspection(school, inspector, month: date, people, levels) -> int:
    found = Inspection.objects.filter(school=school, month=month, kind=InspectionKind.MONTHLY)
    if found.filter(status=InspectionStatus.DONE).exists():
        return 0
    inspection = found.filter(status=InspectionStatus.PLANNED).order_by("planned_on").first()
    dipped = [p.name for p in people if levels[p.pk] < 0.5]
    notes = NOTES["monthly_dip"].format(names="、".join(dipped)) if dipped else NOTES["monthly"]
    if inspection is None:
        day = month.replace(day=20)
        # History: the row is written directly (the planning form refuses dates long past),
        # then scored and completed through the services.
        inspection = Inspection.objects.create(
            school=school,
            kind=InspectionKind.MONTHLY,
            month=month,
            planned_on=day,
            inspector=inspector,
            notes=notes,
            reminded_at=localize(datetime.combine(day - timedelta(days=1), time(16)), "UTC"),
        )
    actor = actor_for(inspection.inspector.user)
    rng = random.Random(f"inspect-score-{school.pk}-{month:%Y-%m}")  # noqa: S311 (demo data)
    for person in people:
        _score(inspection, person, actor, rng, levels[person.pk])
    _complete(inspection, actor, inspection.planned_on or month.replace(day=20))
    return 1


def _past_spot_check(school, inspector, month: date, people, levels) -> int:
    """A spot check in a month that has ended: of a published shift of that month when there is
    one (its people scored), else of two duty people on a weekday mid-month."""
    if Inspection.objects.filter(school=school, month=month, kind=InspectionKind.SPOT).exists():
        return 0
    rng = random.Random(f"inspect-spot-{school.pk}-{month:%Y-%m}")  # noqa: S311 (demo data)
    shift = (
        Shift.objects.filter(
            roster__school=school,
            roster__status=RosterStatus.PUBLISHED,
            date__gte=month,
            date__lt=next_month(month),
            assignments__isnull=False,
        )
        .order_by("date", "starts_at")
        .first()
    )
    if shift is not None:
        day = shift.date
        subjects = list(Staff.objects.filter(assignments__shift=shift).distinct())
    else:
        day = month.replace(day=rng.randint(8, 16))
        while day.weekday() >= 5:
            day += timedelta(days=1)
        subjects = rng.sample(people, min(2, len(people)))
    if not subjects:
        return 0
    inspection = Inspection.objects.create(
        school=school,
        kind=InspectionKind.SPOT,
        month=month,
        planned_on=day,
        inspector=inspector,
        shift=shift,
        notes=NOTES["spot"],
    )
    actor = actor_for(inspector.user)
    for person in subjects:
        _score(inspection, person, actor, rng, levels.get(person.pk))
    _complete(inspection, actor, day)
    return 1


def _term_inspections(school, inspector, today: date) -> tuple[int, int]:
    months = past_term_months(today)
    people = _duty_people(school)
    levels = _levels(school, people, months, settings_for(school))
    monthly = spots = 0
    for n, month in enumerate(months):
        monthly += _month_inspection(school, inspector, month, people, levels[month])
        if n % 2 == len(months) % 2:  # every other month, ending with the one before last
            spots += _past_spot_check(school, inspector, month, people, levels[month])
    return monthly, spots


def _this_month_plan(school, inspector, today: date, now: datetime) -> int:
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
        now=now,
    )
    return 1


def _spot_check(school, inspector, today: date, rng, now: datetime) -> int:
    this = month_start(today)
    if Inspection.objects.filter(school=school, month=this, kind=InspectionKind.SPOT).exists():
        return 0
    shift = (
        Shift.objects.filter(
            roster__school=school,
            roster__status=RosterStatus.PUBLISHED,
            date__gte=this,
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
        now=now,
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


def seed(school, *, now: datetime | None = None) -> list[str]:
    now = demo_now(now)
    today = local_today(school, now)
    criteria = len(criteria_services.ensure_default_criteria(school))
    inspector = _inspector(school)
    if inspector is None or inspector.user_id is None:
        return [f"criteria: {criteria} added; no duty leader to inspect"]
    rng = random.Random(school.pk)  # noqa: S311 (demo data, not secrets)
    trained = _training(school, today)  # before the inspections: training is evidence too
    monthly, spots = _term_inspections(school, inspector, today)
    planned = _this_month_plan(school, inspector, today, now)
    spots += _spot_check(school, inspector, today, rng, now)
    services.remind_inspectors(now=now)  # reminded the afternoon before, as the worker would
    return [
        f"criteria: {criteria} added; inspections: {monthly} past months done, {planned} planned, "
        f"{spots} spot checks; training sessions: {trained}"
    ]
