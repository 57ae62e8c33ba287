"""Training sessions (岗前培训, 在岗培训) with attendance limited to the school's staff, read by
everyone of the school, kept by the office and the leaders; they feed the training metric."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment.metrics import TRAINING, month_metrics
from assessment.models import TrainingAttendance, TrainingSession
from assessment.services import training as services
from assessment.services.inspection import school_today
from assessment.tests.factories_inspect import as_

pytestmark = pytest.mark.django_db


def form(cast, **extra):
    return {
        "kind": "pre_duty", "title": "岗前培训：值班职责与应急预案",
        "held_on": school_today(cast.school).isoformat(), "hours": "2", "trainer": "王校长",
        "notes": "", **extra,
    }  # fmt: skip


def test_the_office_records_a_session_and_who_attended(client, cast):
    client.force_login(cast.admin.user)
    response = client.post(reverse("assessment:training-new"),
                           form(cast, attendees=[cast.teacher.pk, cast.guard.pk]))  # fmt: skip
    session = TrainingSession.objects.get(school=cast.school)
    assert response["Location"] == reverse("assessment:training-detail", args=[session.pk])
    present = set(session.attendance.filter(attended=True).values_list("staff_id", flat=True))
    assert present == {cast.teacher.pk, cast.guard.pk}
    # Edited: the guard unticked stays listed as absent; the leader added.
    client.post(reverse("assessment:training-edit", args=[session.pk]),
                form(cast, hours="1.5", attendees=[cast.teacher.pk, cast.leader.pk]))  # fmt: skip
    session.refresh_from_db()
    assert session.hours == Decimal("1.5")
    rows = dict(session.attendance.values_list("staff_id", "attended"))
    assert rows == {cast.teacher.pk: True, cast.leader.pk: True, cast.guard.pk: False}
    page = client.get(reverse("assessment:training-detail", args=[session.pk])).content.decode()
    assert cast.guard.name in page and "缺岗" in page
    # The training metric of the month counts it for the teacher, not for the guard.
    measured = month_metrics(cast.school, session.held_on)
    assert measured[cast.teacher.pk][TRAINING].value == 1
    assert measured[cast.guard.pk][TRAINING].value == 0


def test_attendees_must_be_staff_of_the_school(client, cast):
    client.force_login(cast.admin.user)
    outsider = [cast.teacher.pk, cast.other_teacher.pk]
    response = client.post(reverse("assessment:training-new"), form(cast, attendees=outsider))
    assert response.status_code == 200 and "attendees" in response.context["form"].errors
    assert not TrainingSession.objects.exists()
    with pytest.raises(ValidationError):
        services.save_session(school=cast.school, data=form(cast), actor=as_(cast.admin),
                              attendees=[cast.other_teacher])  # fmt: skip
    assert not TrainingSession.objects.exists() and not TrainingAttendance.objects.exists()


def test_bad_hours_are_refused_with_a_message(client, cast):
    client.force_login(cast.leader.user)
    response = client.post(reverse("assessment:training-new"), form(cast, hours="30"))
    assert response.status_code == 200 and "hours" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


def test_everyone_reads_training_only_the_office_and_leaders_keep_it(client, cast):
    session = services.save_session(school=cast.school, data={
        "kind": "in_service", "title": "消防演练培训", "held_on": school_today(cast.school)
        - timedelta(days=3), "hours": Decimal(1), "trainer": "", "notes": "",
    }, attendees=[cast.teacher], actor=as_(cast.admin))  # fmt: skip
    detail = reverse("assessment:training-detail", args=[session.pk])
    client.force_login(cast.teacher.user)
    listing = client.get(reverse("assessment:training")).content.decode()
    assert "消防演练培训" in listing and "my-training" in listing
    assert client.get(detail).status_code == 200
    assert client.get(reverse("assessment:training-new")).status_code == 403
    assert client.get(reverse("assessment:training-edit", args=[session.pk])).status_code == 403
    client.force_login(cast.other_admin.user)
    assert client.get(detail).status_code == 404
    assert client.get(reverse("assessment:training-edit", args=[session.pk])).status_code == 404
