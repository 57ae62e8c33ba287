"""The report pages: the daily report, the school's reports to the bureau, the bureau's pages and
the archive — permissions, bad input and exact query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from logbook import report
from logbook.models import DailyReport, LogAmendment, ReportChase
from logbook.services import report as services
from logbook.tests.factories import DAY, at, make_roster, put_on_duty, shift_of, staffed_shift
from logbook.tests.report_factories import extra_shift, fill
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import make_school, make_staff

pytestmark = pytest.mark.django_db

REPORT_DAY = date(2026, 11, 20)  # in the past: it can be reported
PERIOD = (date(2026, 11, 15), date(2026, 11, 25))


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_session_touch(monkeypatch):
    """The session's last-seen time is written at most once a minute; a slow setup between two
    measured requests would add that write to one of them. Query counts measure the page."""
    monkeypatch.setattr("staff.sessions.TOUCH_EVERY", 10**9)


def login(client, staff_or_official):
    client.force_login(staff_or_official.user)
    return client


@pytest.fixture
def period(cast):
    return services.create_reporting_period(
        name="汛期", start=PERIOD[0], end=PERIOD[1], actor=actor_for(cast.official.user)
    )


@pytest.fixture
def day_roster(cast):
    roster = make_roster(cast.school)
    shift = staffed_shift(cast, roster=roster)
    fill(shift, author=cast.teacher, leader=cast.leader)
    return roster


ZERO = {"leader": "余明轩", "on_duty": "冯秀英", "on_post": "on", "no_incident": "on",
        "event_count": "0", "events": "", "hazards_found": "0", "hazards_fixed": "0",
        "warnings": "", "reporter_name": "王办公"}  # fmt: skip


def new_report_url(day=REPORT_DAY) -> str:
    return f"{reverse('logbook:report-new')}?date={day}"


# ---- the daily report page -------------------------------------------------------------------


def test_the_daily_report_shows_each_shift_with_its_people_log_patrol_and_visitors(
    client, cast, day_roster
):
    response = login(client, cast.principal).get(reverse("logbook:daily"), {"date": DAY})
    assert response.status_code == 200
    page = response.content.decode()
    assert "白班" in page and "夜班" in page
    assert cast.teacher.name in page and cast.leader.name in page
    assert "Log signed off" in page and "No log" in page  # the night shift has none
    assert "2/2 (100%)" in page and "1 problem" in page
    assert "应急照明不亮" in page  # the hazard found that day
    assert "李访客" in page  # still on campus
    assert "巡查正常，无异常情况。" in page


def test_the_daily_report_defaults_to_today(client, cast):
    response = login(client, cast.leader).get(reverse("logbook:daily"))
    assert response.status_code == 200
    assert response.context["day"].day == report.local_date(timezone.now(), cast.school)


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "99999-01-01"])
def test_an_impossible_date_is_a_form_error_not_a_500(client, cast, bad):
    response = login(client, cast.principal).get(reverse("logbook:daily"), {"date": bad})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize("who", ["teacher", "guard", "tech"])
def test_duty_staff_cannot_open_the_daily_report_or_the_archive(client, cast, who):
    login(client, getattr(cast, who))
    for name in ("logbook:daily", "logbook:log-archive", "logbook:report-list"):
        assert client.get(reverse(name)).status_code == 403


def test_a_bureau_official_has_no_school_daily_page(client, cast):
    assert login(client, cast.official).get(reverse("logbook:daily")).status_code == 403


def test_the_daily_report_reads_a_fixed_number_of_queries_whatever_the_shifts(
    client, cast, day_roster, django_assert_num_queries
):
    login(client, cast.principal)
    url = f"{reverse('logbook:daily')}?date={DAY}"
    client.get(url)  # warm the session and the content types
    with django_assert_num_queries(QUERIES_DAILY) as small:
        client.get(url)
    for hour in (6, 7, 20):
        shift = put_on_duty(extra_shift(day_roster, DAY, hour), (cast.guard, Role.GUARD))
        fill(shift, author=cast.guard, leader=cast.principal)
    with django_assert_num_queries(QUERIES_DAILY):
        response = client.get(url)
    assert len(response.context["day"].shifts) == 5
    assert small  # the context manager ran


QUERIES_DAILY = 16  # 15 of the logbook + 1 for the incidents section (incidents/daily.py)


def test_a_section_from_a_higher_app_is_rendered_and_counts_as_events(client, cast, monkeypatch):
    def incidents(school, day):
        return {"template": "logbook/report/_log_status.html", "status": "draft", "event_count": 2}

    monkeypatch.setattr(report, "DAILY_SECTIONS", [incidents])
    [record] = report.collect_days(cast.school, DAY, DAY, now=at(DAY, 9))
    assert record.event_count == 2
    assert report.report_prefill(record)["event_count"] == 2


# ---- the school's report to the bureau -------------------------------------------------------


def test_the_report_form_is_prefilled_from_the_days_records(client, cast, period):
    roster = make_roster(cast.school, start=REPORT_DAY, days=1)
    put_on_duty(shift_of(roster, "白班", REPORT_DAY), (cast.leader, Role.LEADER),
                (cast.guard, Role.GUARD))  # fmt: skip
    response = login(client, cast.admin).get(new_report_url())
    form = response.context["form"]
    assert form.initial["leader"] == cast.leader.name
    assert form.initial["on_duty"] == cast.guard.name
    assert "no_incident" not in form.initial  # the zero report is ticked by a person
    assert form.initial["reporter_name"] == cast.admin.name


def test_a_zero_report_is_sent_and_shown_to_the_bureau(client, cast, period):
    response = login(client, cast.admin).post(new_report_url(), ZERO)
    report_ = DailyReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("logbook:report-detail", args=[report_.pk])
    assert report_.no_incident and report_.reporter == cast.admin.user
    login(client, cast.official)
    page = client.get(reverse("logbook:bureau-daily"), {"date": REPORT_DAY}).content.decode()
    assert "Zero report" in page or "Reported late" in page


def test_opening_the_form_for_a_reported_day_leads_to_the_report(client, cast, period):
    login(client, cast.admin).post(new_report_url(), ZERO)
    saved = DailyReport.objects.get()
    response = client.get(new_report_url())
    assert response["Location"] == reverse("logbook:report-detail", args=[saved.pk])
    again = client.post(new_report_url(), {**ZERO, "reporter_name": "别人"})
    assert again.status_code == 400 and "already been reported" in again.content.decode()
    assert DailyReport.objects.count() == 1


def test_neither_tick_nor_events_is_refused_with_a_clear_message(client, cast, period):
    response = login(client, cast.admin).post(new_report_url(), {**ZERO, "no_incident": ""})
    assert response.status_code == 400
    assert "give the number of events" in response.content.decode()
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(2099, 1, 1), "not come yet"),
        (PERIOD[1] + timedelta(days=1), "not in a reporting period"),
    ],
)
def test_a_future_day_or_one_outside_the_period_is_refused(client, cast, period, day, message):
    response = login(client, cast.admin).post(new_report_url(day), ZERO)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DailyReport.objects.exists()


def test_an_impossible_date_is_refused_not_reported_for_today(client, cast, period):
    url = f"{reverse('logbook:report-new')}?date=2026-02-30"
    response = login(client, cast.admin).post(url, ZERO)
    assert response.status_code == 400
    assert not DailyReport.objects.exists()


def test_mass_assigned_fields_in_the_post_are_ignored(client, cast, period):
    login(client, cast.admin).post(
        new_report_url(), {**ZERO, "school": cast.other_school.pk, "version": "9",
                           "submitted_at": "2020-01-01 00:00", "period": "999"},
    )  # fmt: skip
    saved = DailyReport.objects.get()
    assert (saved.school, saved.version, saved.period) == (cast.school, 1, period)


def test_text_is_escaped_when_shown(client, cast, period):
    evil = "<script>alert(1)</script>"
    login(client, cast.admin).post(
        new_report_url(), {**ZERO, "no_incident": "", "event_count": "1", "events": evil,
                           "warnings": evil},
    )  # fmt: skip
    saved = DailyReport.objects.get()
    page = client.get(reverse("logbook:report-detail", args=[saved.pk])).content.decode()
    assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_correction_adds_a_version_and_the_bureau_sees_both(client, cast, period):
    login(client, cast.admin).post(new_report_url(), ZERO)
    first = DailyReport.objects.get()
    url = reverse("logbook:report-correct", args=[first.pk])
    assert client.post(url, {**ZERO, "reason": ""}).status_code == 400
    response = client.post(url, {**ZERO, "no_incident": "", "event_count": "1",
                                 "events": "一名学生摔伤", "reason": "补报"})  # fmt: skip
    second = DailyReport.objects.get(version=2)
    assert response["Location"] == reverse("logbook:report-detail", args=[second.pk])
    login(client, cast.official)
    page = client.get(reverse("logbook:report-detail", args=[first.pk])).content.decode()
    assert "Version 1" in page and "Version 2" in page and "补报" in page


def test_another_schools_report_by_id_is_not_found(client, cast, period):
    report_ = services.submit_daily_report(
        school=cast.school, day=REPORT_DAY, content={**ZERO, "event_count": 0},
        actor=actor_for(cast.admin.user), now=at(REPORT_DAY, 10),
    )  # fmt: skip
    for who in (cast.other_admin, cast.other_teacher, cast.other_official):
        login(client, who)
        assert client.get(reverse("logbook:report-detail", args=[report_.pk])).status_code == 404
        assert client.get(reverse("logbook:report-correct", args=[report_.pk])).status_code == 404
    login(client, cast.teacher)
    assert client.get(reverse("logbook:report-detail", args=[report_.pk])).status_code == 403
    login(client, cast.official)  # the bureau reads, it does not correct
    assert client.get(reverse("logbook:report-detail", args=[report_.pk])).status_code == 200
    assert client.get(reverse("logbook:report-correct", args=[report_.pk])).status_code == 404


# ---- the bureau ------------------------------------------------------------------------------


def test_the_bureau_sees_each_school_reported_zero_late_or_missing(client, cast, period):
    services.submit_daily_report(
        school=cast.school, day=REPORT_DAY, content={**ZERO, "event_count": 0},
        actor=actor_for(cast.admin.user), now=at(REPORT_DAY, 10),
    )  # fmt: skip
    response = login(client, cast.official).get(
        reverse("logbook:bureau-daily"), {"date": REPORT_DAY}
    )
    statuses = {r.school.name: r.row.status for r in response.context["overview"].schools}
    assert statuses == {"甲小学": "zero", "乙小学": "missing"}
    assert "丙小学" not in response.content.decode()


def test_the_other_bureau_sees_none_of_these_schools(client, cast, period):
    response = login(client, cast.other_official).get(
        reverse("logbook:bureau-daily"), {"date": REPORT_DAY}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "甲小学" not in page and "乙小学" not in page


def test_chase_notifies_the_missing_schools_once(client, cast, period):
    login(client, cast.official)
    url = reverse("logbook:bureau-chase")
    assert client.get(url).status_code == 405
    client.post(url, {"date": REPORT_DAY})
    client.post(url, {"date": REPORT_DAY})
    assert ReportChase.objects.count() == 2
    from notifications.models import Notice

    events = Notice.objects.filter(event__startswith="report.chase:", channel="inapp")
    assert sorted(n.recipient_id for n in events) == sorted(
        [cast.admin.user_id, cast.principal.user_id, cast.other_admin.user_id]
    )


def test_schools_cannot_chase_or_declare_periods(client, cast):
    login(client, cast.principal)
    assert client.post(reverse("logbook:bureau-chase"), {"date": REPORT_DAY}).status_code == 403
    assert client.get(reverse("logbook:bureau-periods")).status_code == 403
    assert client.get(reverse("logbook:bureau-daily")).status_code == 403


def test_a_bureau_official_declares_a_period_and_bad_dates_are_form_errors(client, cast):
    login(client, cast.official)
    url = reverse("logbook:bureau-periods")
    bad = client.post(url, {"name": "春节", "start": "2027-02-30", "end": "2027-02-10",
                            "cutoff": "17:00"})  # fmt: skip
    assert bad.status_code == 400 and bad.context["form"].errors
    backwards = client.post(url, {"name": "春节", "start": "2027-02-20", "end": "2027-02-10",
                                  "cutoff": "17:00"})  # fmt: skip
    assert backwards.status_code == 400
    ok = client.post(url, {"name": "春节", "start": "2027-02-05", "end": "2027-02-20",
                           "cutoff": "16:00", "bureau": "999"})  # fmt: skip
    assert ok.status_code == 302
    assert cast.bureau.reporting_periods.get().cutoff.hour == 16


def test_the_bureau_day_reads_a_fixed_number_of_queries_whatever_the_schools(
    client, cast, period, django_assert_num_queries
):
    login(client, cast.official)
    url = f"{reverse('logbook:bureau-daily')}?date={REPORT_DAY}"
    client.get(url)
    with django_assert_num_queries(QUERIES_BUREAU):
        client.get(url)
    for n in range(3):
        school = make_school(f"新{n}小学", cast.bureau)
        admin = make_staff(school, Role.ADMIN)
        services.submit_daily_report(
            school=school, day=REPORT_DAY, content={**ZERO, "event_count": 0},
            actor=actor_for(admin.user), now=at(REPORT_DAY, 18),
        )  # fmt: skip
    login(client, cast.official)  # a new actor: the bureau's school list changed
    client.get(url)
    with django_assert_num_queries(QUERIES_BUREAU):
        response = client.get(url)
    assert len(response.context["overview"].schools) == 5


QUERIES_BUREAU = 9


# ---- the archive -----------------------------------------------------------------------------


@pytest.fixture
def archive(cast):
    roster = make_roster(cast.school, start=DAY - timedelta(days=1), days=3)
    day = put_on_duty(shift_of(roster, "白班", DAY), (cast.leader, Role.LEADER),
                      (cast.teacher, Role.TEACHER))  # fmt: skip
    fill(day, author=cast.teacher, leader=cast.leader, summary="东门有人翻墙")
    quiet = put_on_duty(shift_of(roster, "白班", DAY - timedelta(days=1)),
                        (cast.guard, Role.GUARD))  # fmt: skip
    from logbook.models import DutyLog

    DutyLog.objects.create(shift=quiet, school=cast.school, date=quiet.date, author=cast.guard,
                           summary="平安无事")  # fmt: skip
    return roster


def archive_dates(client, **params):
    response = client.get(reverse("logbook:log-archive"), params)
    assert response.status_code == 200
    return [(log.date, log.summary) for log in response.context["page"]]


def test_the_archive_searches_by_date_person_keyword_and_problems(client, cast, archive):
    login(client, cast.principal)
    assert len(archive_dates(client)) == 2
    assert archive_dates(client, start=DAY) == [(DAY, "东门有人翻墙")]
    assert archive_dates(client, end=DAY - timedelta(days=1)) == [
        (DAY - timedelta(days=1), "平安无事")
    ]
    assert archive_dates(client, person=cast.guard.name) == [(DAY - timedelta(days=1), "平安无事")]
    assert archive_dates(client, q="翻墙") == [(DAY, "东门有人翻墙")]
    assert archive_dates(client, q="灯坏") == [(DAY, "东门有人翻墙")]  # in an amendment
    assert archive_dates(client, problems="on") == [(DAY, "东门有人翻墙")]


def test_each_problem_kind_marks_a_log(client, cast, archive):
    from logbook.models import DutyLog

    login(client, cast.principal)
    page = client.get(reverse("logbook:log-archive"), {"problems": "on"}).context["page"]
    [log] = list(page)
    assert (log.has_patrol, log.has_hazard, log.has_refused, log.has_amended) == (
        True, True, True, True,
    )  # fmt: skip
    quiet = DutyLog.objects.get(summary="平安无事")
    LogAmendment.objects.create(log=quiet, field="summary", text="x", reason="y", author=cast.guard)
    assert len(archive_dates(client, problems="on")) == 2


def test_the_archive_rejects_a_backwards_range_with_a_message(client, cast, archive):
    login(client, cast.principal)
    response = client.get(reverse("logbook:log-archive"), {"start": DAY, "end": "2026-01-01"})
    assert response.status_code == 200
    assert "cannot be before" in response.content.decode()


def test_the_archive_shows_only_the_schools_own_logs(client, cast, archive):
    login(client, cast.other_admin)
    response = client.get(reverse("logbook:log-archive"))
    assert response.context["page"].paginator.count == 0


def test_the_archive_reads_a_fixed_number_of_queries_whatever_the_results(
    client, cast, archive, django_assert_num_queries
):
    login(client, cast.admin)
    url = reverse("logbook:log-archive")
    client.get(url)
    with django_assert_num_queries(QUERIES_ARCHIVE):
        client.get(url, {"problems": "on"})
    roster = make_roster(cast.school, start=DAY + timedelta(days=5), days=3)
    for shift in roster.shifts.all():
        put_on_duty(shift, (cast.leader, Role.LEADER), (cast.guard, Role.GUARD))
        fill(shift, author=cast.guard, leader=cast.leader)
    with django_assert_num_queries(QUERIES_ARCHIVE):
        response = client.get(url, {"problems": "on"})
    assert response.context["page"].paginator.count == 7


QUERIES_ARCHIVE = 7


def test_the_period_lists_read_a_fixed_number_of_queries(client, cast, django_assert_num_queries):
    today = timezone.localdate()
    official = actor_for(cast.official.user)
    services.create_reporting_period(
        name="汛期", start=today - timedelta(days=20), end=today - timedelta(days=15),
        actor=official,
    )  # fmt: skip
    login(client, cast.official)
    client.get(reverse("logbook:bureau-periods"))
    with django_assert_num_queries(QUERIES_PERIODS):
        client.get(reverse("logbook:bureau-periods"))
    login(client, cast.admin)
    client.get(reverse("logbook:report-list"))
    with django_assert_num_queries(QUERIES_REPORT_LIST):
        client.get(reverse("logbook:report-list"))
    for n in (16, 17):
        day = today - timedelta(days=n)
        services.submit_daily_report(
            school=cast.school, day=day, content={**ZERO, "event_count": 0},
            actor=actor_for(cast.admin.user), now=at(day, 10),
        )  # fmt: skip
    services.create_reporting_period(
        name="国庆", start=today - timedelta(days=5), end=today - timedelta(days=3),
        actor=official,
    )  # fmt: skip
    with django_assert_num_queries(QUERIES_REPORT_LIST):
        response = client.get(reverse("logbook:report-list"))
    assert len(response.context["periods"]) == 2
    login(client, cast.official)
    with django_assert_num_queries(QUERIES_PERIODS):
        client.get(reverse("logbook:bureau-periods"))


QUERIES_PERIODS = 6
QUERIES_REPORT_LIST = 6
