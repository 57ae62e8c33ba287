"""Patrol services: the standard checklist, frequency-aware rounds, results, scans, finishing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from logbook.models import Checkpoint, Frequency, PatrolItem, PatrolResult, PatrolScan
from logbook.services import patrol as services
from logbook.tests.factories import DAY, at, make_roster, put_on_duty, shift_of, staffed_shift
from roster.models import Shift
from staff.models import Role
from staff.queries import actor_for

pytestmark = pytest.mark.django_db


def actor(staff):
    return actor_for(staff.user)


def small_checklist(school) -> dict[str, PatrolItem]:
    """One checkpoint with one item of each frequency and one bad-weather extra."""
    gate = Checkpoint.objects.create(school=school, area="校门", location="南门", order=1)
    fire = Checkpoint.objects.create(school=school, area="消防", order=2)
    return {
        "shift": PatrolItem.objects.create(checkpoint=gate, text="大门上锁", order=1),
        "daily": PatrolItem.objects.create(
            checkpoint=fire, text="应急照明", frequency=Frequency.DAILY, order=1
        ),
        "weekly": PatrolItem.objects.create(
            checkpoint=fire, text="灭火器压力", frequency=Frequency.WEEKLY, order=2
        ),
        "storm": PatrolItem.objects.create(
            checkpoint=gate, text="排水通畅", bad_weather_only=True, order=2
        ),
    }


def shift_covering(cast, moment):
    """A staffed 白班/夜班 of school A covering ``moment`` (a roster around its date)."""
    local = timezone.localtime(moment)
    roster = make_roster(cast.school, start=local.date() - timedelta(days=1), days=3)
    for shift in Shift.objects.filter(roster=roster):
        if shift.starts_at <= moment < shift.ends_at:
            shift = shift_of(roster, shift.shift_type.name, shift.date)
            return put_on_duty(
                shift,
                (cast.leader, Role.LEADER),
                (cast.teacher, Role.TEACHER),
                (cast.guard, Role.GUARD),
            )
    raise AssertionError("no shift covers the moment")


def test_the_standard_checklist_installs_every_area_once(cast):
    added = services.install_standard_checklist(school=cast.school, actor=actor(cast.admin))
    areas = set(Checkpoint.objects.filter(school=cast.school).values_list("area", flat=True))
    assert {"教学办公生活用房", "消防", "安全出口", "监控报警", "用电", "门窗门锁", "围墙校门",
            "运动场", "食堂", "厕所", "功能室", "校园周边"} <= areas  # fmt: skip
    assert added == PatrolItem.objects.filter(checkpoint__school=cast.school).count() > 40
    assert PatrolItem.objects.filter(text__contains="灭火器", frequency=Frequency.WEEKLY).exists()
    assert services.install_standard_checklist(school=cast.school, actor=actor(cast.admin)) == 0
    tokens = Checkpoint.objects.values_list("token", flat=True)
    assert len(set(tokens)) == len(tokens) and all(len(t) >= 30 for t in tokens)


def test_only_the_office_edits_checklists(cast):
    with pytest.raises(PermissionDenied):
        services.install_standard_checklist(school=cast.school, actor=actor(cast.teacher))
    with pytest.raises(PermissionDenied):
        services.create_checkpoint(school=cast.school, area="X", actor=actor(cast.other_admin))
    checkpoint = services.create_checkpoint(school=cast.school, area="X", actor=actor(cast.admin))
    with pytest.raises(ValidationError):
        services.create_checkpoint(school=cast.school, area="X", actor=actor(cast.admin))
    services.set_checkpoint_active(checkpoint=checkpoint, active=False, actor=actor(cast.admin))
    assert not Checkpoint.objects.get(pk=checkpoint.pk).active


def test_a_round_is_due_each_shift_daily_and_weekly_items_by_frequency(cast):
    items = small_checklist(cast.school)
    shift = staffed_shift(cast)  # Tuesday 2026-12-08 白班
    start = at(DAY, 9)
    first = services.start_round(shift=shift, actor=actor(cast.teacher), now=start)
    assert set(first.due_item_ids) == {items["shift"].pk, items["daily"].pk, items["weekly"].pk}
    for key in ("shift", "daily", "weekly"):
        services.record_result(patrol=first, item=items[key], status="ok",
                               actor=actor(cast.teacher), now=start)  # fmt: skip
    services.finish_round(patrol=first, actor=actor(cast.teacher), now=start + timedelta(hours=1))
    # Same day, a second round: only the each-shift item is due again.
    second = services.start_round(shift=shift, actor=actor(cast.teacher), now=at(DAY, 14))
    assert second.due_item_ids == [items["shift"].pk]
    services.finish_round(patrol=second, actor=actor(cast.teacher), now=at(DAY, 15))
    # The guard's night round on the same day: the daily item is done for today.
    night = shift_of(shift.roster, "夜班", DAY)
    put_on_duty(night, (cast.guard, Role.GUARD))
    third = services.start_round(shift=night, actor=actor(cast.guard), now=at(DAY, 23))
    assert third.due_item_ids == [items["shift"].pk]
    services.finish_round(patrol=third, actor=actor(cast.guard), now=at(DAY, 23, 30))
    # After midnight (Wednesday) the daily item is due again; the weekly one is not (same week).
    fourth = services.start_round(shift=night, actor=actor(cast.guard),
                                  now=at(DAY + timedelta(days=1), 2))  # fmt: skip
    assert set(fourth.due_item_ids) == {items["shift"].pk, items["daily"].pk}


def test_weekly_items_come_back_on_monday(cast):
    items = small_checklist(cast.school)
    monday = DAY + timedelta(days=6)  # 2026-12-14
    roster = make_roster(cast.school, start=DAY, days=8)
    tuesday = put_on_duty(shift_of(roster, "白班", DAY), (cast.teacher, Role.TEACHER))
    patrol = services.start_round(shift=tuesday, actor=actor(cast.teacher), now=at(DAY, 9))
    services.record_result(patrol=patrol, item=items["weekly"], status="ok",
                           actor=actor(cast.teacher), now=at(DAY, 9))  # fmt: skip
    services.finish_round(patrol=patrol, actor=actor(cast.teacher), now=at(DAY, 10))
    sunday = put_on_duty(shift_of(roster, "白班", monday - timedelta(days=1)),
                         (cast.teacher, Role.TEACHER))  # fmt: skip
    patrol = services.start_round(shift=sunday, actor=actor(cast.teacher),
                                  now=at(monday - timedelta(days=1), 9))  # fmt: skip
    assert items["weekly"].pk not in patrol.due_item_ids
    services.finish_round(patrol=patrol, actor=actor(cast.teacher),
                          now=at(monday - timedelta(days=1), 10))  # fmt: skip
    mon = put_on_duty(shift_of(roster, "白班", monday), (cast.teacher, Role.TEACHER))
    patrol = services.start_round(shift=mon, actor=actor(cast.teacher), now=at(monday, 9))
    assert items["weekly"].pk in patrol.due_item_ids


def test_bad_weather_adds_the_extra_items_and_removes_them_again(cast):
    items = small_checklist(cast.school)
    shift = staffed_shift(cast)
    patrol = services.start_round(shift=shift, actor=actor(cast.teacher), bad_weather=True,
                                  now=at(DAY, 9))  # fmt: skip
    assert items["storm"].pk in patrol.due_item_ids
    services.set_round_weather(patrol=patrol, bad_weather=False, actor=actor(cast.teacher))
    assert items["storm"].pk not in patrol.due_item_ids
    services.set_round_weather(patrol=patrol, bad_weather=True, actor=actor(cast.teacher))
    assert items["storm"].pk in patrol.due_item_ids


def test_inactive_items_and_checkpoints_are_not_due(cast):
    items = small_checklist(cast.school)
    services.set_item_active(item=items["daily"], active=False, actor=actor(cast.admin))
    services.set_checkpoint_active(checkpoint=items["shift"].checkpoint, active=False,
                                   actor=actor(cast.admin))  # fmt: skip
    patrol = services.start_round(shift=staffed_shift(cast), actor=actor(cast.teacher),
                                  now=at(DAY, 9))  # fmt: skip
    assert patrol.due_item_ids == [items["weekly"].pk]


def test_only_people_on_duty_start_a_round_and_only_during_the_shift(cast):
    small_checklist(cast.school)
    shift = staffed_shift(cast)
    with pytest.raises(ValidationError):
        services.start_round(shift=shift, actor=actor(cast.tech), now=at(DAY, 9))
    with pytest.raises(PermissionDenied):
        services.start_round(shift=shift, actor=actor(cast.other_teacher), now=at(DAY, 9))
    with pytest.raises(ValidationError):
        services.start_round(shift=shift, actor=actor(cast.teacher), now=at(DAY, 20))
    first = services.start_round(shift=shift, actor=actor(cast.teacher), now=at(DAY, 9))
    again = services.start_round(shift=shift, actor=actor(cast.teacher), now=at(DAY, 9, 5))
    assert again.pk == first.pk  # a double tap resumes the open round


def test_one_open_round_per_person_is_a_database_rule(cast):
    small_checklist(cast.school)
    patrol = services.start_round(shift=staffed_shift(cast), actor=actor(cast.teacher),
                                  now=at(DAY, 9))  # fmt: skip
    patrol.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        patrol.save()


def test_results_are_recorded_corrected_and_counted(cast):
    items = small_checklist(cast.school)
    patrol = services.start_round(shift=staffed_shift(cast), actor=actor(cast.teacher),
                                  now=at(DAY, 9))  # fmt: skip
    services.record_result(patrol=patrol, item=items["shift"], status="ok",
                           actor=actor(cast.teacher), now=at(DAY, 9, 10))  # fmt: skip
    services.record_result(patrol=patrol, item=items["shift"], status="problem", note="锁坏了",
                           actor=actor(cast.teacher), now=at(DAY, 9, 12))  # fmt: skip
    result = PatrolResult.objects.get(round=patrol)
    assert (result.status, result.note) == ("problem", "锁坏了")
    recorded = PatrolResult.objects.filter(round=patrol).values_list("item_id", flat=True)
    assert services.completion(patrol, recorded) == (1, 3)
    with pytest.raises(ValidationError):  # not due in this round
        services.record_result(patrol=patrol, item=items["storm"], status="ok",
                               actor=actor(cast.teacher))  # fmt: skip
    with pytest.raises(PermissionDenied):  # not their round
        services.record_result(patrol=patrol, item=items["daily"], status="ok",
                               actor=actor(cast.guard))  # fmt: skip
    services.finish_round(patrol=patrol, actor=actor(cast.teacher), now=at(DAY, 10))
    with pytest.raises(ValidationError):  # finished
        services.record_result(patrol=patrol, item=items["daily"], status="ok",
                               actor=actor(cast.teacher))  # fmt: skip
    with pytest.raises(ValidationError):
        services.finish_round(patrol=patrol, actor=actor(cast.teacher), now=at(DAY, 11))


def test_a_qr_scan_stamps_the_time_in_the_open_round(cast):
    items = small_checklist(cast.school)
    gate = items["shift"].checkpoint
    with pytest.raises(ValidationError):  # no round yet
        services.scan_checkpoint(token=gate.token, actor=actor(cast.teacher), now=at(DAY, 9))
    patrol = services.start_round(shift=staffed_shift(cast), actor=actor(cast.teacher),
                                  now=at(DAY, 9))  # fmt: skip
    scan = services.scan_checkpoint(token=gate.token, actor=actor(cast.teacher),
                                    now=at(DAY, 9, 7))  # fmt: skip
    assert (scan.round, scan.checkpoint, scan.scanned_at) == (patrol, gate, at(DAY, 9, 7))
    with pytest.raises(Checkpoint.DoesNotExist):  # another school's token names nothing
        services.scan_checkpoint(token=gate.token, actor=actor(cast.other_teacher))
    assert PatrolScan.objects.count() == 1
