"""The demo school's incidents: every status and severity, one full timeline, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from incidents.categories import Severity, Status
from incidents.models import Incident
from incidents.queries.incident import timeline
from staff.demo import SCHOOL_NAME
from staff.models import School, Staff
from staff.queries import actor_for


@pytest.mark.django_db
def test_the_demo_has_incidents_in_every_status_and_severity_and_reseeding_adds_none():
    call_command("seed_demo", stdout=io.StringIO())
    school = School.objects.get(name=SCHOOL_NAME)
    incidents = Incident.objects.filter(school=school)
    assert set(incidents.values_list("status", flat=True)) == set(Status.values)
    assert set(incidents.values_list("severity", flat=True)) == set(Severity.values)
    count = incidents.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Incident.objects.filter(school=school).count() == count
    oldest = incidents.order_by("occurred_at").first()
    principal = Staff.objects.filter(school=school, roles__role="principal").first()
    kinds = [e["kind"] for e in timeline(oldest, actor_for(principal.user))]
    assert {"reported", "notice", "acknowledged", "updated", "status"} <= set(kinds)
