"""Any input to the report and edit forms either saves or shows errors: never a 5xx."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.models import Incident
from incidents.tests.factories_incident import report

TEXT = st.text(max_size=300)
VALUES = st.one_of(
    TEXT,
    st.sampled_from(["accident", "natural", "other", "fire", "earthquake", "3", "9", "0"]),
    st.sampled_from(["2026-11-29T08:00", "2026-02-30T08:00", "2099-01-01T00:00", "-1", ""]),
)
FIELDS = ["category", "subcategory", "severity", "occurred_at", "location", "summary",
          "casualties_injured", "services_called", "school", "status"]  # fmt: skip
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@SETTINGS
@given(data=st.dictionaries(st.sampled_from(FIELDS), VALUES))
def test_the_report_form_never_fails_with_a_server_error(cast, client, data):
    client.force_login(cast.teacher.user)
    before = Incident.objects.count()
    response = client.post(reverse("incidents:report"), data)
    assert response.status_code in (302, 400)
    assert Incident.objects.count() == before + (response.status_code == 302)


@pytest.mark.django_db
@SETTINGS
@given(data=st.dictionaries(st.sampled_from(FIELDS), VALUES))
def test_the_edit_form_never_fails_with_a_server_error(cast, client, data):
    incident = Incident.objects.first() or report(cast)
    client.force_login(cast.teacher.user)
    response = client.post(reverse("incidents:edit", args=[incident.pk]), data)
    assert response.status_code in (302, 400)
