"""The demo plans, drills, checklists and post-incident reports: made once, realistic."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.categories import Status
from incidents.demo import plans as plans_demo
from incidents.demo import review as review_demo
from incidents.models import (
    CorrectiveAction,
    Drill,
    EmergencyPlan,
    Incident,
    PlanVersion,
    ReportStatus,
    StepTick,
)
from incidents.services.review import can_close
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import Role, School, Staff

pytestmark = pytest.mark.django_db


def demo_incident(school, status, hours_ago, subcategory="fire"):
    reporter = Staff.objects.filter(school=school, roles__role=Role.TEACHER).first()
    now = timezone.now()
    incident = Incident.objects.create(
        school=school,
        reporter=reporter,
        category="accident",
        subcategory=subcategory,
        severity="3",
        status=status,
        occurred_at=now - timedelta(hours=hours_ago),
        location="食堂后厨",
        summary="油锅起火，已扑灭",
    )
    Incident.objects.filter(pk=incident.pk).update(
        reported_at=now - timedelta(hours=hours_ago - 0.05),
        acknowledged_at=now - timedelta(hours=hours_ago - 0.1),
        contained_at=now - timedelta(hours=hours_ago - 1) if status != "responding" else None,
        closed_at=now - timedelta(hours=1) if status == "closed" else None,
    )
    return incident


def test_the_demo_is_made_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    assert plans_demo.seed(school)
    assert plans_demo.seed(school) == []
    assert EmergencyPlan.objects.filter(school=school).count() == 5
    assert PlanVersion.objects.filter(plan__school=school).count() == 6  # fire was revised
    assert Drill.objects.filter(school=school).count() == 2

    for hours in (72, 48, 30):
        demo_incident(school, Status.CONTAINED, hours)
    demo_incident(school, Status.CLOSED, 200, subcategory="injury")
    demo_incident(school, Status.RESPONDING, 2, subcategory="injury")
    assert review_demo.seed(school)
    assert review_demo.seed(school) == []

    statuses = sorted(
        Incident.objects.filter(school=school, review__isnull=False).values_list(
            "status", "review__status"
        )
    )
    assert statuses == [
        ("closed", ReportStatus.ACCEPTED),
        ("contained", ReportStatus.ACCEPTED),
        ("contained", ReportStatus.SUBMITTED),
    ]
    accepted = Incident.objects.get(status="contained", review__status="accepted")
    assert can_close(accepted)
    assert [v.decision for v in accepted.review.versions.order_by("number")] == [
        "returned",
        "accepted",
    ]
    states = {(a.status, a.due_on < timezone.localdate()) for a in CorrectiveAction.objects.all()}
    assert {("done", False), ("open", True), ("open", False)} <= states
    assert StepTick.objects.filter(checklist__incident__school=school).exists()
    assert Incident.objects.filter(school=school, plan__isnull=False).count() == 5
