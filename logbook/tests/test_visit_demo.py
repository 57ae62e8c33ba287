"""The demo school's visitors and handovers: plausible, valid, idempotent."""

from __future__ import annotations

import pytest

from logbook import crypto
from logbook.demo import handover as handover_demo
from logbook.demo import visit as visit_demo
from logbook.idcard import IdType, normalize_id_number
from logbook.models import HandoverNote, HandoverStatus, Visit
from roster import demo as roster_demo
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School
from tests.demo_clock import school_day_morning

pytestmark = pytest.mark.django_db


NOW = school_day_morning(from_day=10)  # a school day with a third of the month behind it


@pytest.fixture
def school(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    roster_demo.seed(school, now=NOW)
    return school


def test_a_month_of_visitors_with_valid_ids_one_on_campus_one_purged(school):
    assert visit_demo.seed(school, now=NOW)
    visits = Visit.objects.filter(school=school)
    assert visits.count() > 40
    assert not visits.filter(time_in__gt=NOW).exists()
    assert not visits.filter(time_out__gt=NOW).exists()
    assert visits.on_campus().count() == 1
    assert visits.filter(purged_at__isnull=False, name="").count() == 1
    residents = visits.filter(id_type=IdType.RESIDENT, purged_at__isnull=True)
    for visit in residents:
        number = crypto.decrypt(visit.id_cipher)
        assert normalize_id_number(IdType.RESIDENT, number) == number  # check digit holds
    repeat = residents.values("id_lookup").order_by().distinct().count()
    assert repeat < residents.count()  # some people come back
    assert visit_demo.seed(school, now=NOW) == []
    assert Visit.objects.filter(school=school).count() == visits.count()


def test_handovers_mostly_accepted_one_refused_one_waiting(school):
    visit_demo.seed(school, now=NOW)
    assert handover_demo.seed(school, now=NOW)
    notes = HandoverNote.objects.filter(school=school)
    counts = {s: notes.filter(status=s).count() for s in HandoverStatus.values}
    assert counts[HandoverStatus.PENDING] == 1
    assert notes.count() > 8
    assert counts[HandoverStatus.REFUSED] == 1
    assert counts[HandoverStatus.ACCEPTED] >= counts[HandoverStatus.PENDING]
    waiting = notes.get(status=HandoverStatus.PENDING)
    assert waiting.to_shift.starts_at <= NOW < waiting.to_shift.ends_at
    assert waiting.carried_visits.count() == 1
    before = notes.count()
    assert handover_demo.seed(school, now=NOW) == []
    assert HandoverNote.objects.filter(school=school).count() == before
