"""Reporting, escalating, acknowledging, editing and moving incidents (services, no browser).

Time is controlled as in notifications/tests/test_escalation.py: a step's wait is over when a
test moves the escalation's ``next_due_at`` into the past; steps run in-process through
``advance_due_escalations`` (the periodic task's body)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from incidents.categories import Severity, Status
from incidents.models import EventKind, Incident, IncidentEvent
from incidents.queries.incident import get_incident_for_user, incidents_for
from incidents.services.incident import (
    acknowledge_incident,
    change_status,
    save_policy,
    update_incident,
)
from incidents.tests.factories_incident import report, shift_now
from notifications.escalation import advance_due_escalations
from notifications.models import Escalation, EscalationStatus, Notice
from staff.queries import actor_for

pytestmark = pytest.mark.django_db


def told(incident) -> dict[int, int]:
    """user id → how many in-app escalation notices they got for ``incident``."""
    ids = list(incident.escalations.values_list("escalation_id", flat=True))
    counts: dict[int, int] = {}
    for notice in Notice.objects.filter(channel="inapp"):
        if any(notice.event.startswith(f"escalation:{pk}:") for pk in ids):
            counts[notice.recipient_id] = counts.get(notice.recipient_id, 0) + 1
    return counts


def make_due(incident) -> None:
    Escalation.objects.filter(
        incident_link__incident=incident, status=EscalationStatus.ACTIVE
    ).update(next_due_at=timezone.now() - timedelta(seconds=1))


def run_everything(incident, rounds: int = 4) -> None:
    for _ in range(rounds):
        make_due(incident)
        advance_due_escalations()


def test_a_short_first_report_lands_on_the_shift_and_tells_its_leader_first(cast):
    shift = shift_now(cast)
    incident = report(cast)
    assert incident.shift == shift and incident.school == cast.school
    assert incident.status == Status.REPORTED and incident.severity == Severity.IV
    assert list(incident.events.values_list("kind", flat=True)) == [EventKind.REPORTED]
    advance_due_escalations()
    assert told(incident) == {cast.leader.user_id: 1}


def test_unacknowledged_for_five_minutes_the_principal_is_told_exactly_once(cast):
    shift_now(cast)
    incident = report(cast)
    advance_due_escalations()
    escalation = Escalation.objects.get(source=f"incident:{incident.pk}")
    wait = escalation.next_due_at - timezone.now()
    assert timedelta(minutes=4, seconds=50) < wait <= timedelta(minutes=5)
    assert advance_due_escalations() == 0  # not yet
    run_everything(incident)
    assert told(incident) == {cast.leader.user_id: 1, cast.principal.user_id: 1}


def test_acknowledged_in_time_the_principal_is_not_told(cast):
    shift_now(cast)
    incident = report(cast)
    advance_due_escalations()
    assert acknowledge_incident(incident=incident, actor=cast.leader.user)
    run_everything(incident)
    assert told(incident) == {cast.leader.user_id: 1}
    incident.refresh_from_db()
    assert incident.status == Status.ACKNOWLEDGED
    assert incident.acknowledged_by == cast.leader.user and incident.acknowledged_at
    assert not acknowledge_incident(incident=incident, actor=cast.principal.user)
    assert incident.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1


def test_severity_three_tells_the_principal_at_once(cast):
    shift_now(cast)
    incident = report(cast, severity=Severity.III)
    advance_due_escalations()
    assert told(incident) == {cast.leader.user_id: 1, cast.principal.user_id: 1}


def test_severity_two_tells_the_bureau_which_may_then_read_it(cast):
    shift_now(cast)
    incident = report(cast, severity=Severity.II)
    official = actor_for(cast.official.user)
    assert not incidents_for(official).exists()  # not before the bureau step ran
    advance_due_escalations()
    assert told(incident)[cast.official.user_id] == 1
    assert cast.other_official.user_id not in told(incident)
    assert list(incidents_for(official)) == [incident]
    assert not incidents_for(actor_for(cast.other_official.user)).exists()


def test_a_shift_without_a_leader_tells_the_schools_leaders(cast):
    shift_now(cast, staffed=False)
    incident = report(cast)
    advance_due_escalations()
    assert told(incident) == {cast.leader.user_id: 1, cast.principal.user_id: 1}


def test_raising_the_severity_tells_whom_the_new_level_adds_and_nobody_twice(cast):
    shift_now(cast)
    incident = report(cast)
    advance_due_escalations()
    acknowledge_incident(incident=incident, actor=cast.leader.user)
    update_incident(incident=incident, actor=cast.leader.user, changes={"severity": "2"})
    run_everything(incident)
    assert told(incident) == {
        cast.leader.user_id: 1,
        cast.principal.user_id: 1,
        cast.official.user_id: 1,
    }
    # Lowering it again sends nothing more.
    update_incident(incident=incident, actor=cast.leader.user, changes={"severity": "4"})
    run_everything(incident)
    assert sum(told(incident).values()) == 3


def test_a_school_policy_replaces_the_defaults_for_new_incidents(cast):
    shift_now(cast)
    save_policy(
        school=cast.school,
        severity=Severity.IV,
        steps=[{"targets": ["admin"], "wait_minutes": 0}],
        actor=cast.admin.user,
    )
    incident = report(cast)
    advance_due_escalations()
    assert told(incident) == {cast.admin.user_id: 1}
    with pytest.raises(ValidationError):
        save_policy(school=cast.school, severity="4", steps=[{"targets": []}], actor=None)


def test_an_incident_in_the_future_is_refused_and_nothing_is_saved(cast):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        report(cast, occurred_at=now + timedelta(hours=1), now=now)
    assert "occurred_at" in error.value.message_dict
    assert not Incident.objects.exists() and not Escalation.objects.exists()


def test_a_subcategory_of_another_category_is_refused(cast):
    with pytest.raises(ValidationError):
        report(cast, subcategory="earthquake")
    assert not Incident.objects.exists()


def test_every_change_is_on_the_timeline_with_before_and_after(cast):
    shift_now(cast)
    incident = report(cast)
    diff = update_incident(
        incident=incident,
        actor=cast.teacher.user,
        changes={
            "casualties_injured": 2,
            "location": "教学楼三楼东侧",
            "summary": incident.summary,
        },
    )
    assert diff == {"casualties_injured": [0, 2], "location": ["教学楼三楼", "教学楼三楼东侧"]}
    event = incident.events.get(kind=EventKind.UPDATED)
    assert event.data == diff and event.actor == cast.teacher.user
    assert update_incident(incident=incident, actor=cast.teacher.user, changes={}) == {}
    assert incident.events.filter(kind=EventKind.UPDATED).count() == 1


def test_the_status_moves_only_as_allowed_with_who_and_when(cast):
    shift_now(cast)
    incident = report(cast)
    now = timezone.now()
    change_status(incident=incident, to=Status.RESPONDING, actor=cast.leader.user, now=now)
    assert incident.status == Status.RESPONDING and incident.acknowledged_at  # acknowledges
    with pytest.raises(ValidationError):
        change_status(incident=incident, to=Status.REPORTED, actor=cast.leader.user)
    change_status(incident=incident, to=Status.CONTAINED, actor=cast.leader.user, now=now)
    assert incident.contained_at == now
    with translation.override("en"), pytest.raises(ValidationError, match="post-incident"):
        change_status(incident=incident, to=Status.CLOSED, actor=cast.principal.user)
    incident.refresh_from_db()
    assert incident.status == Status.CONTAINED
    moves = [e.data for e in IncidentEvent.objects.filter(incident=incident, kind="status")]
    assert moves == [
        {"from": "acknowledged", "to": "responding"},
        {"from": "responding", "to": "contained"},
    ]


def test_get_incident_for_user_is_the_choke_point(cast):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    shift_now(cast)
    incident = report(cast)
    for person in (cast.teacher, cast.leader, cast.principal, cast.admin):
        assert get_incident_for_user(actor_for(person.user), incident.pk) == incident
    for person in (cast.other_teacher, cast.other_admin, cast.tech, cast.official):
        with pytest.raises(Http404):
            get_incident_for_user(actor_for(person.user), incident.pk)
    for person in (cast.teacher, cast.leader, cast.principal):
        get_incident_for_user(actor_for(person.user), incident.pk, write=True)
    with pytest.raises(PermissionDenied):
        get_incident_for_user(actor_for(cast.admin.user), incident.pk, write=True)
    # The guard was on the shift: reads it, may not edit it.
    get_incident_for_user(actor_for(cast.guard.user), incident.pk)
    with pytest.raises(PermissionDenied):
        get_incident_for_user(actor_for(cast.guard.user), incident.pk, write=True)
