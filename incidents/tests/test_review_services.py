"""Post-incident report workflow: write, submit, send back with a comment, revise, accept, close;
who may do each; corrective actions and their daily overdue notice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.categories import Status
from incidents.models import (
    ActionStatus,
    CorrectiveAction,
    EventKind,
    IncidentEvent,
    PostIncidentReport,
    ReportStatus,
)
from incidents.queries.review import (
    awaiting_report,
    incidents_awaiting_review,
    reports_awaiting_review,
)
from incidents.services import review as services
from incidents.tests.factories_review import NOW, REPORT, actor, make_incident, write_report
from logbook.tests.factories import at, staffed_shift
from notifications.models import Notice

pytestmark = pytest.mark.django_db


def test_a_report_sent_back_then_accepted_lets_the_incident_close(cast):
    incident = make_incident(cast)
    report = write_report(cast, incident)
    assert not services.can_close(incident)

    first = services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    assert first.number == 1 and first.process == REPORT["process"]
    assert first.actions[0]["text"] == "更换三楼老化电线"
    services.decide_report(
        report=report,
        actor=actor(cast.principal),
        accept=False,
        comment="原因要写具体：哪条线路？",
        now=NOW,
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert not services.can_close(incident)

    services.save_report(
        incident=incident,
        actor=actor(cast.teacher),
        fields={**REPORT, "causes": "三楼配电箱至 302 教室线路老化。"},
        actions=[],
    )
    report.refresh_from_db()
    second = services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    services.decide_report(report=report, actor=actor(cast.principal), accept=True, now=NOW)

    versions = list(report.versions.order_by("number"))
    assert [(v.number, v.decision) for v in versions] == [(1, "returned"), (2, "accepted")]
    assert versions[0].comment == "原因要写具体：哪条线路？"
    assert versions[0].causes == "电线老化短路。"  # the first round is kept as it was sent
    assert second.causes == "三楼配电箱至 302 教室线路老化。"
    assert services.can_close(incident)
    kinds = list(IncidentEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == [EventKind.REVIEW] * 4


def test_the_principal_is_told_of_a_submitted_report_and_the_author_of_the_decision(cast):
    incident = make_incident(cast)
    report = write_report(cast, incident)
    services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    services.decide_report(
        report=report, actor=actor(cast.principal), accept=False, comment="补充善后情况", now=NOW
    )
    told = set(Notice.objects.values_list("recipient_id", "event"))
    assert (cast.principal.user_id, f"incident-review:{report.pk}:v1:submitted") in told
    assert (cast.teacher.user_id, f"incident-review:{report.pk}:v1:returned") in told


def test_sending_back_needs_a_comment_and_changes_nothing_without_one(cast):
    incident = make_incident(cast)
    report = write_report(cast, incident)
    services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    with pytest.raises(ValidationError):
        services.decide_report(
            report=report, actor=actor(cast.principal), accept=False, comment="  ", now=NOW
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.versions.get().decision == "pending"


def test_only_the_principal_reviews(cast):
    incident = make_incident(cast)
    report = write_report(cast, incident)
    services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    for someone in (cast.teacher, cast.leader, cast.admin, cast.other_admin):
        with pytest.raises(PermissionDenied):
            services.decide_report(report=report, actor=actor(someone), accept=True, now=NOW)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_report_cannot_be_submitted_twice_or_decided_twice(cast):
    incident = make_incident(cast)
    report = write_report(cast, incident)
    services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    with pytest.raises(ValidationError):
        services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    services.decide_report(report=report, actor=actor(cast.principal), accept=True, now=NOW)
    with pytest.raises(ValidationError):
        services.decide_report(report=report, actor=actor(cast.principal), accept=True, now=NOW)
    assert report.versions.count() == 1


def test_submitting_needs_every_part_of_the_report(cast):
    incident = make_incident(cast)
    report = services.save_report(
        incident=incident, actor=actor(cast.teacher), fields={**REPORT, "lessons": ""}, actions=[]
    )
    with pytest.raises(ValidationError):
        services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not report.versions.exists()


def test_a_report_is_written_only_once_the_incident_is_contained(cast):
    incident = make_incident(cast, status=Status.RESPONDING)
    with pytest.raises(ValidationError):
        write_report(cast, incident)
    assert not PostIncidentReport.objects.exists()


def test_who_writes_the_report(cast):
    shift = staffed_shift(cast)  # cast.leader leads it; cast.teacher is on it
    incident = make_incident(cast, shift=shift, reporter=cast.guard)
    write_report(cast, incident, by=cast.guard)  # the reporter
    write_report(cast, incident, by=cast.leader)  # the shift's leader
    write_report(cast, incident, by=cast.admin)  # the office
    for someone in (cast.teacher, cast.tech, cast.other_admin, cast.principal):
        with pytest.raises(PermissionDenied):
            write_report(cast, incident, by=someone)


def test_an_owner_from_another_school_is_refused_and_nothing_is_saved(cast):
    incident = make_incident(cast)
    with pytest.raises(ValidationError):
        write_report(cast, incident, owner=cast.other_teacher)
    assert not PostIncidentReport.objects.exists()
    assert not CorrectiveAction.objects.exists()


def test_actions_from_another_report_are_not_taken_over(cast):
    theirs = write_report(cast, make_incident(cast))
    foreign = theirs.actions.get()
    mine = make_incident(cast)
    services.save_report(
        incident=mine,
        actor=actor(cast.teacher),
        fields=REPORT,
        actions=[
            services.ActionInput(
                pk=foreign.pk, text="改写", owner=cast.teacher, due_on=date(2027, 1, 1)
            )
        ],
    )
    foreign.refresh_from_db()
    assert foreign.text == "更换三楼老化电线" and foreign.report_id == theirs.pk


def test_corrective_actions_are_tracked_until_done(cast):
    report = write_report(cast, make_incident(cast))
    action = report.actions.get()
    services.complete_action(action=action, actor=actor(cast.tech), now=NOW)
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.done_at == NOW
    assert action.done_by == cast.tech.user
    with pytest.raises(ValidationError):
        services.complete_action(action=action, actor=actor(cast.tech), now=NOW)


def test_an_overdue_action_is_notified_once_a_day(cast):
    report = write_report(cast, make_incident(cast), due=date(2026, 12, 10))
    action = report.actions.get()
    on_due_day = at(date(2026, 12, 10), 9)
    assert services.notify_overdue_actions(now=on_due_day) == 0

    next_morning = at(date(2026, 12, 11), 0, 30)  # 16:30 UTC the day before: local day counts
    assert services.notify_overdue_actions(now=next_morning) == 1
    assert services.notify_overdue_actions(now=next_morning + timedelta(hours=8)) == 0
    events = set(
        Notice.objects.filter(event__startswith="incident-action:").values_list(
            "event", "recipient_id"
        )
    )
    key = f"incident-action:{action.pk}:overdue:2026-12-11"
    assert events == {(key, cast.tech.user_id), (key, cast.principal.user_id)}

    assert services.notify_overdue_actions(now=at(date(2026, 12, 12), 9)) == 1
    services.complete_action(action=action, actor=actor(cast.tech), now=NOW)
    assert services.notify_overdue_actions(now=at(date(2026, 12, 13), 9)) == 0


def test_the_queues_name_what_is_owed(cast):
    nothing_yet = make_incident(cast)
    drafted = make_incident(cast)
    write_report(cast, drafted)
    submitted = make_incident(cast)
    report = write_report(cast, submitted)
    services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    make_incident(cast, status=Status.RESPONDING)

    assert set(awaiting_report(cast.school)) == {nothing_yet, drafted}
    assert [r.incident for r in reports_awaiting_review(cast.school)] == [submitted]
    rows = incidents_awaiting_review(actor=actor(cast.principal))
    assert rows[0]["incident"] == submitted and len(rows) == 3
    assert incidents_awaiting_review(actor=actor(cast.teacher)) == []


def test_the_periodic_task_notifies_overdue_actions_once(cast):
    from django.utils import timezone

    from incidents.tasks_review import notify_overdue_actions

    write_report(cast, make_incident(cast), due=timezone.localdate() - timedelta(days=2))
    assert notify_overdue_actions.run() == "1 overdue corrective actions notified"
    assert notify_overdue_actions.run() == "0 overdue corrective actions notified"
