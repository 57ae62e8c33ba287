"""The editor's week view (dates × shifts × roles, a week at a time), the duty settings page,
and the banner when a school has switched the MOE 2025 teacher guardrail off."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.urls import reverse

from roster import queries, services
from roster.models import Assignment, RosterSettings, ShiftRequirement, ShiftType
from staff.models import Role

pytestmark = pytest.mark.django_db
BANNER = "guardrail-off"
# The editor: frame (4), roster, plan (shifts, staff + roles, assignments, history,
# neighbouring rosters, settings, calendar), grid, load, the last auto-generation run, and the
# calendar banners (the period's calendar, active shift types, shifts against the calendar).
EDITOR_QUERIES = 26


@pytest.fixture
def december(cast, client):
    """A December draft (Mon 2 – Tue 31): one 白班 per school day needing one teacher."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    shift_type = ShiftType.objects.create(
        school=cast.school, name="白班", start_time=time(8), duration_minutes=540,
        day_kinds=["school_day"],
    )  # fmt: skip
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=1)
    return services.create_roster(school=cast.school, name="十二月", start=date(2030, 12, 2),
                                  end=date(2030, 12, 31), actor=None)  # fmt: skip


def week_url(roster, day: str = "") -> str:
    url = reverse("roster:week", args=[roster.pk])
    return f"{url}?week={day}" if day else url


def test_a_week_runs_monday_to_sunday_clamped_to_the_roster(december):
    today = date(2026, 1, 1)  # outside the roster: its first week
    first = queries.week_of(december, None, today)
    assert (first["start"], first["previous"], first["next"]) == (
        date(2030, 12, 2),
        None,
        date(2030, 12, 9),
    )
    middle = queries.week_of(december, date(2030, 12, 19), today)
    assert (middle["start"], middle["end"]) == (date(2030, 12, 16), date(2030, 12, 22))
    last = queries.week_of(december, date(2031, 3, 1), today)
    assert (last["start"], last["next"]) == (date(2030, 12, 30), None)
    assert queries.week_of(december, None, date(2030, 12, 11))["start"] == date(2030, 12, 9)


def test_the_week_view_shows_seven_days_and_links_to_the_next_week(client, cast, december):
    client.force_login(cast.admin.user)
    response = client.get(week_url(december, "2030-12-10"))
    assert response.status_code == 200
    rows = response.context["grid"]["rows"]
    assert [r["date"].day for r in rows] == [9, 10, 11, 12, 13, 14, 15]
    assert rows[0]["missing"] == 1 and rows[5]["missing"] == 0  # Saturday has no shift
    page = response.content.decode()
    assert "?week=2030-12-16" in page and "?week=2030-12-02" in page
    assert page.count('class="card week-day') == 7


def test_a_bad_week_parameter_shows_the_first_week(client, cast, december):
    client.force_login(cast.admin.user)
    response = client.get(week_url(december, "2030-02-30"))
    assert response.status_code == 200
    assert response.context["week"]["start"] == date(2030, 12, 2)


def test_assigning_in_the_week_view_returns_the_same_week(client, cast, december):
    shift = december.shifts.get(date=date(2030, 12, 17))
    client.force_login(cast.admin.user)
    picker = client.get(reverse("roster:candidates", args=[december.pk, shift.pk]),
                        {"role": Role.TEACHER, "week": "2030-12-16"})  # fmt: skip
    assert 'name="week" value="2030-12-16"' in picker.content.decode()
    response = client.post(
        reverse("roster:assign", args=[december.pk, shift.pk]),
        {"staff": cast.teacher.pk, "role": Role.TEACHER, "week": "2030-12-16"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.context["week"]["start"] == date(2030, 12, 16)
    assert cast.teacher.name in response.content.decode()
    assert response.context["grid"]["rows"][0]["date"].day == 16
    undo = client.post(reverse("roster:undo", args=[december.pk]), {"week": "2030-12-16"})
    assert undo.status_code == 302
    assert undo["Location"].endswith("/week/?week=2030-12-16")
    assert not Assignment.objects.exists()


def test_the_week_view_counts_queries_like_the_month_view(
    client, cast, december, django_assert_num_queries
):
    from staff.tests.factories import make_staff

    client.force_login(cast.admin.user)
    url = week_url(december, "2030-12-16")
    client.get(url)
    with django_assert_num_queries(EDITOR_QUERIES):
        client.get(url)
    for shift in december.shifts.all()[:10]:
        services.assign_duty(shift=shift, staff=make_staff(cast.school, Role.TEACHER),
                             role=Role.TEACHER, actor=None)  # fmt: skip
    with django_assert_num_queries(EDITOR_QUERIES):
        client.get(url)


def test_the_week_view_is_refused_like_the_roster(client, cast, december):
    client.force_login(cast.teacher.user)
    assert client.get(week_url(december)).status_code == 404  # a draft
    client.force_login(cast.other_admin.user)
    assert client.get(week_url(december)).status_code == 404


@pytest.mark.parametrize("view", ["roster:detail", "roster:week"])
def test_the_editor_says_when_the_teacher_guardrail_is_off(client, cast, december, view):
    client.force_login(cast.admin.user)
    assert BANNER not in client.get(reverse(view, args=[december.pk])).content.decode()
    RosterSettings.objects.create(school=cast.school, teachers_only_on_school_days=False)
    page = client.get(reverse(view, args=[december.pk])).content.decode()
    assert BANNER in page
    assert "MOE 2025 guidance" in page


def test_the_settings_page_saves_and_warns_about_the_guardrail(client, cast):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(cast.admin.user)
    url = reverse("roster:settings")
    page = client.get(url)
    assert page.status_code == 200 and BANNER not in page.content.decode()
    form = {**page.context["form"].initial, "evening_reminder_at": "20:00"}
    form.pop("teachers_only_on_school_days")  # an unticked checkbox is not sent
    form.update(school=cast.other_school.pk, kiosk_token="guessed")  # ignored
    response = client.post(url, form)
    assert response.status_code == 302
    row = RosterSettings.objects.get(school=cast.school)
    assert row.teachers_only_on_school_days is False
    assert row.kiosk_token == ""
    assert BANNER in client.get(url).content.decode()


def test_bad_settings_show_errors_and_save_nothing(client, cast):
    client.force_login(cast.admin.user)
    response = client.post(reverse("roster:settings"), {"rest_hours": "-3", "weekly_cap": "x"})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not RosterSettings.objects.exists()


@pytest.mark.parametrize("who", ["principal", "leader", "teacher", "official"])
def test_only_the_office_changes_the_settings(client, cast, who):
    member = getattr(cast, who)
    client.force_login(member.user)
    assert client.get(reverse("roster:settings")).status_code == 403
    assert client.post(reverse("roster:settings"), {"rest_hours": "1"}).status_code == 403
