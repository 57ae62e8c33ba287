"""The demo's criteria, inspections and training: made through the services, and seeding again
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assessment.demo import inspect as demo
from assessment.metrics import month_start
from assessment.models import (
    Criterion,
    EvidenceLink,
    Inspection,
    InspectionScore,
    InspectionStatus,
    TrainingAttendance,
    TrainingSession,
)
from assessment.services.inspection import school_today
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School

pytestmark = pytest.mark.django_db


def _state(school):
    return (
        sorted(Criterion.objects.filter(school=school).values_list("kind", "max_points")),
        sorted(Inspection.objects.filter(school=school).values_list("kind", "status", "month")),
        InspectionScore.objects.filter(inspection__school=school).count(),
        EvidenceLink.objects.filter(inspection__school=school).count(),
        TrainingSession.objects.filter(school=school).count(),
        TrainingAttendance.objects.filter(session__school=school).count(),
    )


def test_the_demo_has_an_inspected_month_a_planned_one_and_training():
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    assert "criteria: 5 added" in demo.seed(school)[0]
    this = month_start(school_today(school))
    last = month_start(this - timedelta(days=1))
    done = Inspection.objects.get(school=school, month=last, kind="monthly")
    assert done.status == InspectionStatus.DONE
    assert done.scores.values("subject").distinct().count() >= 2
    per_person = done.scores.values("subject").distinct().count() * 5
    assert done.scores.count() == per_person  # every criterion scored
    upcoming = Inspection.objects.get(school=school, month=this, kind="monthly")
    assert upcoming.status == InspectionStatus.PLANNED
    assert TrainingSession.objects.filter(school=school).count() == 2
    assert TrainingAttendance.objects.filter(session__school=school, attended=True).exists()
    before = _state(school)
    demo.seed(school)
    assert _state(school) == before
