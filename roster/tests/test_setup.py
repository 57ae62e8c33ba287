"""The office's set-up pages and services: shift types, duty models, 值周 weeks, the calendar."""

from __future__ import annotations

import os
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from roster import services, setup
from roster.models import (
    Assignment,
    CalendarOverride,
    RosterChange,
    RosterSettings,
    ShiftRequirement,
    ShiftType,
    Term,
)
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 12, 7)


def admin_of(cast):
    return actor_for(cast.admin.user)


def shift_type_values(**extra) -> dict:
    values = {
        "name": "早班", "start_time": time(7), "duration_minutes": 60, "weight": Decimal("1"),
        "day_kinds": ["school_day"], "requirements": {Role.TEACHER: 1},
    }  # fmt: skip
    return {**values, **extra}


# ---- services


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, 48 * 60])
def test_a_shift_of_zero_or_more_than_24_hours_is_refused(cast, minutes):
    with pytest.raises(ValidationError):
        setup.save_shift_type(
            actor=admin_of(cast), school=cast.school, **shift_type_values(duration_minutes=minutes)
        )
    assert not ShiftType.objects.exists()


def test_a_24_hour_duty_day_and_its_staffing_are_saved(cast):
    row = setup.save_shift_type(
        actor=admin_of(cast), school=cast.school,
        **shift_type_values(name="24小时值班", start_time=time(8), duration_minutes=24 * 60,
                            day_kinds=["weekend", "school_day"],
                            requirements={Role.LEADER: 1, Role.GUARD: 2, Role.TEACHER: 0}),
    )  # fmt: skip
    assert row.duration_minutes == 1440
    assert row.day_kinds == ["school_day", "weekend"]
    assert {r.role: r.count for r in row.requirements.all()} == {Role.LEADER: 1, Role.GUARD: 2}


def test_only_the_schools_admin_may_change_shift_types(cast):
    for member in (cast.teacher, cast.other_admin):
        with pytest.raises(PermissionDenied):
            setup.save_shift_type(
                actor=actor_for(member.user), school=cast.school, **shift_type_values()
            )


def test_changing_a_shift_type_keeps_existing_rosters_shifts(cast):
    setup.apply_preset(actor=admin_of(cast), school=cast.school, key="standard")
    roster = services.create_roster(school=cast.school, name="十二月", start=MONDAY,
                                    end=MONDAY, actor=None)  # fmt: skip
    day = ShiftType.objects.get(school=cast.school, name="白班")
    before = list(roster.shifts.filter(shift_type=day).values_list("starts_at", "ends_at"))
    setup.save_shift_type(
        actor=admin_of(cast), school=cast.school, shift_type=day,
        **shift_type_values(name="白班", start_time=time(9), duration_minutes=480),
    )  # fmt: skip
    after = list(roster.shifts.filter(shift_type=day).values_list("starts_at", "ends_at"))
    assert after == before


def test_presets_are_idempotent(cast):
    actor = admin_of(cast)
    for key in setup.PRESETS:
        first = setup.apply_preset(actor=actor, school=cast.school, key=key)
        assert first
        assert setup.apply_preset(actor=actor, school=cast.school, key=key) == []
    names = set(ShiftType.objects.filter(school=cast.school).values_list("name", flat=True))
    assert names == {"白班", "夜班", "节假日值班", "24小时值班", "值宿", "值周"}
    week = ShiftType.objects.get(school=cast.school, name="值周")
    assert week.duration_minutes == 1440 and week.start_time == time(8)
    assert set(week.day_kinds) == {"school_day", "weekend", "holiday", "vacation"}
    assert ShiftRequirement.objects.filter(shift_type__school=cast.school).count() == 7 + 2 + 1 + 1


def test_overlapping_terms_are_refused(cast):
    actor = admin_of(cast)
    setup.save_term(actor=actor, school=cast.school, name="秋季学期", start=date(2026, 9, 1),
                    end=date(2027, 1, 20))  # fmt: skip
    with translation.override("en"), pytest.raises(ValidationError, match="秋季学期"):
        setup.save_term(actor=actor, school=cast.school, name="春季学期",
                        start=date(2027, 1, 20), end=date(2027, 7, 1))  # fmt: skip
    setup.save_term(actor=actor, school=cast.school,
                    name="春季学期", start=date(2027, 2, 20), end=date(2027, 7, 1))  # fmt: skip
    assert Term.objects.filter(school=cast.school).count() == 2


def _week_roster(cast):
    setup.apply_preset(actor=admin_of(cast), school=cast.school, key="week")
    return services.create_roster(school=cast.school, name="值周", start=MONDAY,
                                  end=MONDAY + timedelta(days=13), actor=None)  # fmt: skip


def _allow_week_duty(school):
    values = {"rest_hours": 0, "weekly_cap": 7}
    RosterSettings.objects.update_or_create(school=school, defaults=values)


def test_a_week_duty_puts_one_person_on_all_seven_days(cast):
    roster = _week_roster(cast)
    _allow_week_duty(cast.school)
    setup.assign_week_duty(actor=admin_of(cast), roster=roster, staff=cast.leader,
                           day=MONDAY + timedelta(days=3))  # fmt: skip
    days = sorted(
        Assignment.objects.filter(staff=cast.leader).values_list("shift__date", flat=True)
    )
    assert days == [MONDAY + timedelta(days=n) for n in range(7)]
    assert RosterChange.objects.filter(roster=roster, action="assigned").count() == 7


def test_a_week_the_rules_refuse_assigns_nothing(cast):
    roster = _week_roster(cast)  # default settings: at most 3 duties a week, 12 h rest
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        setup.assign_week_duty(actor=admin_of(cast), roster=roster, staff=cast.leader,
                               day=MONDAY)  # fmt: skip
    assert any(cast.leader.name in m for m in refused.value.messages)
    assert not Assignment.objects.exists()
    assert not RosterChange.objects.filter(action="assigned").exists()


def test_a_week_with_a_conflict_on_one_day_assigns_nothing(cast):
    # Another duty overlapping Thursday's 值周: the rules engine refuses the whole week.
    extra = ShiftType.objects.create(school=cast.school, name="加班", start_time=time(12),
                                     duration_minutes=60, day_kinds=["school_day"])  # fmt: skip
    roster = _week_roster(cast)
    _allow_week_duty(cast.school)
    thursday = roster.shifts.get(shift_type=extra, date=MONDAY + timedelta(days=3))
    services.assign_duty(shift=thursday, staff=cast.leader, role=Role.LEADER, actor=None)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        setup.assign_week_duty(actor=admin_of(cast), roster=roster, staff=cast.leader,
                               day=MONDAY)  # fmt: skip
    assert any(cast.leader.name in m for m in refused.value.messages)
    assert list(Assignment.objects.values_list("shift", flat=True)) == [thursday.pk]


def test_a_person_already_on_one_day_makes_the_week_fail_whole(cast):
    roster = _week_roster(cast)
    _allow_week_duty(cast.school)
    thursday = roster.shifts.get(date=MONDAY + timedelta(days=3))
    services.assign_duty(shift=thursday, staff=cast.leader, role=Role.LEADER, actor=None)
    with pytest.raises(ValidationError):
        setup.assign_week_duty(actor=admin_of(cast), roster=roster, staff=cast.leader,
                               day=MONDAY)  # fmt: skip
    assert Assignment.objects.count() == 1


def test_only_an_admin_assigns_a_week(cast):
    roster = _week_roster(cast)
    with pytest.raises(PermissionDenied):
        setup.assign_week_duty(actor=actor_for(cast.leader.user), roster=roster,
                               staff=cast.leader, day=MONDAY)  # fmt: skip


def test_day_overrides_are_set_and_cleared(cast):
    actor = admin_of(cast)
    setup.set_day_override(actor=actor, school=cast.school, day=MONDAY, kind="holiday",
                           note="校庆")  # fmt: skip
    setup.set_day_override(actor=actor, school=cast.school, day=MONDAY, kind="weekend")
    assert CalendarOverride.objects.get(school=cast.school, date=MONDAY).kind == "weekend"
    setup.clear_day_override(actor=actor, school=cast.school, day=MONDAY)
    assert not CalendarOverride.objects.exists()
    with pytest.raises(ValidationError):
        setup.set_day_override(actor=actor, school=cast.school, day=MONDAY, kind="party")


# ---- views


def login(client, member):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(member.user)


@pytest.fixture
def school_type(cast):
    return setup.apply_preset(actor=admin_of(cast), school=cast.school, key="day24")[0]


PAGES = ["roster:shift-types", "roster:shift-type-new", "roster:calendar"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", ["principal", "leader", "teacher", "guard", "tech"])
def test_other_roles_are_refused(client, cast, name, who):
    login(client, getattr(cast, who))
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ["roster:shift-type-edit", "roster:shift-type-deactivate"])
def test_another_schools_shift_type_is_not_found(client, cast, school_type, name):
    login(client, cast.other_admin)
    assert client.get(reverse(name, args=[school_type.pk])).status_code == 404
    assert client.post(reverse(name, args=[school_type.pk])).status_code == 404
    school_type.refresh_from_db()
    assert school_type.active
    login(client, cast.teacher)
    assert client.get(reverse(name, args=[school_type.pk])).status_code == 403


def test_another_schools_term_is_not_found(client, cast):
    term = setup.save_term(actor=admin_of(cast), school=cast.school, name="秋季",
                           start=MONDAY, end=MONDAY)  # fmt: skip
    login(client, cast.other_admin)
    assert client.post(reverse("roster:term-delete", args=[term.pk])).status_code == 404
    assert Term.objects.filter(pk=term.pk).exists()


def _form(**extra):
    data = {"name": "24小时值班", "start_time": "08:00", "length": "24", "unit": "hours",
            "weight": "2", "day_kinds": ["school_day", "weekend"], "active": "on",
            "need_leader": "1", "need_guard": "1"}  # fmt: skip
    for role in Role.values:
        data.setdefault(f"need_{role}", "0")
    return {**data, **extra}


def test_the_admin_creates_a_24_hour_duty_day(client, cast):
    login(client, cast.admin)
    response = client.post(reverse("roster:shift-type-new"), _form())
    assert response.status_code == 302
    row = ShiftType.objects.get(school=cast.school)
    assert (row.start_time, row.duration_minutes, row.weight) == (time(8), 1440, Decimal("2"))
    assert {r.role: r.count for r in row.requirements.all()} == {"leader": 1, "guard": 1}


@pytest.mark.parametrize(
    ("length", "unit", "message"),
    [("0", "hours", "at least one minute"), ("25", "hours", "at most 24 hours"),
     ("1441", "minutes", "at most 24 hours"), ("0.51", "hours", "whole number")],
)  # fmt: skip
def test_bad_lengths_are_form_errors(client, cast, length, unit, message):
    login(client, cast.admin)
    response = client.post(reverse("roster:shift-type-new"), _form(length=length, unit=unit))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ShiftType.objects.exists()


def test_no_day_kind_is_a_form_error(client, cast):
    login(client, cast.admin)
    data = _form()
    del data["day_kinds"]
    assert client.post(reverse("roster:shift-type-new"), data).status_code == 400
    assert not ShiftType.objects.exists()


def test_a_duplicate_name_is_a_form_error(client, cast, school_type):
    login(client, cast.admin)
    response = client.post(reverse("roster:shift-type-new"), _form(name=school_type.name))
    assert response.status_code == 400
    assert "already has a shift type" in response.content.decode()
    assert ShiftType.objects.count() == 1


def test_edit_and_deactivate_with_confirmation(client, cast, school_type):
    login(client, cast.admin)
    edit = reverse("roster:shift-type-edit", args=[school_type.pk])
    page = client.get(edit).content.decode()
    assert "does not change rosters that already exist" in page
    assert client.post(edit, _form(name="全天", length="1440", unit="minutes")).status_code == 302
    school_type.refresh_from_db()
    assert school_type.name == "全天"
    url = reverse("roster:shift-type-deactivate", args=[school_type.pk])
    assert "Switch off" in client.get(url).content.decode()
    school_type.refresh_from_db()
    assert school_type.active  # a GET only asks
    assert client.post(url).status_code == 302
    school_type.refresh_from_db()
    assert not school_type.active


def test_presets_from_the_page(client, cast):
    login(client, cast.admin)
    for _ in range(2):
        response = client.post(reverse("roster:preset-apply"), {"preset": "overnight"})
        assert response.status_code == 302
    assert list(ShiftType.objects.values_list("name", flat=True)) == ["值宿"]
    client.post(reverse("roster:preset-apply"), {"preset": "nonsense"})
    assert ShiftType.objects.count() == 1


def test_a_refused_week_shows_the_rules_messages(client, cast):
    roster = _week_roster(cast)
    login(client, cast.admin)
    response = client.post(
        reverse("roster:week-duty"),
        {"roster": roster.pk, "staff": cast.leader.pk, "day": "2026-12-09", "role": "leader"},
    )
    assert response.status_code == 400
    assert cast.leader.name in response.content.decode()
    assert not Assignment.objects.exists()


def test_a_week_from_the_page(client, cast):
    roster = _week_roster(cast)
    _allow_week_duty(cast.school)
    login(client, cast.admin)
    response = client.post(
        reverse("roster:week-duty"),
        {"roster": roster.pk, "staff": cast.leader.pk, "day": "2026-12-09", "role": "leader"},
    )
    assert response.status_code == 302
    assert Assignment.objects.filter(staff=cast.leader).count() == 7


def test_another_schools_roster_or_person_is_refused_for_a_week(client, cast):
    roster = _week_roster(cast)
    login(client, cast.other_admin)
    other = make_staff(cast.other_school, Role.LEADER)
    response = client.post(
        reverse("roster:week-duty"),
        {"roster": roster.pk, "staff": other.pk, "day": "2026-12-09", "role": "leader"},
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists()


def test_overlapping_term_is_a_form_error(client, cast):
    login(client, cast.admin)
    url = reverse("roster:term-new")
    ok = client.post(url, {"name": "秋季", "start": "2026-09-01", "end": "2027-01-20"})
    assert ok.status_code == 302
    bad = client.post(url, {"name": "春季", "start": "2027-01-10", "end": "2027-07-01"})
    assert bad.status_code == 400
    assert "overlaps" in bad.content.decode()
    backwards = client.post(url, {"name": "春季", "start": "2027-07-01", "end": "2027-03-01"})
    assert backwards.status_code == 400
    assert Term.objects.count() == 1


def test_the_calendar_shows_official_holidays_overrides_and_guesses(client, cast):
    login(client, cast.admin)
    response = client.post(reverse("roster:override-set"),
                           {"day": "2026-10-20", "kind": "holiday", "note": "校庆"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(reverse("roster:calendar") + "?month=2026-10").content.decode()
    assert "National Day" in page and "校庆" in page and "entry" in page
    assert "make-up working day" in page  # Saturday 2026-10-10 is worked for National Day
    later = client.get(reverse("roster:calendar") + "?month=2031-05").content.decode()
    assert "no official holiday data" in later and "guessed" in later
    assert client.post(reverse("roster:override-set"), {"day": "", "kind": "x"}).status_code == 400


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_use_a_constant_number_of_queries(client, cast):
    login(client, cast.admin)
    lists = reverse("roster:shift-types")
    calendar = reverse("roster:calendar") + "?month=2026-12"
    setup.apply_preset(actor=admin_of(cast), school=cast.school, key="overnight")
    setup.save_term(actor=admin_of(cast), school=cast.school, name="t", start=MONDAY, end=MONDAY)
    few = (_count(client, lists), _count(client, calendar))
    for key in ("standard", "day24", "week"):
        setup.apply_preset(actor=admin_of(cast), school=cast.school, key=key)
    services.create_roster(school=cast.school, name="a", start=MONDAY, end=MONDAY, actor=None)
    for n in range(8):
        setup.set_day_override(actor=admin_of(cast), school=cast.school,
                               day=MONDAY + timedelta(days=n), kind="holiday")  # fmt: skip
        make_staff(cast.school, Role.LEADER)
    setup.save_term(actor=admin_of(cast), school=cast.school, name="u", start=MONDAY + timedelta(1),
                    end=MONDAY + timedelta(1))  # fmt: skip
    assert (_count(client, lists), _count(client, calendar)) == few == EXPECTED_QUERIES


EXPECTED_QUERIES = (8, 7)


# ---- the form on a phone


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_shift_type_form_on_a_phone(live_server, cast, monkeypatch, tmp_path):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_context(
            locale="zh-CN", viewport={"width": 390, "height": 844}
        ).new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: "Refused" in m.text and errors.append(m.text))
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", cast.admin.user.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.goto(live_server.url + reverse("roster:shift-type-new"))
        page.fill("#id_name", "值宿")
        page.fill("#id_start_time", "20:00")
        page.fill("#id_length", "25")
        page.click(".shift-type-form button[type=submit]")
        assert "24" in page.locator(".invalid-feedback, .alert").first.inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        box = page.locator(".shift-type-form button[type=submit]").bounding_box()
        assert box["height"] >= 38
        folder = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
        page.screenshot(path=os.path.join(folder, "setup-shift-type-390.png"), full_page=True)
        page.fill("#id_length", "11")
        page.click(".shift-type-form button[type=submit]")
        page.wait_for_url("**/setup/shift-types/")
        page.screenshot(path=os.path.join(folder, "setup-shift-types-390.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.goto(live_server.url + reverse("roster:calendar") + "?month=2026-10")
        page.screenshot(path=os.path.join(folder, "setup-calendar-390.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert not errors, errors
        browser.close()
    assert ShiftType.objects.get(school=cast.school).duration_minutes == 660
