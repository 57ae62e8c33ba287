"""The principal's dashboard: open incidents by severity and age, the unacknowledged marked,
median times to acknowledge and to contain, and what awaits a post-incident report or review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.categories import Severity, Status
from incidents.queries.incident import dashboard
from incidents.services.incident import acknowledge_incident, change_status
from incidents.services.review import submit_report
from incidents.tests.factories_incident import report, shift_now
from incidents.tests.factories_review import actor, write_report

pytestmark = pytest.mark.django_db


def test_open_incidents_by_severity_and_age_with_the_medians_and_the_review_queue(cast, client):
    now = timezone.now()
    shift_now(cast)
    # Acknowledged after 4 min, contained after 20, its report submitted to the principal.
    fire = report(cast, severity=Severity.III, now=now - timedelta(minutes=60), location="三楼")
    acknowledge_incident(incident=fire, actor=cast.leader.user, now=now - timedelta(minutes=56))
    change_status(incident=fire, to=Status.RESPONDING, actor=cast.leader.user,
                  now=now - timedelta(minutes=50))  # fmt: skip
    change_status(incident=fire, to=Status.CONTAINED, actor=cast.leader.user,
                  now=now - timedelta(minutes=40))  # fmt: skip
    submit_report(report=write_report(cast, fire), actor=actor(cast.teacher))
    # Acknowledged after 10 min, still being handled.
    fall = report(cast, severity=Severity.IV, now=now - timedelta(minutes=30), location="操场")
    acknowledge_incident(incident=fall, actor=cast.leader.user, now=now - timedelta(minutes=20))
    # Nobody has acknowledged it yet.
    stranger = report(cast, severity=Severity.II, now=now - timedelta(minutes=7), location="校门")
    # Another school's incident is not counted.
    report(cast, cast.other_teacher, severity=Severity.I, now=now, location="乙校")

    data = dashboard(actor(cast.principal), now=now)
    by_level = {g["severity"]: [i["incident"] for i in g["items"]] for g in data["groups"]}
    assert by_level[Severity.II] == [stranger] and by_level[Severity.IV] == [fall]
    assert by_level[Severity.III] == [fire] and by_level[Severity.I] == []
    ages = {i["incident"]: i["age"] for g in data["groups"] for i in g["items"]}
    assert ages == {fire: 60, fall: 30, stranger: 7}
    assert data["open_count"] == 3 and data["unacknowledged"] == [stranger]
    assert data["ack_median"] == 7 and data["contain_median"] == 20  # median of 4 and 10
    assert [r["incident"] for r in data["awaiting_review"]] == [fire]

    client.force_login(cast.principal.user)
    page = client.get(reverse("incidents:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Reported 7 min ago" in text and "nobody has acknowledged yet" in text
    assert text.count("nobody has acknowledged yet") == 1
    assert "校门" in text and "乙校" not in text
    assert text.index("II — serious") < text.index("III — major") < text.index("IV — ordinary")
    assert "Report awaiting review" in text
