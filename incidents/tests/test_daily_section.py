"""The day's incidents appear in the logbook's daily report, counted as events of the day."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from incidents.tests.factories_incident import report, shift_now
from logbook.report import collect_days

pytestmark = pytest.mark.django_db


def test_an_incident_is_a_row_and_an_event_of_its_day(cast):
    shift_now(cast)
    incident = report(cast)
    today = timezone.localdate(incident.occurred_at)
    with translation.override("en"):
        (day,) = collect_days(cast.school, today, today, now=timezone.now())
    (section,) = [s for s in day.sections if s["title"] == "Incidents"]
    assert section["event_count"] == 1
    assert section["rows"][1][3] == "教学楼三楼"
    assert day.event_count == 1


def test_a_quiet_day_says_so(cast):
    today = timezone.localdate()
    with translation.override("en"):
        (day,) = collect_days(cast.school, today, today, now=timezone.now())
    (section,) = [s for s in day.sections if s["title"] == "Incidents"]
    assert section["event_count"] == 0
    assert section["empty"]


def test_the_daily_page_shows_the_incident(client, cast):
    shift_now(cast)
    report(cast, location="操场东侧")
    client.force_login(cast.principal.user)
    page = client.get(reverse("logbook:daily")).content.decode()
    assert "操场东侧" in page
