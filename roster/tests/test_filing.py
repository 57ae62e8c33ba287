"""Holiday roster filing with the bureau (节假日值班表报备)."""

from __future__ import annotations

import io
import zoneinfo
from datetime import date, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from notifications.models import Notice
from roster import filing, services
from roster.models import (
    CalendarOverride,
    FilingPolicy,
    HolidayFiling,
    RosterStatus,
    Shift,
)
from staff.models import Role
from staff.queries import actor_for


@pytest.fixture(autouse=True)
def english(client):
    """These tests read English msgids; the product's default language is Chinese."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


SH = zoneinfo.ZoneInfo("Asia/Shanghai")
# 2030 has no official holiday data: the school's overrides make Thu 2 May – Sun 5 May a holiday.
# The scans look 20 days ahead, to early May: 2030's computed 端午 (5 June) is another period.
START, END = date(2030, 5, 2), date(2030, 5, 5)
TODAY = date(2030, 4, 20)
ON_TIME = datetime(2030, 4, 25, 10, tzinfo=SH)


def holiday(school) -> None:
    for day in (START, date(2030, 5, 3)):
        CalendarOverride.objects.create(school=school, date=day, kind="holiday", note="劳动节")
    # 1 May is a holiday even without official data (computed); this school works it (调休).
    CalendarOverride.objects.create(school=school, date=date(2030, 5, 1), kind="school_day")


def published_roster(school, leader, guard, *, skip_leader_on: date | None = None):
    holiday(school)
    services.create_default_shift_types(school=school)
    roster = services.create_roster(
        school=school, name="五一", start=date(2030, 4, 29), end=date(2030, 5, 8), actor=None
    )
    for shift in Shift.objects.filter(roster=roster, date__range=(START, END)):
        if shift.date != skip_leader_on:
            services.assign_duty(shift=shift, staff=leader, role=Role.LEADER, actor=None)
        services.assign_duty(shift=shift, staff=guard, role=Role.GUARD, actor=None)
    roster.status = RosterStatus.PUBLISHED
    roster.save(update_fields=["status"])
    return roster


def file(cast, school=None, *, who=None, now=ON_TIME):
    return filing.file_holiday_roster(
        school=school or cast.school, holiday="劳动节", start=START, end=END,
        duty_phone="010-1234567", night_contact="门卫室", filer_name="王办公",
        filer_phone="13900000000", note="", actor=actor_for((who or cast.admin).user), now=now,
    )  # fmt: skip


@pytest.fixture
def ready(cast):
    return published_roster(cast.school, cast.leader, cast.guard)


def test_a_holiday_period_runs_from_the_holiday_through_the_weekend(cast):
    holiday(cast.school)
    periods = filing.upcoming_holidays(cast.school, today=TODAY, horizon_days=20)
    assert [(p.name, p.start, p.end) for p in periods] == [("劳动节", START, END)]


def test_the_deadline_follows_the_bureaus_rule_in_the_schools_time_zone(cast):
    FilingPolicy.objects.create(bureau=cast.bureau, days_before=5, deadline_time=time(9))
    cast.school.time_zone = "Asia/Tokyo"
    cast.school.save(update_fields=["time_zone"])
    holiday(cast.school)
    [period] = filing.upcoming_holidays(cast.school, today=TODAY, horizon_days=20)
    assert period.deadline == datetime(2030, 4, 27, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))


def test_the_default_deadline_is_three_days_before_at_five_pm(cast):
    holiday(cast.school)
    [period] = filing.upcoming_holidays(cast.school, today=TODAY, horizon_days=20)
    assert period.deadline == datetime(2030, 4, 29, 17, tzinfo=SH)


def test_filing_freezes_the_rows_of_the_published_roster(cast, ready):
    record = file(cast)
    assert record.version == 1
    assert [r["date"] for r in record.rows] == ["2030-05-02", "2030-05-03", "2030-05-04",
                                                 "2030-05-05"]  # fmt: skip
    first = record.rows[0]
    assert first["weekday"] == "星期四"
    assert first["leader"] == cast.leader.name
    assert first["leader_phone"] == cast.leader.phone
    assert first["staff"] == [{"name": cast.guard.name, "phone": cast.guard.phone}]
    assert first["night"] == [{"name": cast.guard.name, "phone": cast.guard.phone}]
    shift = Shift.objects.get(roster=ready, date=START)
    services.assign_duty(shift=shift, staff=cast.tech, role=Role.GUARD, actor=None, reason="加人")
    record.refresh_from_db()
    assert len(record.rows[0]["staff"]) == 1


def test_refiling_creates_version_two_and_tells_the_bureau_it_replaces_version_one(cast, ready):
    file(cast)
    second = file(cast)
    assert second.version == 2
    notice = Notice.objects.get(event=f"filing:{second.pk}", recipient=cast.official.user,
                                channel="inapp")  # fmt: skip
    assert "1" in notice.body and "v2" in notice.subject


def test_a_filing_after_the_deadline_is_flagged_late(cast, ready):
    record = file(cast, now=datetime(2030, 4, 29, 17, 1, tzinfo=SH))
    assert filing.is_late(record)
    assert not filing.is_late(file(cast))


def test_a_day_without_a_leader_is_refused_naming_the_date(cast):
    published_roster(cast.school, cast.leader, cast.guard, skip_leader_on=date(2030, 5, 4))
    with pytest.raises(ValidationError) as exc:
        file(cast)
    assert "2030-05-04" in " ".join(exc.value.messages)
    assert not HolidayFiling.objects.exists()


def test_an_unpublished_roster_is_refused(cast, ready):
    ready.status = RosterStatus.DRAFT
    ready.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="not published"):
        file(cast)


def test_only_the_schools_admin_or_principal_may_file(cast, ready):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        file(cast, who=cast.teacher)
    with pytest.raises(PermissionDenied):
        file(cast, who=cast.other_admin)
    assert file(cast, who=cast.principal).version == 1


def test_the_admin_files_through_the_form(client, cast, ready, monkeypatch):
    monkeypatch.setattr("roster.views_filing._school_today", lambda school: TODAY)
    client.force_login(cast.admin.user)
    page = client.get(reverse("roster:filings"))
    assert "劳动节" in page.content.decode()
    url = reverse("roster:filing-new") + "?start=2030-05-02"
    form = client.get(url)
    assert form.context["form"].initial["filer_name"] == cast.admin.name
    response = client.post(url, {"duty_phone": "010-1", "filer_name": "王办公",
                                 "filer_phone": "13900000000"})  # fmt: skip
    record = HolidayFiling.objects.get()
    assert response.url == reverse("roster:filing-detail", args=[record.pk])
    detail = client.get(response.url).content.decode()
    assert "单位负责人签字" in detail and cast.leader.name in detail


def test_the_bureau_sees_which_schools_filed_and_every_version(client, cast, ready, monkeypatch):
    file(cast)
    latest = file(cast)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    client.force_login(cast.official.user)
    page = client.get(reverse("roster:bureau-filings"))
    [h] = [h for h in page.context["holidays"] if h.start == START]
    rows = {r["school"].name: r for r in h.rows}
    assert rows[cast.school.name]["latest"] == latest
    assert [v.version for v in rows[cast.school.name]["versions"]] == [2, 1]
    assert rows[cast.other_school.name]["latest"] is None
    assert "(latest)" in page.content.decode() or "latest" in page.content.decode()


def test_the_export_has_every_schools_rows_from_the_latest_versions(client, cast, ready):
    other_leader = cast.other_admin  # any staff of school B may lead in this test
    published_roster(cast.other_school, other_leader, cast.other_teacher)
    file(cast)
    file(cast)
    b_admin = actor_for(cast.other_admin.user)
    filing.file_holiday_roster(
        school=cast.other_school, holiday="劳动节", start=START, end=END, duty_phone="2",
        night_contact="", filer_name="乙", filer_phone="1", note="", actor=b_admin, now=ON_TIME,
    )  # fmt: skip
    client.force_login(cast.official.user)
    response = client.get(reverse("roster:bureau-filings-export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("填报单位", "假期名称", "起止日期", "日期")
    assert len(rows) == 1 + 4 * 2
    assert {r[0] for r in rows[1:]} == {cast.school.name, cast.other_school.name}
    assert {r[13] for r in rows[1:] if r[0] == cast.school.name} == {2}


def test_another_bureaus_official_sees_nothing(client, cast, ready):
    record = file(cast)
    client.force_login(cast.other_official.user)
    assert client.get(reverse("roster:filing-detail", args=[record.pk])).status_code == 404
    page = client.get(reverse("roster:bureau-filings"))
    assert all(not r["versions"] for h in page.context["holidays"] for r in h.rows)
    export = client.get(reverse("roster:bureau-filings-export"))
    assert load_workbook(io.BytesIO(export.content)).active.max_row == 1


def test_a_teacher_is_refused_the_filing_pages(client, cast, ready):
    record = file(cast)
    client.force_login(cast.teacher.user)
    assert client.get(reverse("roster:filings")).status_code == 403
    assert client.get(reverse("roster:filing-detail", args=[record.pk])).status_code == 403
    assert client.get(reverse("roster:bureau-filings")).status_code == 403


def test_another_schools_admin_cannot_read_the_filing(client, cast, ready):
    record = file(cast)
    client.force_login(cast.other_admin.user)
    assert client.get(reverse("roster:filing-detail", args=[record.pk])).status_code == 404
