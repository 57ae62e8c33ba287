""" "Log not submitted": the author at the end of the shift, the leader an hour later, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from logbook.models import LogbookSettings
from logbook.services import log as services
from logbook.tasks import notify_unsubmitted_logs
from logbook.tests.factories import DAY, at, staffed_shift
from notifications.models import Notice
from staff.queries import actor_for

pytestmark = pytest.mark.django_db


def told(event_prefix: str) -> set[int]:
    return set(
        Notice.objects.filter(event__startswith=event_prefix, channel="inapp").values_list(
            "recipient_id", flat=True
        )
    )


@pytest.fixture
def shift(cast):
    return staffed_shift(cast)


def test_nothing_is_sent_before_the_shift_ends(cast, shift):
    services.notify_unsubmitted_logs(now=at(DAY, 16, 59))
    assert not Notice.objects.filter(event__startswith="log.").exists()


def test_with_no_log_the_duty_staff_are_told_at_the_end_then_the_leader(cast, shift):
    services.notify_unsubmitted_logs(now=at(DAY, 17, 1))
    assert told(f"log.unsubmitted:{shift.pk}") == {cast.teacher.user_id, cast.guard.user_id}
    assert not told("log.unsubmitted.leader")
    services.notify_unsubmitted_logs(now=at(DAY, 18, 1))
    assert told(f"log.unsubmitted.leader:{shift.pk}") == {cast.leader.user_id}


def test_with_a_draft_the_author_is_told(cast, shift):
    services.open_log(shift=shift, actor=actor_for(cast.guard.user), now=at(DAY, 9))
    services.notify_unsubmitted_logs(now=at(DAY, 17, 5))
    assert told(f"log.unsubmitted:{shift.pk}") == {cast.guard.user_id}


def test_running_again_sends_nothing_twice(cast, shift):
    services.notify_unsubmitted_logs(now=at(DAY, 18, 1))
    first = Notice.objects.filter(event__startswith="log.").count()
    for minute in (6, 11):
        services.notify_unsubmitted_logs(now=at(DAY, 18, minute))
    assert told("log.unsubmitted") == {
        cast.teacher.user_id,
        cast.guard.user_id,
        cast.leader.user_id,
    }
    assert Notice.objects.filter(event__startswith="log.").count() == first


def test_a_submitted_log_is_not_chased(cast, shift):
    log = services.open_log(shift=shift, actor=actor_for(cast.teacher.user), now=at(DAY, 9))
    services.submit_log(log=log, actor=actor_for(cast.teacher.user), version=1,
                        data={"weather": "晴", "summary": "正常"}, now=at(DAY, 16))  # fmt: skip
    services.notify_unsubmitted_logs(now=at(DAY, 19))
    assert not Notice.objects.filter(event__startswith="log.").exists()


def test_the_leader_delay_is_a_school_setting(cast, shift):
    LogbookSettings.objects.create(school=cast.school, leader_notice_minutes=30)
    services.notify_unsubmitted_logs(now=at(DAY, 17, 31))
    assert told("log.unsubmitted.leader") == {cast.leader.user_id}


def test_a_night_shift_is_chased_the_next_morning(cast):
    night = staffed_shift(cast, "夜班")
    services.notify_unsubmitted_logs(now=at(DAY, 23))
    assert not told(f"log.unsubmitted:{night.pk}")
    services.notify_unsubmitted_logs(now=at(DAY + timedelta(days=1), 8, 1))
    assert told(f"log.unsubmitted:{night.pk}") == {cast.teacher.user_id, cast.guard.user_id}


def test_old_shifts_are_left_to_the_leaders(cast, shift):
    services.notify_unsubmitted_logs(now=at(DAY, 17) + (at(DAY, 17) - at(DAY, 16)) * 25)
    assert not Notice.objects.filter(event__startswith="log.").exists()


def test_the_task_wraps_the_service(cast, shift, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(DAY, 18, 30))
    assert notify_unsubmitted_logs() == "2 unsubmitted-log notices"
