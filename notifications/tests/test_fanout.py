"""Fan-out: one notice per person per chosen channel, quiet hours respected unless urgent."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from notifications.fanout import end_of_quiet_hours, notify
from notifications.models import ChannelConfig, Notice, Preference

SHANGHAI = "Asia/Shanghai"


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2026-12-01T21:59", "2026-12-01T21:59"),  # before the window
        ("2026-12-01T22:00", "2026-12-02T07:00"),  # window start: held to the morning
        ("2026-12-01T23:30", "2026-12-02T07:00"),
        ("2026-12-02T03:00", "2026-12-02T07:00"),  # after midnight, same window
        ("2026-12-02T07:00", "2026-12-02T07:00"),  # window end is not quiet
        ("2026-12-31T23:00", "2027-01-01T07:00"),  # across the year end
    ],
)
def test_a_notice_in_overnight_quiet_hours_waits_until_they_end(due, expected):
    due_at = datetime.fromisoformat(due + "+08:00")
    result = end_of_quiet_hours(due_at, time(22, 0), time(7, 0), SHANGHAI)
    assert result == datetime.fromisoformat(expected + "+08:00")


def test_a_daytime_quiet_window_holds_only_inside_it():
    start, end = time(12, 0), time(13, 30)
    inside = datetime.fromisoformat("2026-12-01T12:45+08:00")
    outside = datetime.fromisoformat("2026-12-01T14:00+08:00")
    assert end_of_quiet_hours(inside, start, end, SHANGHAI) == datetime.fromisoformat(
        "2026-12-01T13:30+08:00"
    )
    assert end_of_quiet_hours(outside, start, end, SHANGHAI) == outside


def test_quiet_hours_are_read_in_the_schools_time_zone():
    # 23:00 in Shanghai is 15:00 UTC: quiet in Shanghai, not in London.
    due = datetime.fromisoformat("2026-12-01T15:00+00:00")
    assert end_of_quiet_hours(due, time(22), time(7), "Europe/London") == due
    assert end_of_quiet_hours(due, time(22), time(7), SHANGHAI) > due


@pytest.mark.django_db
def test_each_person_gets_in_app_plus_the_channels_they_chose(cast):
    ChannelConfig.objects.create(school=cast.school, kind="dingtalk", config={"url": "http://x"})
    ChannelConfig.objects.create(school=cast.school, kind="sms", config={"url": "http://y"})
    cast.teacher.user.email = "teacher@example.edu.cn"
    cast.teacher.user.save(update_fields=["email"])
    Preference.objects.create(user=cast.teacher.user, channels=["email", "dingtalk", "wecom"])
    Preference.objects.create(user=cast.guard.user, channels=["email", "sms"])
    notify(
        school=cast.school,
        recipients=[cast.teacher.user, cast.guard.user],
        event="duty.assigned:9",
        subject="值班安排",
        due_at=datetime.fromisoformat("2026-12-01T10:00+08:00"),
    )
    channels = {
        (n.recipient_id, n.channel, n.address)
        for n in Notice.objects.filter(event="duty.assigned:9")
    }
    assert channels == {
        (cast.teacher.user_id, "inapp", ""),
        (cast.teacher.user_id, "email", "teacher@example.edu.cn"),
        (cast.teacher.user_id, "dingtalk", ""),  # wecom is not configured: skipped
        (cast.guard.user_id, "inapp", ""),
        (cast.guard.user_id, "sms", cast.guard.phone),  # no e-mail address: skipped
    }


@pytest.mark.django_db
def test_urgent_notices_ignore_quiet_hours_and_ordinary_ones_wait(cast):
    Preference.objects.create(
        user=cast.leader.user, channels=["inapp"], quiet_start=time(22), quiet_end=time(7)
    )
    night = datetime.fromisoformat("2026-12-01T23:00+08:00")
    ordinary = notify(
        school=cast.school, recipients=[cast.leader.user], event="log.late:1", subject="日志未交",
        due_at=night,
    )  # fmt: skip
    urgent = notify(
        school=cast.school, recipients=[cast.leader.user], event="incident:1", subject="火警",
        urgent=True, due_at=night,
    )  # fmt: skip
    assert ordinary[0].due_at == datetime.fromisoformat("2026-12-02T07:00+08:00")
    assert urgent[0].due_at == night


@pytest.mark.django_db
def test_notifying_the_same_event_twice_adds_nothing(cast):
    for _ in range(2):
        notify(school=cast.school, recipients=[cast.teacher.user], event="e:1", subject="s")
    assert Notice.objects.filter(event="e:1").count() == 1
