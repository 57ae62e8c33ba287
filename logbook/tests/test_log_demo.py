"""The demo month of duty logs: realistic, mostly signed, one draft now, and idempotent."""

from __future__ import annotations

import pytest

from logbook.demo import log as demo
from logbook.models import DutyLog, LogAmendment, LogStatus, PostCheck
from roster import demo as roster_demo
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School
from tests.demo_clock import school_day_morning

pytestmark = pytest.mark.django_db


def test_the_demo_month_of_logs_is_made_once(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    now = school_day_morning(from_day=10)  # a third of the month's shifts behind it
    roster_demo.seed(school, now=now)
    made = demo.seed(school, now=now)
    logs = DutyLog.objects.filter(school=school)
    assert logs.count() > 10
    assert made and "duty logs" in made[0]
    statuses = set(logs.values_list("status", flat=True))
    assert LogStatus.SIGNED in statuses
    assert logs.filter(status=LogStatus.DRAFT).count() == 1  # the shift on duty now
    assert not logs.filter(shift__starts_at__gt=now).exists()
    assert PostCheck.objects.filter(school=school).exists()
    assert all("\u4e00" <= log.summary[:1] <= "\u9fff" for log in logs.exclude(status="draft"))
    count = logs.count()
    assert demo.seed(school, now=now) == []
    assert DutyLog.objects.filter(school=school).count() == count
    assert LogAmendment.objects.filter(log__school=school).count() <= 2
