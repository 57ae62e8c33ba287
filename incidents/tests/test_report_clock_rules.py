"""The reporting deadlines page: a bureau official sets the verbal / written / daily / final
clocks per severity (from the shipped defaults or a ready-made set), with checks; the school's
office and principal read the ones that bind them; nobody else sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from incidents.categories import Severity
from incidents.models import ClockKind, ReportClock, ReportingPolicy
from incidents.tests.factories_incident import report, shift_now
from staff.models import School

pytestmark = pytest.mark.django_db
URL = reverse("incidents:report-clocks")


@pytest.fixture
def as_(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(person):
        client.force_login(person.user)
        return client

    return login


def posted(**changes) -> dict:
    """The form as shipped (15/30, 15/30, 30/60, IV not owed), with ``changes`` ("2-written")."""
    data = {}
    for severity, (verbal, written) in {"1": (15, 30), "2": (15, 30), "3": (30, 60)}.items():
        data |= {f"{severity}-verbal": verbal, f"{severity}-written": written}
    for severity in ("1", "2", "3", "4"):
        data |= {f"{severity}-daily_hour": 17, f"{severity}-final_days": 3}
    data |= {"4-verbal": 60, "4-written": 120}
    data.update({k.replace("_", "-", 1): v for k, v in changes.items()})
    return {k: v for k, v in data.items() if v is not None}


def saved(bureau) -> dict:
    return {
        row.severity: (row.verbal_minutes, row.written_minutes, row.daily_hour, row.final_days)
        for row in ReportingPolicy.objects.filter(bureau=bureau)
    }


def first_clocks(incident) -> dict:
    return {
        c.kind: c.due_at - incident.reported_at
        for c in ReportClock.objects.filter(incident=incident, number=1)
        if c.kind in (ClockKind.VERBAL, ClockKind.WRITTEN)
    }


def test_the_official_starts_from_the_province_set_and_new_incidents_use_it(cast, as_):
    shift_now(cast)
    running = report(cast, severity=Severity.II)
    client = as_(cast.official)
    page = client.get(URL)
    assert page.status_code == 200
    assert b"The shipped defaults" in page.content
    assert b'name="2-verbal" value="15"' in page.content
    assert b'name="3-written" value="60"' in page.content
    province = client.get(URL + "?preset=province")
    assert b'name="1-verbal" value="20"' in province.content
    assert b'name="2-written" value="40"' in province.content
    assert b"not saved yet" in province.content and not saved(cast.bureau)

    response = client.post(URL, posted(**{"1_verbal": 20, "1_written": 40, "2_verbal": 20,
                                          "2_written": 40, "3_daily_hour": 18}))  # fmt: skip
    assert response.status_code == 302
    assert saved(cast.bureau) == {
        "1": (20, 40, 17, 3), "2": (20, 40, 17, 3), "3": (30, 60, 18, 3),
    }  # fmt: skip
    assert b"own deadlines" in client.get(URL).content
    fresh = report(cast, severity=Severity.II)
    assert first_clocks(fresh) == {
        ClockKind.VERBAL: timedelta(minutes=20),
        ClockKind.WRITTEN: timedelta(minutes=40),
    }
    # A clock already running keeps the due time it started with.
    assert first_clocks(running) == {
        ClockKind.VERBAL: timedelta(minutes=15),
        ClockKind.WRITTEN: timedelta(minutes=30),
    }


def test_severity_four_owes_reports_only_when_the_bureau_asks(cast, as_):
    shift_now(cast)
    client = as_(cast.official)
    owed = posted(**{"4_owed": "on", "4_verbal": 60, "4_written": 120})
    assert client.post(URL, owed).status_code == 302
    assert saved(cast.bureau)["4"] == (60, 120, 17, 3)
    incident = report(cast, severity=Severity.IV)
    assert first_clocks(incident) == {
        ClockKind.VERBAL: timedelta(minutes=60),
        ClockKind.WRITTEN: timedelta(minutes=120),
    }
    assert client.post(URL, posted()).status_code == 302  # unticked: IV owes nothing again
    assert "4" not in saved(cast.bureau)
    assert not ReportClock.objects.filter(incident=report(cast, severity=Severity.IV)).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"2_written": 10}, b"cannot be due before the verbal one"),
        ({"1_verbal": 0}, b"Between 1 and 1440 minutes"),
        ({"3_written": 2000}, b"Between 1 and 1440 minutes"),
        ({"2_verbal": None}, b"Between 1 and 1440 minutes"),
        ({"3_daily_hour": 24}, b"An hour of the day, 0 to 23"),
        ({"1_final_days": 0}, b"Between 1 and 60 days"),
        ({"2_verbal": "soon"}, b"Enter a whole number"),
        ({"4_owed": "on", "4_verbal": 90, "4_written": 30}, b"cannot be due before"),
    ],
)
def test_bad_deadlines_are_a_clear_message_and_nothing_is_saved(cast, as_, changes, message):
    ReportingPolicy.objects.create(
        bureau=cast.bureau, severity="3", verbal_minutes=25, written_minutes=50
    )
    before = saved(cast.bureau)
    response = as_(cast.official).post(URL, posted(**{"1_verbal": 20, **changes}))
    assert response.status_code == 400
    assert message in response.content
    assert saved(cast.bureau) == before


def test_the_school_reads_its_bureaus_deadlines_and_cannot_change_them(cast, as_):
    ReportingPolicy.objects.create(
        bureau=cast.bureau, severity="2", verbal_minutes=20, written_minutes=40
    )
    for person in (cast.admin, cast.principal):
        page = as_(person).get(URL)
        assert page.status_code == 200
        assert b"within 20 min, written within 40 min" in page.content
        assert b'<form method="post" novalidate>' not in page.content
        assert b"Handled in school" in page.content  # IV
        assert as_(person).post(URL, posted()).status_code == 403
    assert saved(cast.bureau) == {"2": (20, 40, 17, 3)}
    for person in (cast.leader, cast.teacher, cast.guard, cast.tech):
        assert as_(person).get(URL).status_code == 403
    assert as_(cast.admin).get(reverse("incidents:list")).content.count(b"link-report-clocks") == 1
    assert b"link-report-clocks" not in as_(cast.teacher).get(reverse("incidents:list")).content
    assert b"link-report-clocks" in as_(cast.official).get(reverse("incidents:bureau")).content


def test_each_official_sets_only_their_own_bureau(cast, as_):
    assert as_(cast.other_official).post(URL, posted(**{"2_verbal": 10})).status_code == 302
    assert not saved(cast.bureau)
    assert saved(cast.other_official.bureau)["2"] == (10, 30, 17, 3)
    page = as_(cast.official).get(URL)
    assert b'name="2-verbal" value="15"' in page.content


def test_a_school_without_a_bureau_sees_the_shipped_defaults(cast, as_):
    School.objects.filter(pk=cast.school.pk).update(bureau=None)
    page = as_(cast.admin).get(URL)
    assert page.status_code == 200
    assert b"not attached to an education bureau" in page.content
    assert b"within 15 min, written within 30 min" in page.content
    assert b"within 30 min, written within 60 min" in page.content


def test_the_page_is_in_chinese_by_default(cast, client):
    client.force_login(cast.official.user)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "报告时限" in page and "电话初报" in page
