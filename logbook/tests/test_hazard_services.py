"""Hazard services: numbering per year, the state machine and who may move it, the verifier ≠
fixer rule (in the service and in the database), one-tap hazards from patrols, overdue notices."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from logbook.models import Hazard, HazardEvent, HazardStatus, Severity
from logbook.queries.hazard import now_panel, open_hazards_for_handover
from logbook.services import hazard as services
from logbook.services import patrol as patrol_services
from logbook.tests.factories import DAY, at, staffed_shift
from logbook.tests.test_patrol_services import actor, small_checklist
from notifications.models import Notice

pytestmark = pytest.mark.django_db
NOW = at(DAY, 10)


def report(cast, who=None, now=NOW, **extra) -> Hazard:
    fields = {"location": "操场东侧", "description": "篮球架底座松动"} | extra
    return services.report_hazard(school=cast.school, actor=actor(who or cast.teacher), now=now,
                                  **fields)  # fmt: skip


def assigned(cast, now=NOW) -> Hazard:
    hazard = report(cast)
    return services.assign_hazard(
        hazard=hazard, responsible=cast.tech, department="总务处", due_date=DAY + timedelta(2),
        actor=actor(cast.leader), now=now,
    )  # fmt: skip


def test_hazards_are_numbered_per_school_and_the_ledger_restarts_in_january(cast):
    first = report(cast, now=at(date(2026, 12, 31), 23))
    second = report(cast, now=at(date(2026, 12, 31), 23, 30))
    elsewhere = services.report_hazard(
        school=cast.other_school, location="门口", description="x",
        actor=actor(cast.other_teacher), now=NOW,
    )  # fmt: skip
    january = report(cast, now=at(date(2027, 1, 1), 0, 5))  # 16:05 UTC on Dec 31st
    assert [(h.year, h.number) for h in (first, second, elsewhere, january)] == [
        (2026, 1), (2026, 2), (2026, 1), (2027, 1),
    ]  # fmt: skip
    assert january.code == "2027-001"
    assert list(first.events.values_list("action", flat=True)) == ["reported"]


def test_the_whole_workflow_records_who_and_when_for_each_step(cast):
    hazard = assigned(cast)
    assert (hazard.status, hazard.responsible, hazard.assigned_by) == (
        HazardStatus.ASSIGNED, cast.tech, cast.leader,
    )  # fmt: skip
    services.mark_hazard_fixed(hazard=hazard, result="已重新固定", cost="120.50",
                               actor=actor(cast.tech), now=NOW + timedelta(hours=2))  # fmt: skip
    services.verify_hazard(hazard=hazard, actor=actor(cast.leader), now=NOW + timedelta(hours=3))
    services.close_out_hazard(hazard=hazard, actor=actor(cast.principal),
                              now=NOW + timedelta(hours=4))  # fmt: skip
    hazard = Hazard.objects.get(pk=hazard.pk)
    assert hazard.status == HazardStatus.CLOSED
    assert (hazard.fixed_by, hazard.verified_by, hazard.closed_by) == (
        cast.tech, cast.leader, cast.principal,
    )  # fmt: skip
    assert hazard.fixed_at < hazard.verified_at < hazard.closed_at
    actions = list(hazard.events.values_list("action", flat=True))
    assert actions == ["reported", "assigned", "fixed", "verified", "closed"]
    assert Notice.objects.filter(event__startswith=f"hazard-assigned:{hazard.pk}",
                                 recipient=cast.tech.user).exists()  # fmt: skip


def test_a_teacher_cannot_assign_verify_or_close(cast):
    hazard = report(cast)
    with pytest.raises(PermissionDenied):
        services.assign_hazard(hazard=hazard, responsible=cast.tech, due_date=DAY,
                               actor=actor(cast.teacher), now=NOW)  # fmt: skip
    hazard = assigned(cast)
    with pytest.raises(PermissionDenied):  # not the responsible person
        services.mark_hazard_fixed(hazard=hazard, result="x", actor=actor(cast.teacher))
    services.mark_hazard_fixed(hazard=hazard, result="x", actor=actor(cast.tech), now=NOW)
    with pytest.raises(PermissionDenied):
        services.verify_hazard(hazard=hazard, actor=actor(cast.teacher), now=NOW)
    services.verify_hazard(hazard=hazard, actor=actor(cast.leader), now=NOW)
    with pytest.raises(PermissionDenied):
        services.close_out_hazard(hazard=hazard, actor=actor(cast.guard), now=NOW)
    with pytest.raises(PermissionDenied):  # another school's admin
        services.close_out_hazard(hazard=hazard, actor=actor(cast.other_admin), now=NOW)


def test_steps_cannot_be_skipped_or_repeated(cast):
    hazard = report(cast)
    with pytest.raises(PermissionDenied):  # nobody responsible yet; admin may fix, not skip
        services.mark_hazard_fixed(hazard=hazard, result="x", actor=actor(cast.tech))
    with pytest.raises(ValidationError):
        services.mark_hazard_fixed(hazard=hazard, result="x", actor=actor(cast.admin))
    with pytest.raises(ValidationError):
        services.verify_hazard(hazard=hazard, actor=actor(cast.leader))
    with pytest.raises(ValidationError):
        services.close_out_hazard(hazard=hazard, actor=actor(cast.leader))
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.OPEN


@pytest.fixture
def english():
    with translation.override("en"):
        yield


def test_the_fixer_cannot_verify_or_close_out_their_own_fix(cast, english):
    hazard = report(cast)
    services.assign_hazard(hazard=hazard, responsible=cast.leader, due_date=DAY,
                           actor=actor(cast.admin), now=NOW)  # fmt: skip
    services.mark_hazard_fixed(hazard=hazard, result="修好了", actor=actor(cast.leader), now=NOW)
    with pytest.raises(ValidationError, match="other than"):
        services.verify_hazard(hazard=hazard, actor=actor(cast.leader), now=NOW)
    services.verify_hazard(hazard=hazard, actor=actor(cast.principal), now=NOW)
    with pytest.raises(ValidationError, match="other than"):
        services.close_out_hazard(hazard=hazard, actor=actor(cast.leader), now=NOW)


def test_the_database_refuses_a_verifier_who_fixed_it(cast):
    hazard = assigned(cast)
    services.mark_hazard_fixed(hazard=hazard, result="x", actor=actor(cast.tech), now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Hazard.objects.filter(pk=hazard.pk).update(verified_by=cast.tech, verified_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Hazard.objects.filter(pk=hazard.pk).update(closed_by=cast.tech, closed_at=NOW)


def test_a_rejected_fix_goes_back_to_the_responsible_person_with_a_reason(cast):
    hazard = assigned(cast)
    services.mark_hazard_fixed(hazard=hazard, result="x", actor=actor(cast.tech), now=NOW)
    with pytest.raises(ValidationError):
        services.verify_hazard(hazard=hazard, accepted=False, actor=actor(cast.leader))
    services.verify_hazard(hazard=hazard, accepted=False, note="仍然松动",
                           actor=actor(cast.leader), now=NOW)  # fmt: skip
    hazard.refresh_from_db()
    assert (hazard.status, hazard.fixed_by) == (HazardStatus.ASSIGNED, None)
    assert hazard.events.last().note == "仍然松动"


def test_assignment_needs_a_sensible_due_date_and_a_person_of_the_school(cast):
    hazard = report(cast)
    with pytest.raises(ValidationError):
        services.assign_hazard(hazard=hazard, responsible=cast.tech, due_date=DAY - timedelta(1),
                               actor=actor(cast.leader), now=NOW)  # fmt: skip
    with pytest.raises(ValidationError):
        services.assign_hazard(hazard=hazard, responsible=cast.other_teacher, due_date=DAY,
                               actor=actor(cast.leader), now=NOW)  # fmt: skip
    immediate = services.assign_hazard(hazard=hazard, responsible=cast.tech, due_kind="immediate",
                                       actor=actor(cast.leader), now=NOW)  # fmt: skip
    assert immediate.due_date == DAY


def test_a_problem_item_opens_a_hazard_in_one_tap_and_a_second_tap_finds_it(cast):
    items = small_checklist(cast.school)
    patrol = patrol_services.start_round(shift=staffed_shift(cast), actor=actor(cast.teacher),
                                         now=at(DAY, 9))  # fmt: skip
    ok = patrol_services.record_result(patrol=patrol, item=items["daily"], status="ok",
                                       actor=actor(cast.teacher), now=at(DAY, 9))  # fmt: skip
    with pytest.raises(ValidationError):
        services.open_hazard_from_result(result=ok, actor=actor(cast.teacher))
    problem = patrol_services.record_result(
        patrol=patrol, item=items["shift"], status="problem", note="锁舌断了",
        actor=actor(cast.teacher), now=at(DAY, 9, 5),
    )  # fmt: skip
    hazard = services.open_hazard_from_result(result=problem, actor=actor(cast.teacher),
                                              now=at(DAY, 9, 6))  # fmt: skip
    assert hazard.location == "校门 · 南门"
    assert hazard.description == "大门上锁：锁舌断了"
    assert hazard.source_result == problem and hazard.found_by == cast.teacher
    again = services.open_hazard_from_result(result=problem, actor=actor(cast.teacher))
    assert again.pk == hazard.pk and Hazard.objects.count() == 1


def test_a_major_hazard_tells_the_leaders_at_once(cast):
    hazard = report(cast, severity=Severity.MAJOR)
    told = set(Notice.objects.filter(event=f"hazard-major:{hazard.pk}")
               .values_list("recipient_id", flat=True))  # fmt: skip
    assert {cast.admin.user_id, cast.leader.user_id, cast.principal.user_id} <= told
    assert cast.teacher.user_id not in told


def test_overdue_hazards_are_notified_once_a_day_then_escalated(cast):
    hazard = assigned(cast)  # due DAY + 2
    due = hazard.due_date
    assert services.notify_overdue_hazards(now=at(due, 23)) == 0  # due today: not overdue
    day1 = at(due + timedelta(days=1), 9)
    assert services.notify_overdue_hazards(now=day1) == 1
    assert services.notify_overdue_hazards(now=day1 + timedelta(hours=3)) == 0  # same day
    first = Notice.objects.filter(event__startswith=f"hazard-overdue:{hazard.pk}:")
    assert set(first.values_list("recipient_id", flat=True)) == {cast.tech.user_id}
    assert services.notify_overdue_hazards(now=at(due + timedelta(days=2), 9)) == 1
    day3 = at(due + timedelta(days=3), 9)
    assert services.notify_overdue_hazards(now=day3) == 1
    third = Notice.objects.filter(event=f"hazard-overdue:{hazard.pk}:{due + timedelta(days=3)}")
    assert {cast.tech.user_id, cast.admin.user_id, cast.leader.user_id} <= set(
        third.values_list("recipient_id", flat=True)
    )
    assert HazardEvent.objects.filter(hazard=hazard, action="overdue").count() == 3
    services.mark_hazard_fixed(hazard=hazard, result="x", actor=actor(cast.tech), now=day3)
    assert services.notify_overdue_hazards(now=at(due + timedelta(days=4), 9)) == 0


def test_an_overdue_hazard_nobody_owns_goes_to_the_office_and_leaders(cast):
    hazard = report(cast)
    Hazard.objects.filter(pk=hazard.pk).update(due_date=DAY - timedelta(days=1))
    assert services.notify_overdue_hazards(now=NOW) == 1
    told = set(Notice.objects.filter(event__startswith="hazard-overdue:")
               .values_list("recipient_id", flat=True))  # fmt: skip
    assert cast.admin.user_id in told and cast.teacher.user_id not in told


def test_the_handover_carries_every_hazard_not_closed_out(cast):
    old = report(cast, now=datetime(2026, 12, 1, 2, tzinfo=NOW.tzinfo))
    new = assigned(cast)
    done = assigned(cast)
    services.mark_hazard_fixed(hazard=done, result="x", actor=actor(cast.tech), now=NOW)
    services.verify_hazard(hazard=done, actor=actor(cast.leader), now=NOW)
    services.close_out_hazard(hazard=done, actor=actor(cast.leader), now=NOW)
    report_elsewhere = services.report_hazard(
        school=cast.other_school, location="x", description="y", actor=actor(cast.other_teacher)
    )
    carried = open_hazards_for_handover(cast.school)
    assert carried == [new, old] and report_elsewhere not in carried


def test_the_hazard_history_is_append_only_below_the_orm(cast):
    hazard = report(cast)
    event = hazard.events.get()
    with pytest.raises(IntegrityError, match="part of the history"), transaction.atomic():
        HazardEvent.objects.filter(pk=event.pk).update(note="rewritten")
    with (
        pytest.raises(IntegrityError, match="part of the history"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM logbook_hazardevent WHERE id = %s", [event.pk])
    assert HazardEvent.objects.get(pk=event.pk).note == ""


def test_the_now_panel_counts_open_overdue_and_mine(cast):
    today = timezone.localdate()
    mine = report(cast, now=timezone.now())
    services.assign_hazard(hazard=mine, responsible=cast.teacher, due_date=today,
                           actor=actor(cast.leader))  # fmt: skip
    late = report(cast, now=timezone.now())
    Hazard.objects.filter(pk=late.pk).update(due_date=today - timedelta(days=1))
    panel = now_panel(actor=actor(cast.teacher), shift=None)
    assert panel["counts"] == {"open": 2, "overdue": 1, "mine": 1}
    assert now_panel(actor=actor(cast.official), shift=None) is None
