"""Journey 1 in a real browser: an administrator edits next period's draft roster, meets a
conflict, fixes it and publishes — with the reason prompt for publishing under 7 days ahead."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from roster import services
from roster.models import CalendarOverride, DayKind, RosterStatus, ShiftRequirement, ShiftType
from staff.models import Role
from staff.tests.factories import make_staff
from tests.browserkit import DESKTOP, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(open_page):
    """The roster editor is an office tool: a desktop page, Playwright's own 30 s patience."""
    return open_page(DESKTOP, timeout=30_000)


@pytest.fixture
def setup(cast):
    """Two school days starting in three days; a night and a day shift each needing a teacher.
    Teacher 甲 already has the first night."""
    start = timezone.localdate() + timedelta(days=3)
    for offset in (0, 1):
        CalendarOverride.objects.create(
            school=cast.school, date=start + timedelta(days=offset), kind=DayKind.SCHOOL_DAY
        )
    for name, begins, minutes in [("白班", time(8), 540), ("夜班", time(17), 900)]:
        shift_type = ShiftType.objects.create(
            school=cast.school, name=name, start_time=begins, duration_minutes=minutes,
            day_kinds=["school_day"],
        )  # fmt: skip
        ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=1)
    first = make_staff(cast.school, Role.TEACHER, name="甲老师")
    second = make_staff(cast.school, Role.TEACHER, name="乙老师")
    third = make_staff(cast.school, Role.TEACHER, name="丙老师")
    roster = services.create_roster(
        school=cast.school,
        name="下周值班表",
        start=start,
        end=start + timedelta(days=1),
        actor=None,
    )
    shifts = {
        (s.date - start).days * 10 + (s.shift_type.name == "夜班"): s for s in roster.shifts.all()
    }
    services.assign_duty(shift=shifts[1], staff=first, role=Role.TEACHER, actor=None)  # night 1
    services.assign_duty(shift=shifts[0], staff=third, role=Role.TEACHER, actor=None)  # day 1
    services.assign_duty(shift=shifts[11], staff=third, role=Role.TEACHER, actor=None)  # night 2
    return {"roster": roster, "first": first, "second": second, "day2": shifts[10]}


def test_the_admin_edits_meets_a_conflict_fixes_it_and_publishes(
    live_server, page, shoot, cast, setup
):
    roster = setup["roster"]
    log_in(page, live_server.url, cast.admin)
    page.goto(live_server.url + "/roster/")
    page.click(f"text={roster.name}")
    problems = page.locator(".violations")
    assert "1" in page.locator(".card-header", has_text="1").first.inner_text()
    # The open slot: day 2's day shift. The picker ranks 甲 last: 甲 works the night before.
    page.click(f"#shift-{setup['day2'].pk} .slot-add")
    picker = page.locator("#picker .candidate")
    picker.first.wait_for()
    names = picker.all_inner_texts()
    assert names[-1].startswith("甲老师") and "12" in names[-1]  # the rest rule, named
    # Choose 甲 anyway: the conflict appears in the cell and the problem list.
    page.locator("#picker .candidate", has_text="甲老师").click()
    page.locator(f"#shift-{setup['day2'].pk} .chip", has_text="甲老师").wait_for()
    expect(page.locator(f"#shift-{setup['day2'].pk}.cell-problem")).to_have_count(1)
    assert "甲老师" in problems.inner_text()
    assert page.locator(".publish-form button").is_disabled()  # not with a problem open
    # Fix it: remove 甲, choose 乙.
    page.locator(f"#shift-{setup['day2'].pk} .chip", has_text="甲老师").locator("button").click()
    page.locator(f"#shift-{setup['day2'].pk} .chip", has_text="甲老师").wait_for(state="detached")
    page.click(f"#shift-{setup['day2'].pk} .slot-add")
    page.locator("#picker .candidate", has_text="乙老师").click()
    page.locator(f"#shift-{setup['day2'].pk} .chip", has_text="乙老师").wait_for()
    expect(page.locator(f"#shift-{setup['day2'].pk}.cell-problem")).to_have_count(0)
    page.locator(".violations .text-success").wait_for()
    # Publish: under 7 days ahead, so the first try asks for a reason.
    page.locator(".publish-form button").click()
    page.locator(".alert-danger").wait_for()
    assert "7" in page.locator(".alert-danger").inner_text()
    page.fill("#publish-reason", "下周教研活动调整，临时排班")
    page.locator(".publish-form button").click()
    page.locator(".alert-success").wait_for()
    roster.refresh_from_db()
    assert roster.status == RosterStatus.PUBLISHED
    assert roster.publish_reason == "下周教研活动调整，临时排班"
    shoot(page, "published")


@pytest.fixture
def fortnight(cast):
    """A two-week draft from next Monday: a day shift needing a teacher and a guard every day;
    the school has switched the teacher guardrail off."""
    from roster.models import RosterSettings

    RosterSettings.objects.create(school=cast.school, teachers_only_on_school_days=False)
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    shift_type = ShiftType.objects.create(
        school=cast.school, name="白班", start_time=time(8), duration_minutes=540,
        day_kinds=["school_day", "weekend", "holiday", "vacation"],
    )  # fmt: skip
    for role in (Role.TEACHER, Role.GUARD):
        ShiftRequirement.objects.create(shift_type=shift_type, role=role, count=1)
    teacher = make_staff(cast.school, Role.TEACHER, name="周老师")
    roster = services.create_roster(school=cast.school, name="两周值班表", start=monday,
                                    end=monday + timedelta(days=13), actor=None)  # fmt: skip
    return {"roster": roster, "monday": monday, "teacher": teacher}


def test_the_week_view_assigns_navigates_and_fits_a_phone(
    live_server, page, shoot, cast, fortnight
):
    roster, monday = fortnight["roster"], fortnight["monday"]
    log_in(page, live_server.url, cast.admin)
    page.goto(f"{live_server.url}/roster/{roster.pk}/")
    page.locator(".editor-views a").nth(1).click()  # 周 / Week
    days = page.locator(".week-day")
    expect(days).to_have_count(7)
    expect(page.locator(".guardrail-off")).to_be_visible()  # the school switched it off
    shoot(page, "week-desktop")
    # Assign the teacher on Tuesday without a reload; the week stays in view.
    tuesday = roster.shifts.get(date=monday + timedelta(days=1))
    page.locator(f"#shift-{tuesday.pk} .slot-add").first.click()
    page.locator("#picker .candidate", has_text="周老师").click()
    page.locator(f"#shift-{tuesday.pk} .chip", has_text="周老师").wait_for()
    expect(days).to_have_count(7)
    assert "周老师" in page.locator(".loads").inner_text()
    page.locator("form[hx-post$='/undo/'] button").click()
    page.locator(f"#shift-{tuesday.pk} .chip", has_text="周老师").wait_for(state="detached")
    # The next week, then no further (the roster ends).
    page.locator(".week-nav a[rel=next]").click()
    expect(page.locator(".week-range")).to_contain_text(f"{monday + timedelta(days=7):%m-%d}")
    expect(page.locator(".week-nav a[rel=next]")).to_have_count(0)
    # A phone: no sideways scrolling, and the controls are big enough to tap.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    for selector in (".slot-add", ".week-nav a", ".editor-views a"):
        for box in [el.bounding_box() for el in page.locator(selector).all()]:
            assert box["height"] >= 44, (selector, box)
    shoot(page, "week-phone")
