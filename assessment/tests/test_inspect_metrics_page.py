"""The measured metrics page: everyone's month for the principal, leaders and the office, one's
own for everyone else; each figure links to its records; they inform unless the school says."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from assessment.models import AssessmentSettings
from assessment.services.config import settings_for
from assessment.tests.factories_inspect import today
from logbook.tests.factories import make_roster, put_on_duty, shift_of
from staff.models import Role

pytestmark = pytest.mark.django_db
URL = reverse("assessment:metrics")


@pytest.fixture
def month(cast):
    """Last month (from the real local today, as the page reads the real clock): all its duties
    are over at any hour (this month has none before 08:00 on the 1st)."""
    return (today(cast.school).replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture
def shift(cast, month):
    """A published 白班 on the 1st of that month with cast.teacher on it."""
    roster = make_roster(cast.school, start=month, days=2)
    return put_on_duty(shift_of(roster, "白班", month), (cast.teacher, Role.TEACHER))


def test_leaders_see_everyone_and_drill_into_one_person(client, cast, month, shift):
    client.force_login(cast.leader.user)
    page = client.get(URL, {"month": f"{month:%Y-%m}"}).content.decode()
    assert cast.teacher.name in page and cast.guard.name in page
    assert "不计入得分" in page and "metrics-score" not in page
    one = client.get(URL, {"month": f"{month:%Y-%m}", "person": cast.teacher.pk})
    assert one.status_code == 200
    body = one.content.decode()
    assert "按时到岗" in body and "值班记录按时提交" in body
    assert one.context["metrics"][0].key == "punctuality"
    # Each figure links to the records it came from: the duty's roster week.
    assert reverse("roster:week", args=[shift.roster_id]) in body


def test_a_teacher_sees_only_their_own(client, cast, month, shift):
    client.force_login(cast.teacher.user)
    mine = client.get(URL)
    assert mine.status_code == 200 and mine.context["person"] == cast.teacher
    assert cast.guard.name not in mine.content.decode()
    assert client.get(URL, {"person": cast.guard.pk}).status_code == 403
    assert client.get(URL, {"person": cast.teacher.pk}).status_code == 200
    assert client.get(URL, {"person": cast.other_teacher.pk}).status_code == 404
    client.force_login(cast.other_admin.user)
    assert client.get(URL, {"person": cast.teacher.pk}).status_code == 404


def test_the_score_shows_only_when_the_school_counts_metrics(client, cast, month, shift):
    settings = settings_for(cast.school)
    AssessmentSettings.objects.filter(pk=settings.pk).update(
        metrics_count=True, weight_metrics=10, weight_inspection=60
    )
    client.force_login(cast.principal.user)
    page = client.get(URL, {"month": f"{month:%Y-%m}", "person": cast.teacher.pk})
    assert "计入得分" in page.content.decode() and "不计入" not in page.content.decode()
    earlier = client.get(URL, {"month": f"{month - timedelta(days=40):%Y-%m}"})
    assert earlier.status_code == 200
