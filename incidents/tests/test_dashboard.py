"""What the principal sees: the dashboard (open incidents by severity and age, the
unacknowledged marked, median times to acknowledge and to contain, what awaits a post-incident
report or review) and one incident's full timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.categories import Severity, Status
from incidents.queries.incident import dashboard
from incidents.services.incident import acknowledge_incident, change_status, update_incident
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


def test_the_incident_page_tells_what_happened_who_knew_when_and_what_was_learned(cast, client):
    """Every kind of entry on one incident's timeline, as the principal reads it: the report,
    each notice and to whom, the acknowledgement, the completed report, a plan step ticked,
    the verbal report up, the status changes and the post-incident report's review."""
    from incidents.services.plans import tick_step
    from incidents.services.reporting import log_report
    from incidents.services.review import decide_report
    from incidents.tests.factories_review import make_plan
    from notifications.escalation import advance_due_escalations

    shift_now(cast)
    make_plan(cast)
    incident = report(cast, severity=Severity.III)
    advance_due_escalations()
    acknowledge_incident(incident=incident, actor=cast.leader.user)
    changes = {"services_called": ["119"], "first_measures": "疏散三楼学生"}
    update_incident(incident=incident, actor=cast.teacher.user, changes=changes)
    step = incident.plan.version.steps.order_by("position").first()
    tick_step(incident=incident, step_id=step.pk, actor=actor(cast.teacher))
    log_report(incident=incident, kind="verbal", actor=cast.principal.user,
               contact="区教育局安全科 张科长")  # fmt: skip
    change_status(incident=incident, to=Status.RESPONDING, actor=cast.leader.user)
    change_status(incident=incident, to=Status.CONTAINED, actor=cast.leader.user)
    draft = write_report(cast, incident)
    submit_report(report=draft, actor=actor(cast.teacher))
    decide_report(report=draft, actor=actor(cast.principal), accept=False, comment="补充原因")

    client.force_login(cast.principal.user)
    page = client.get(reverse("incidents:detail", args=[incident.pk]), HTTP_ACCEPT_LANGUAGE="en")
    timeline = page.context["timeline"]
    kinds = {entry["kind"] for entry in timeline}
    assert kinds >= {"reported", "notice", "acknowledged", "updated", "plan_step", "report_up",
                     "status", "review"}  # fmt: skip
    [notice] = [entry for entry in timeline if entry["kind"] == "notice"]
    assert {n["to"] for n in notice["notices"]} == {cast.leader.name, cast.principal.name}
    text = page.content.decode()
    for fact in ("区教育局安全科 张科长", "疏散三楼学生", step.text, "补充原因", cast.leader.name):
        assert fact in text, fact
    assert [entry["at"] for entry in timeline] == sorted(entry["at"] for entry in timeline)
