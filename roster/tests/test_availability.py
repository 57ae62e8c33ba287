"""Stated availability: the services, the two pages, and auto-generation honouring it."""

from __future__ import annotations

import os
from datetime import date, timedelta
from datetime import time as clock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from roster import autogen, services
from roster.availability import (
    remove_duty_preference,
    school_today,
    set_duty_preference,
    solver_preferences,
    window_of,
)
from roster.models import (
    Assignment,
    DayKind,
    DutyPreference,
    RosterStatus,
    ShiftRequirement,
    ShiftType,
)
from roster.queries import build_plan
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import PASSWORD, make_staff

TODAY = date(2026, 12, 1)
MONDAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def as_(member):
    return actor_for(member.user)


@pytest.fixture
def week(cast):
    """A Monday-to-Friday draft in December 2026: a day shift needing two teachers each day;
    five teachers (the cast's and four more)."""
    teachers = [cast.teacher, *(make_staff(cast.school, Role.TEACHER) for _ in range(4))]
    shift_type = ShiftType.objects.create(
        school=cast.school, name="白班", start_time=clock(8), duration_minutes=540,
        day_kinds=["school_day"],
    )  # fmt: skip
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=2)
    roster = services.create_roster(
        school=cast.school, name="十二月第二周", start=MONDAY, end=MONDAY + timedelta(days=4),
        actor=None,
    )  # fmt: skip
    return {"roster": roster, "teachers": teachers}


def future(cast, days: int = 10) -> date:
    return school_today(cast.school) + timedelta(days=days)


# ---- services -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_person_states_a_future_date_and_changes_and_removes_it(cast):
    me = as_(cast.teacher)
    day = TODAY + timedelta(days=3)
    row = set_duty_preference(staff=cast.teacher, day=day, kind="unavailable", note="体检",
                              actor=me, today=TODAY)  # fmt: skip
    assert (row.kind, row.note, row.school_id) == ("unavailable", "体检", cast.school.pk)
    changed = set_duty_preference(staff=cast.teacher, day=day, kind="prefer_not", actor=me,
                                  today=TODAY)  # fmt: skip
    assert changed.pk == row.pk and changed.kind == "prefer_not" and changed.note == ""
    assert DutyPreference.objects.count() == 1  # one word per person and date
    assert set_duty_preference(staff=cast.teacher, day=day, kind="available", actor=me,
                               today=TODAY) is None  # fmt: skip
    assert not DutyPreference.objects.exists()
    assert remove_duty_preference(staff=cast.teacher, day=day, actor=me, today=TODAY) is False


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-3, 0])
def test_a_past_date_or_today_is_refused(cast, offset):
    with pytest.raises(ValidationError, match="future"):
        set_duty_preference(staff=cast.teacher, day=TODAY + timedelta(days=offset),
                            kind="unavailable", actor=as_(cast.teacher), today=TODAY)  # fmt: skip
    assert not DutyPreference.objects.exists()


@pytest.mark.django_db
def test_an_unknown_kind_and_a_date_beyond_the_horizon_are_refused(cast):
    me = as_(cast.teacher)
    with pytest.raises(ValidationError):
        set_duty_preference(staff=cast.teacher, day=TODAY + timedelta(days=2), kind="maybe",
                            actor=me, today=TODAY)  # fmt: skip
    with pytest.raises(ValidationError):
        set_duty_preference(staff=cast.teacher, day=TODAY + timedelta(days=500),
                            kind="unavailable", actor=me, today=TODAY)  # fmt: skip
    assert not DutyPreference.objects.exists()


@pytest.mark.django_db
def test_a_teacher_states_only_their_own_availability(cast):
    day = TODAY + timedelta(days=3)
    for someone in (cast.guard, cast.other_teacher):
        with pytest.raises(PermissionDenied):
            set_duty_preference(staff=someone, day=day, kind="unavailable",
                                actor=as_(cast.teacher), today=TODAY)  # fmt: skip
    with pytest.raises(PermissionDenied):  # an admin of another school neither
        set_duty_preference(staff=cast.teacher, day=day, kind="unavailable",
                            actor=as_(cast.other_admin), today=TODAY)  # fmt: skip
    assert not DutyPreference.objects.exists()


def test_pages_are_six_week_blocks_from_this_monday_and_a_day_stays_on_its_page():
    today = date(2026, 11, 29)  # a Sunday
    monday = date(2026, 11, 23)
    assert window_of(None, today) == monday
    assert window_of(today + timedelta(days=1), today) == monday
    assert window_of(monday + timedelta(days=41), today) == monday
    assert window_of(monday + timedelta(days=42), today) == monday + timedelta(weeks=6)
    assert window_of(date(2020, 1, 1), today) == monday  # before: the first page
    assert window_of(today + timedelta(days=900), today) == monday  # beyond the horizon


# ---- the solver run -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_solver_shape_has_dates_for_unavailable_and_shift_ids_for_prefer_not(cast, week):
    roster, teachers = week["roster"], week["teachers"]
    me, other = teachers[1], teachers[2]
    set_duty_preference(staff=me, day=MONDAY, kind="unavailable", actor=as_(cast.admin),
                        today=TODAY)  # fmt: skip
    set_duty_preference(staff=other, day=MONDAY + timedelta(days=1), kind="prefer_not",
                        actor=as_(cast.admin), today=TODAY)  # fmt: skip
    set_duty_preference(staff=other, day=MONDAY + timedelta(days=30), kind="unavailable",
                        actor=as_(cast.admin), today=TODAY)  # fmt: skip
    tuesday = roster.shifts.get(date=MONDAY + timedelta(days=1))
    assert solver_preferences(roster, build_plan(roster)) == {
        me.pk: {"unavailable": [MONDAY], "prefer_not": []},
        other.pk: {"unavailable": [], "prefer_not": [tuesday.pk]},
    }


@pytest.mark.django_db
def test_the_run_never_places_anyone_on_an_unavailable_date_and_avoids_prefer_not(cast, week):
    roster, teachers = week["roster"], week["teachers"]
    busy, reluctant = teachers[1], teachers[2]
    set_duty_preference(staff=busy, day=MONDAY, kind="unavailable", actor=as_(busy),
                        today=TODAY)  # fmt: skip
    set_duty_preference(staff=busy, day=MONDAY + timedelta(days=1), kind="unavailable",
                        actor=as_(busy), today=TODAY)  # fmt: skip
    for offset in (2, 3):
        set_duty_preference(staff=reluctant, day=MONDAY + timedelta(days=offset),
                            kind="prefer_not", actor=as_(reluctant), today=TODAY)  # fmt: skip
    job = autogen.start_solve(roster=roster, actor=cast.admin.user)
    assert autogen.run_solve_job(job_id=job.pk).startswith(("optimal", "feasible"))
    duties = Assignment.objects.filter(shift__roster=roster)
    assert duties.count() == 10  # every place filled
    busy_days = set(duties.filter(staff=busy).values_list("shift__date", flat=True))
    assert not busy_days & {MONDAY, MONDAY + timedelta(days=1)}
    reluctant_days = set(duties.filter(staff=reluctant).values_list("shift__date", flat=True))
    assert not reluctant_days & {MONDAY + timedelta(days=2), MONDAY + timedelta(days=3)}
    assert len(reluctant_days) == 2  # still their fair share, on other days


@pytest.mark.django_db
def test_prefer_not_gives_way_when_nobody_else_can_serve(cast, week):
    roster, teachers = week["roster"], week["teachers"]
    for person in teachers[2:]:  # only two teachers left for Monday: both are needed
        set_duty_preference(staff=person, day=MONDAY, kind="unavailable", actor=as_(person),
                            today=TODAY)  # fmt: skip
    set_duty_preference(staff=teachers[0], day=MONDAY, kind="prefer_not",
                        actor=as_(teachers[0]), today=TODAY)  # fmt: skip
    job = autogen.start_solve(roster=roster, actor=None)
    autogen.run_solve_job(job_id=job.pk)
    monday = set(
        Assignment.objects.filter(shift__date=MONDAY, shift__roster=roster).values_list(
            "staff", flat=True
        )
    )
    assert monday == {teachers[0].pk, teachers[1].pk}


# ---- pages --------------------------------------------------------------------------------


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.django_db
def test_a_teacher_marks_a_day_on_the_page(en, cast):
    day = future(cast)
    en.force_login(cast.teacher.user)
    page = en.get(reverse("roster:availability"), {"day": day.isoformat()})
    assert page.status_code == 200
    assert 'name="kind"' in page.content.decode()
    response = en.post(reverse("roster:availability-set"),
                       {"date": day.isoformat(), "kind": "prefer_not", "note": "家访"})  # fmt: skip
    assert response.status_code == 302
    assert "from=" in response["Location"]
    row = DutyPreference.objects.get()
    assert (row.staff, row.date, row.kind, row.note) == (cast.teacher, day, "prefer_not", "家访")
    month = en.get(response["Location"]).content.decode()
    assert "day-prefer_not" in month


@pytest.mark.django_db
def test_staff_and_school_in_the_post_are_ignored(en, cast):
    day = future(cast)
    en.force_login(cast.teacher.user)
    response = en.post(reverse("roster:availability-set"), {
        "date": day.isoformat(), "kind": "unavailable", "staff": cast.guard.pk,
        "staff_id": cast.other_teacher.pk, "school": cast.other_school.pk,
    })  # fmt: skip
    assert response.status_code == 302
    row = DutyPreference.objects.get()
    assert (row.staff_id, row.school_id) == (cast.teacher.pk, cast.school.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-02-30", "kind": "unavailable"}, "valid date"),
        ({"date": "tomorrow", "kind": "unavailable"}, "valid date"),
        ({"kind": "unavailable"}, "required"),
        ({"date": "FUTURE", "kind": "maybe"}, "valid choice"),
        ({"date": "FUTURE", "kind": "unavailable", "note": "x" * 201}, "200"),
        ({"date": "2020-01-06", "kind": "unavailable"}, "future dates only"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_saved(en, cast, data, message):
    if data.get("date") == "FUTURE":
        data = {**data, "date": future(cast).isoformat()}
    en.force_login(cast.teacher.user)
    response = en.post(reverse("roster:availability-set"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DutyPreference.objects.exists()


@pytest.mark.django_db
def test_past_days_have_no_link_and_a_past_day_asked_for_shows_no_form(en, cast):
    en.force_login(cast.teacher.user)
    today = school_today(cast.school)
    page = en.get(reverse("roster:availability"), {"day": today.isoformat()}).content.decode()
    assert f'data-date="{today:%Y-%m-%d}"' not in page
    assert 'name="kind"' not in page
    assert en.get(reverse("roster:availability"), {"from": "junk"}).status_code == 200
    assert en.get(reverse("roster:availability"), {"day": "2026-02-30"}).status_code == 200


@pytest.mark.django_db
def test_a_duty_in_a_published_roster_points_to_leave(en, cast):
    """The page reads the real clock, so the duty is dated from the real local today (on any
    kind of day: it may fall in a vacation or on a holiday)."""
    day = future(cast)
    shift_type = ShiftType.objects.create(
        school=cast.school, name="白班", start_time=clock(8), duration_minutes=540,
        day_kinds=list(DayKind.values),
    )  # fmt: skip
    roster = services.create_roster(
        school=cast.school, name="下周", start=day, end=day, actor=None
    )  # fmt: skip
    shift = roster.shifts.get(date=day, shift_type=shift_type)
    duty = services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER,
                                actor=None).assignment  # fmt: skip
    type(roster).objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    en.force_login(cast.teacher.user)
    page = en.get(reverse("roster:availability"), {"day": day.isoformat()}).content.decode()
    assert reverse("roster:leave-new", args=[duty.pk]) in page
    assert "day-published" in page


@pytest.mark.django_db
def test_my_page_shows_only_my_own_words(en, cast):
    day = future(cast)
    set_duty_preference(staff=cast.guard, day=day, kind="unavailable", note="guard-note",
                        actor=as_(cast.guard))  # fmt: skip
    set_duty_preference(staff=cast.other_teacher, day=day, kind="unavailable", note="b-note",
                        actor=as_(cast.other_teacher))  # fmt: skip
    en.force_login(cast.teacher.user)
    page = en.get(reverse("roster:availability"), {"day": day.isoformat()}).content.decode()
    assert "guard-note" not in page and "b-note" not in page
    assert "day-unavailable" not in page


@pytest.mark.django_db
def test_only_staff_have_an_availability_page(en, cast):
    en.force_login(cast.official.user)
    assert en.get(reverse("roster:availability")).status_code == 403
    assert (
        en.post(
            reverse("roster:availability-set"),
            {"date": future(cast).isoformat(), "kind": "unavailable"},
        ).status_code
        == 403
    )
    assert not DutyPreference.objects.exists()


@pytest.mark.django_db
def test_the_office_sees_the_school_overview_of_a_roster_period(en, cast, week):
    roster = week["roster"]
    set_duty_preference(staff=cast.teacher, day=MONDAY, kind="unavailable", note="体检",
                        actor=as_(cast.teacher), today=TODAY)  # fmt: skip
    set_duty_preference(staff=cast.other_teacher, day=MONDAY, kind="unavailable",
                        note="乙校的", actor=as_(cast.other_teacher), today=TODAY)  # fmt: skip
    url = reverse("roster:availability-school")
    for member in (cast.admin, cast.principal, cast.leader):
        en.force_login(member.user)
        page = en.get(url, {"roster": roster.pk}).content.decode()
        assert "体检" in page and cast.teacher.name in page
        assert "乙校的" not in page  # another school's data never shows
    assert roster.name in en.get(url).content.decode()  # without a roster: choose one


@pytest.mark.django_db
def test_the_school_overview_is_closed_to_teachers_and_other_schools(en, cast, week):
    url = reverse("roster:availability-school")
    roster = week["roster"]
    en.force_login(cast.teacher.user)
    assert en.get(url, {"roster": roster.pk}).status_code == 403
    en.force_login(cast.other_admin.user)
    assert en.get(url, {"roster": roster.pk}).status_code == 404
    assert roster.name not in en.get(url).content.decode()
    en.force_login(cast.admin.user)
    assert en.get(url, {"roster": "abc"}).status_code == 404
    assert en.get(url, {"roster": "999999"}).status_code == 404


def _overview_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_school_overview_uses_the_same_queries_for_one_and_many_words(
    client, cast, week, django_assert_num_queries
):
    roster = week["roster"]
    client.force_login(cast.admin.user)
    url = f"{reverse('roster:availability-school')}?roster={roster.pk}"
    set_duty_preference(staff=cast.teacher, day=MONDAY, kind="unavailable",
                        actor=as_(cast.teacher), today=TODAY)  # fmt: skip
    client.get(url)  # warm the session and settings caches
    with django_assert_num_queries(6):
        client.get(url)
    for person in [*week["teachers"][1:], *(make_staff(cast.school, Role.GUARD) for _ in range(6))]:
        for offset in range(5):
            set_duty_preference(staff=person, day=MONDAY + timedelta(days=offset),
                                kind="prefer_not", actor=as_(person), today=TODAY)  # fmt: skip
    with django_assert_num_queries(6):
        page = client.get(url)
    assert page.content.decode().count("text-bg-warning") == 50


@pytest.mark.django_db
def test_my_month_uses_the_same_queries_for_one_and_many_words(
    client, cast, django_assert_num_queries
):
    client.force_login(cast.teacher.user)
    url = reverse("roster:availability")
    set_duty_preference(staff=cast.teacher, day=future(cast, 1), kind="unavailable",
                        actor=as_(cast.teacher))  # fmt: skip
    client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    for offset in range(2, 20):
        set_duty_preference(staff=cast.teacher, day=future(cast, offset), kind="prefer_not",
                            actor=as_(cast.teacher))  # fmt: skip
    with django_assert_num_queries(7):
        client.get(url)


# ---- in a real browser, on a phone --------------------------------------------------------

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_teacher_marks_a_day_unavailable_on_a_phone(live_server, cast, monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    day = future(cast, 1)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: "Refused" in m.text and errors.append(m.text))
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", cast.teacher.user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(live_server.url + reverse("roster:availability")
                  + f"?from={day:%Y-%m-%d}")  # fmt: skip
        link = page.locator(f'a[data-date="{day:%Y-%m-%d}"]')
        box = link.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
        link.click()
        page.locator("#day-form").wait_for()
        page.locator("label[for=id_kind_2]").click()  # 不可值班
        page.fill("#id_note", "外出培训")
        page.locator("#day-form button[type=submit]").click()
        page.locator(".alert-success").wait_for()
        cell = page.locator(f'td:has(a[data-date="{day:%Y-%m-%d}"])')
        assert "day-unavailable" in cell.get_attribute("class")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
        page.screenshot(path=os.path.join(shots, "availability-phone.png"), full_page=True)
        link.click()
        page.locator("#day-form").wait_for()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page.screenshot(path=os.path.join(shots, "availability-phone-form.png"), full_page=True)
        assert not errors, errors
        browser.close()
    row = DutyPreference.objects.get()
    assert (row.staff_id, row.date, row.kind, row.note) == (
        cast.teacher.pk, day, "unavailable", "外出培训",
    )  # fmt: skip


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_school_overview_fits_a_phone(live_server, cast, week, monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    for person, kind in zip(week["teachers"], ["unavailable", "prefer_not"] * 3, strict=False):
        set_duty_preference(staff=person, day=MONDAY, kind=kind, note="区里教研活动，全天外出",
                            actor=as_(person), today=TODAY)  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", cast.admin.user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(live_server.url + reverse("roster:availability-school")
                  + f"?roster={week['roster'].pk}")  # fmt: skip
        assert page.locator(".availability-dates .badge").count() == 5
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
        page.screenshot(path=os.path.join(shots, "availability-school-phone.png"), full_page=True)
        browser.close()
