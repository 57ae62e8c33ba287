"""Reporting up (值班日报 / 零报告): periods, reports, corrections, chase, warnings."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from logbook.models import DailyReport, ReportChase
from logbook.queries import report as queries
from logbook.services import report as services
from logbook.tests.factories import at
from notifications.models import Notice
from staff.queries import actor_for

FIRST, LAST = date(2026, 10, 1), date(2026, 10, 7)  # 国庆
DAY = date(2026, 10, 3)
BEFORE_CUTOFF = at(DAY, 16, 30)
AFTER_CUTOFF = at(DAY, 17, 30)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def zero(**extra) -> dict:
    return {"leader": "余明轩", "on_duty": "冯秀英、陈磊", "on_post": True, "no_incident": True,
            "event_count": 0, "events": "", "hazards_found": 0, "hazards_fixed": 0,
            "warnings": "", "reporter_name": "王办公", **extra}  # fmt: skip


def with_events(**extra) -> dict:
    return zero(no_incident=False, event_count=2, events="学生摔伤，已送医。", **extra)


def row_of(day, school):
    return next(r.row for r in day.schools if r.school == school)


@pytest.fixture
def period(cast):
    return services.create_reporting_period(
        name="国庆", start=FIRST, end=LAST, cutoff=None, actor=actor_for(cast.official.user)
    )


def submit(cast, content=None, *, who=None, day=DAY, now=BEFORE_CUTOFF, school=None):
    return services.submit_daily_report(
        school=school or cast.school, day=day, content=content or zero(),
        actor=actor_for((who or cast.admin).user), now=now,
    )  # fmt: skip


def test_a_period_defaults_to_a_five_pm_cut_off(period):
    assert period.cutoff == time(17)
    assert period.bureau.name == "测试区教育局"


def test_only_a_bureau_official_declares_a_period(cast):
    with pytest.raises(PermissionDenied):
        services.create_reporting_period(
            name="春节", start=FIRST, end=LAST, actor=actor_for(cast.principal.user)
        )


def test_periods_of_one_bureau_do_not_overlap(cast, period):
    with pytest.raises(ValidationError, match="overlap"):
        services.create_reporting_period(
            name="汛期", start=LAST, end=LAST + timedelta(days=30),
            actor=actor_for(cast.official.user),
        )  # fmt: skip
    other = services.create_reporting_period(
        name="国庆", start=FIRST, end=LAST, actor=actor_for(cast.other_official.user)
    )
    assert other.bureau_id != period.bureau_id


def test_a_period_cannot_end_before_it_starts(cast):
    with pytest.raises(ValidationError):
        services.create_reporting_period(
            name="x", start=LAST, end=FIRST, actor=actor_for(cast.official.user)
        )


def test_a_zero_report_is_an_explicit_ticked_row(cast, period):
    report = submit(cast)
    assert report.no_incident is True and report.event_count == 0
    assert report.version == 1 and report.reporter == cast.admin.user
    assert report.reporter_name == "王办公"
    assert report.deadline == at(DAY, 17)


def test_a_report_without_the_tick_must_count_and_describe_events(cast, period):
    with pytest.raises(ValidationError, match="Tick"):
        submit(cast, zero(no_incident=False))
    with pytest.raises(ValidationError, match="Tick"):
        submit(cast, zero(no_incident=False, event_count=1, events=""))
    assert not DailyReport.objects.exists()


def test_a_zero_report_cannot_also_carry_events(cast, period):
    with pytest.raises(ValidationError, match="zero report"):
        submit(cast, zero(event_count=1, events="x"))
    assert not DailyReport.objects.exists()


def test_the_database_refuses_a_zero_report_with_events(cast, period):
    with pytest.raises(IntegrityError), transaction.atomic():
        DailyReport.objects.create(
            school=cast.school, period=period, date=DAY, leader="x", on_duty="", on_post=True,
            no_incident=True, event_count=3, reporter_name="x", submitted_at=BEFORE_CUTOFF,
            deadline=at(DAY, 17),
        )  # fmt: skip


def test_a_missing_report_stays_missing(cast, period):
    row = queries.bureau_day(actor_for(cast.official.user), day=DAY, now=AFTER_CUTOFF)
    statuses = {r.school.name: r.row.status for r in row.schools}
    assert statuses == {"甲小学": "missing", "乙小学": "missing"}
    assert not DailyReport.objects.exists()


def test_lateness_is_measured_against_the_cut_off_in_the_schools_zone(cast, period):
    on_time = submit(cast, now=at(DAY, 16, 59))
    late = submit(cast, school=cast.other_school, who=cast.other_admin, now=at(DAY, 17, 1))
    day = queries.bureau_day(actor_for(cast.official.user), day=DAY, now=at(DAY, 18))
    statuses = {r.school.pk: r.row.status for r in day.schools}
    assert statuses == {on_time.school_id: "zero", late.school_id: "late"}
    assert day.counts["zero"] == 1 and day.counts["late"] == 1


def test_before_the_cut_off_an_absent_report_is_due_not_missing(cast, period):
    day = queries.bureau_day(actor_for(cast.official.user), day=DAY, now=BEFORE_CUTOFF)
    assert {r.row.status for r in day.schools} == {"due"}


def test_a_report_with_events_shows_as_reported(cast, period):
    submit(cast, with_events())
    day = queries.bureau_day(actor_for(cast.official.user), day=DAY, now=AFTER_CUTOFF)
    assert row_of(day, cast.school).status == "reported"


def test_a_submitted_report_is_frozen_a_second_submission_is_refused(cast, period):
    first = submit(cast)
    with pytest.raises(ValidationError, match="correction"):
        submit(cast, with_events())
    first.refresh_from_db()
    assert first.no_incident is True
    assert DailyReport.objects.count() == 1


def test_a_correction_is_a_new_version_with_a_reason_and_the_first_is_kept(cast, period):
    first = submit(cast)
    second = services.correct_daily_report(
        report=first, content=with_events(), reason="漏报一起事件",
        actor=actor_for(cast.principal.user), now=AFTER_CUTOFF,
    )  # fmt: skip
    assert second.version == 2 and second.correction_reason == "漏报一起事件"
    first.refresh_from_db()
    assert first.no_incident is True and first.version == 1
    assert [v.version for v in queries.versions_of(first)] == [2, 1]
    # Lateness is the first version's: a later correction does not make the day late.
    day = queries.bureau_day(actor_for(cast.official.user), day=DAY, now=AFTER_CUTOFF)
    row = row_of(day, cast.school)
    assert row.status == "reported" and row.versions == 2


def test_a_correction_needs_a_reason(cast, period):
    first = submit(cast)
    with pytest.raises(ValidationError, match="reason"):
        services.correct_daily_report(
            report=first, content=zero(), reason="  ", actor=actor_for(cast.admin.user)
        )
    assert DailyReport.objects.count() == 1


def test_a_future_day_cannot_be_reported(cast, period):
    with pytest.raises(ValidationError, match="not come yet"):
        submit(cast, day=DAY + timedelta(days=1), now=BEFORE_CUTOFF)


def test_a_day_outside_every_period_cannot_be_reported(cast, period):
    with pytest.raises(ValidationError, match="not in a reporting period"):
        submit(cast, day=LAST + timedelta(days=1), now=at(LAST + timedelta(days=2), 9))


def test_another_bureaus_period_does_not_cover_this_school(cast):
    services.create_reporting_period(
        name="国庆", start=FIRST, end=LAST, actor=actor_for(cast.other_official.user)
    )
    with pytest.raises(ValidationError, match="not in a reporting period"):
        submit(cast)


def test_teachers_and_officials_cannot_report_for_the_school(cast, period):
    for who in (cast.teacher, cast.guard):
        with pytest.raises(PermissionDenied):
            submit(cast, who=who)
    with pytest.raises(PermissionDenied):
        services.submit_daily_report(
            school=cast.school, day=DAY, content=zero(), actor=actor_for(cast.official.user),
            now=BEFORE_CUTOFF,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        submit(cast, who=cast.other_admin)  # another school's office


def test_mass_assigned_fields_are_ignored(cast, period):
    report = submit(cast, zero(school=cast.other_school, version=7, submitted_at=AFTER_CUTOFF,
                               deadline=AFTER_CUTOFF, reporter=cast.official.user))  # fmt: skip
    assert report.school == cast.school and report.version == 1
    assert report.submitted_at == BEFORE_CUTOFF and report.reporter == cast.admin.user


def test_chasing_tells_each_missing_school_once(cast, period):
    submit(cast)
    official = actor_for(cast.official.user)
    chased = services.chase_missing_reports(day=DAY, actor=official, now=AFTER_CUTOFF)
    assert chased == [cast.other_school]
    notices = Notice.objects.filter(event=f"report.chase:{cast.other_school.pk}:{DAY}")
    assert {n.recipient_id for n in notices} == {cast.other_admin.user_id}
    count = notices.count()
    again = services.chase_missing_reports(day=DAY, actor=official, now=AFTER_CUTOFF)
    assert again == []
    assert Notice.objects.filter(event__startswith="report.chase:").count() == count
    assert ReportChase.objects.get().school == cast.other_school


def test_chasing_is_for_bureau_officials_only_and_only_in_a_period(cast, period):
    with pytest.raises(PermissionDenied):
        services.chase_missing_reports(day=DAY, actor=actor_for(cast.principal.user))
    with pytest.raises(ValidationError):
        services.chase_missing_reports(
            day=LAST + timedelta(days=3), actor=actor_for(cast.official.user)
        )


def test_the_other_bureau_chases_nobody_here(cast, period):
    services.create_reporting_period(
        name="国庆", start=FIRST, end=LAST, actor=actor_for(cast.other_official.user)
    )
    services.chase_missing_reports(
        day=DAY, actor=actor_for(cast.other_official.user), now=AFTER_CUTOFF
    )
    assert not ReportChase.objects.filter(school__in=[cast.school, cast.other_school]).exists()


def test_the_warning_before_the_cut_off_goes_once_to_schools_without_a_report(cast, period):
    submit(cast)
    assert services.warn_due_reports(now=at(DAY, 14)) == 0  # three hours before: too early
    assert services.warn_due_reports(now=at(DAY, 15, 30)) == 1
    services.warn_due_reports(now=at(DAY, 16, 30))
    notices = Notice.objects.filter(event=f"report.due:{cast.other_school.pk}:{DAY}")
    assert {n.recipient_id for n in notices} == {cast.other_admin.user_id}
    assert notices.filter(channel="inapp").count() == 1
    assert not Notice.objects.filter(event=f"report.due:{cast.school.pk}:{DAY}").exists()
    assert services.warn_due_reports(now=AFTER_CUTOFF) == 0  # after the cut-off: the bureau chases


def test_no_warning_outside_a_period(cast, period):
    assert services.warn_due_reports(now=at(LAST + timedelta(days=1), 16)) == 0


def test_school_periods_list_each_day_up_to_today_with_its_status(cast, period):
    submit(cast, day=date(2026, 10, 2), now=at(date(2026, 10, 2), 10))
    rows = queries.school_periods(actor_for(cast.principal.user), now=AFTER_CUTOFF)
    [days] = rows
    assert [(r.day.day, r.status) for r in days.days] == [(3, "missing"), (2, "zero"),
                                                          (1, "missing")]  # fmt: skip


def test_bureau_month_rows_cover_each_school_and_period_day(cast, period):
    submit(cast)
    rows = queries.bureau_month_reports(
        actor_for(cast.official.user), first=date(2026, 10, 1), last=date(2026, 10, 31)
    )
    assert len(rows) == 7 * 2  # both schools, every day of the period (all in the past)
    mine = [r for r in rows if r["school"] == cast.school and r["row"].day == DAY]
    assert mine[0]["row"].latest.no_incident is True


def test_the_cut_off_is_in_the_schools_own_time_zone(cast, period):
    cast.school.time_zone = "Asia/Tokyo"
    deadline = queries.deadline_for(cast.school, period, DAY)
    assert (deadline.hour, deadline.utcoffset()) == (17, timedelta(hours=9))


@pytest.mark.parametrize(
    "change",
    [
        lambda r: DailyReport.objects.filter(pk=r.pk).update(no_incident=False, event_count=1),
        lambda r: DailyReport.objects.filter(pk=r.pk).update(submitted_at=r.deadline),
        lambda r: r.save(update_fields=["leader"]),
    ],
)
def test_a_report_cannot_be_changed_even_below_the_services(cast, period, change):
    report = submit(cast)
    report.leader = "别人"
    with pytest.raises(IntegrityError, match="read-only"), transaction.atomic():
        change(report)
    refused = pytest.raises(IntegrityError, match="read-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE logbook_dailyreport SET events = 'x' WHERE id = %s", [report.pk])
    report.refresh_from_db()
    assert report.no_incident and report.leader == "余明轩"


def test_deleting_the_reporters_login_keeps_the_report(cast, period):
    report = submit(cast)
    cast.admin.user.delete()
    report.refresh_from_db()
    assert report.reporter is None and report.reporter_name == "王办公"
