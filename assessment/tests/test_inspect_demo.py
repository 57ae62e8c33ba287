"""The demo's criteria, inspections and training: a completed monthly inspection for every month
of the term that has ended, with varied scores (a failing run that the month scores flag), made
through the services; seeding again changes nothing."""

from __future__ import annotations

import pytest

from assessment import demo as hook
from assessment.demo import inspect as demo
from assessment.metrics import month_start
from assessment.models import (
    Criterion,
    EvidenceLink,
    Inspection,
    InspectionKind,
    InspectionScore,
    InspectionStatus,
    MonthScore,
    ReviewFlag,
    TrainingAttendance,
    TrainingSession,
)
from assessment.services.config import settings_for
from assessment.services.inspection import school_today
from assessment.services.record import add_months
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School

pytestmark = pytest.mark.django_db


def _state(school):
    return (
        sorted(Criterion.objects.filter(school=school).values_list("kind", "max_points")),
        sorted(Inspection.objects.filter(school=school).values_list("kind", "status", "month")),
        sorted(
            InspectionScore.objects.filter(inspection__school=school).values_list(
                "inspection__month", "subject_id", "criterion_id", "points"
            )
        ),
        EvidenceLink.objects.filter(inspection__school=school).count(),
        TrainingSession.objects.filter(school=school).count(),
        TrainingAttendance.objects.filter(session__school=school).count(),
    )


def _percent(inspection, subject_id) -> float:
    rows = inspection.scores.filter(subject_id=subject_id).select_related("criterion")
    return float(sum(r.points for r in rows) / sum(r.criterion.max_points for r in rows) * 100)


def test_the_demo_has_a_term_of_inspections_a_planned_one_and_training():
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    assert "criteria: 5 added" in demo.seed(school)[0]
    today = school_today(school)
    this = month_start(today)
    months = demo.past_term_months(today)
    assert months == [m for m in months if m < this] and all(m.day == 1 for m in months)
    monthly = Inspection.objects.filter(school=school, kind=InspectionKind.MONTHLY)
    for month in months:
        done = monthly.get(month=month)
        assert done.status == InspectionStatus.DONE and done.done_at is not None
        people = done.scores.values("subject").distinct().count()
        assert people >= 2
        assert done.scores.count() == people * 5  # every criterion scored
    spots = Inspection.objects.filter(school=school, kind=InspectionKind.SPOT, month__lt=this)
    assert spots.count() == len(months) // 2
    assert not spots.exclude(status=InspectionStatus.DONE).exists()
    upcoming = monthly.get(month=this)
    assert upcoming.status == InspectionStatus.PLANNED
    assert TrainingSession.objects.filter(school=school).count() == 2
    assert TrainingAttendance.objects.filter(session__school=school, attended=True).exists()
    before = _state(school)
    assert "0 past months done, 0 planned, 0 spot checks" in demo.seed(school)[0]
    assert _state(school) == before


def test_the_scores_vary_and_the_failing_run_is_flagged_after_the_whole_hook():
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    hook.seed(school)  # inspect, people, record: the month scores of the term
    today = school_today(school)
    months = demo.past_term_months(today)
    if not months:
        # The term started this month: nothing has ended, so nothing is scored or flagged yet.
        assert not Inspection.objects.filter(school=school, status="done", kind="monthly").exists()
        assert not ReviewFlag.objects.filter(school=school).exists()
        return
    settings = settings_for(school)
    guard = next(p for p in demo._duty_people(school) if p.user and p.user.username == "guard")
    # The inspection parts differ from person to person and month to month.
    shares = {
        (m, pk): _percent(Inspection.objects.get(school=school, month=m, kind="monthly"), pk)
        for m in months
        for pk in InspectionScore.objects.filter(
            inspection__school=school, inspection__month=m
        ).values_list("subject_id", flat=True)
    }
    assert len({round(v, 1) for v in shares.values()}) > len(months)
    run = months[-min(len(months), settings.failing_months_flag) :]
    for month in run:  # the guard fails the last months of the run, the others mostly pass
        assert shares[(month, guard.pk)] < settings.pass_mark
        score = MonthScore.objects.get(school=school, staff=guard, month=month)
        assert score.failing and score.finalized_at is not None
    passing = MonthScore.objects.filter(school=school, month__in=months, failing=False)
    assert (
        passing.count()
        > MonthScore.objects.filter(school=school, month__in=months, failing=True).count()
    )
    if len(run) == settings.failing_months_flag:
        flag = ReviewFlag.objects.get(school=school, staff=guard)
        assert flag.last_month == run[-1]
        assert flag.first_month <= add_months(run[-1], 1 - settings.failing_months_flag)
    # Seeding the whole hook again neither doubles the inspections nor raises another flag.
    before = (_state(school), ReviewFlag.objects.filter(school=school).count())
    hook.seed(school)
    assert (_state(school), ReviewFlag.objects.filter(school=school).count()) == before
