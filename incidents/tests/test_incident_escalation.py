"""Incident escalation end to end: a real Celery worker process, a real Redis broker and a
controlled clock (a step's wait is over when the test moves ``next_due_at`` into the past and
publishes the periodic task, as beat would).

The promises of issue #6: unacknowledged for 5 minutes → the principal is told exactly once;
acknowledged in time → never; severity II → the bureau contact is told; a worker killed
between steps changes none of this."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from dutyschool import queue
from incidents.categories import Severity
from incidents.models import Incident
from incidents.services.incident import acknowledge_incident
from incidents.tests.factories_incident import report, shift_now
from notifications.models import Escalation, EscalationStatus, Heartbeat, Notice, NoticeStatus
from notifications.tasks import advance_escalation, advance_escalations

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(redis_server, use_broker):
    use_broker(redis_server.url)
    return redis_server


def wait_for(predicate, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def inapp(incident, user_id: int) -> list[Notice]:
    """The in-app escalation notices ``user_id`` got about ``incident``."""
    keys = [
        f"escalation:{pk}:step:"
        for pk in incident.escalations.values_list("escalation_id", flat=True)
    ]
    return [
        n
        for n in Notice.objects.filter(recipient_id=user_id, channel="inapp")
        if any(n.event.startswith(k) for k in keys)
    ]


def make_due(incident) -> None:
    Escalation.objects.filter(
        incident_link__incident=incident, status=EscalationStatus.ACTIVE
    ).update(next_due_at=timezone.now() - timedelta(seconds=1))


def tick() -> None:
    """What beat does every sweeper interval."""
    queue.publish(advance_escalations)


def delivered(incident, user_id: int) -> bool:
    notices = inapp(incident, user_id)
    return bool(notices) and all(n.status == NoticeStatus.SENT for n in notices)


def test_unacknowledged_five_minutes_tells_the_principal_once_even_if_a_worker_dies(
    cast, broker, start_worker
):
    shift_now(cast)
    worker = start_worker(broker.url)
    incident = report(cast)  # its own transaction: step 1 goes to the worker on commit
    assert wait_for(lambda: delivered(incident, cast.leader.user_id)), worker.output()
    assert not inapp(incident, cast.principal.user_id)
    # Four minutes later: a tick changes nothing.
    tick()
    assert wait_for(lambda: Heartbeat.objects.filter(name="escalations").exists())
    assert not inapp(incident, cast.principal.user_id)
    # The worker dies between steps (a host crash), and the step comes due meanwhile.
    worker.kill_group()
    make_due(incident)
    tick()
    replacement = start_worker(broker.url)
    assert wait_for(lambda: delivered(incident, cast.principal.user_id)), replacement.output()
    # Redelivered and repeated ticks after the clock moves on: nothing more is sent.
    escalation = Escalation.objects.get(source=f"incident:{incident.pk}")
    queue.publish(advance_escalation, escalation.pk)
    make_due(incident)
    tick()
    tick()
    time.sleep(1.0)
    assert len(inapp(incident, cast.principal.user_id)) == 1
    assert len(inapp(incident, cast.leader.user_id)) == 1
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.FINISHED


def test_acknowledged_in_time_the_principal_is_never_told(cast, celery_worker_process):
    shift_now(cast)
    incident = report(cast)
    assert wait_for(lambda: delivered(incident, cast.leader.user_id)), (
        celery_worker_process.output()
    )
    acknowledge_incident(incident=incident, actor=cast.leader.user)
    make_due(incident)  # even if the clock says the next step is due
    Escalation.objects.filter(source=f"incident:{incident.pk}").update(
        next_due_at=timezone.now() - timedelta(seconds=1)
    )
    tick()
    queue.publish(advance_escalation, incident.escalations.get().escalation_id)
    time.sleep(1.5)
    assert not inapp(incident, cast.principal.user_id)
    assert incident.escalations.get().escalation.status == EscalationStatus.ACKNOWLEDGED


def test_severity_two_tells_the_bureau_contact_through_the_worker(cast, broker, start_worker):
    shift_now(cast)
    worker = start_worker(broker.url)
    incident = report(cast, severity=Severity.II)
    assert wait_for(lambda: delivered(incident, cast.official.user_id)), worker.output()
    assert len(inapp(incident, cast.principal.user_id)) == 1
    assert not inapp(incident, cast.other_official.user_id)


def test_with_redis_down_the_report_succeeds_and_the_leader_is_told_once_it_returns(
    cast, broker, start_worker, client
):
    shift_now(cast)
    broker.stop()
    client.force_login(cast.teacher.user)
    when = timezone.localtime() - timedelta(minutes=1)
    response = client.post(
        "/incidents/report/",
        {"category": "accident", "subcategory": "fire", "severity": "4",
         "occurred_at": when.strftime("%Y-%m-%dT%H:%M"), "location": "食堂",
         "summary": "油锅起火，已用灭火毯扑灭"},
    )  # fmt: skip
    assert response.status_code == 302
    incident = Incident.objects.get()
    broker.start()
    worker = start_worker(broker.url)
    tick()  # the next beat tick finds the step the lost publish would have run
    assert wait_for(lambda: delivered(incident, cast.leader.user_id)), worker.output()
