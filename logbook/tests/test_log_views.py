"""The log pages: permissions by id, bad input, autosave and reload, the "on duty now" page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logbook.models import DutyLog, LogAmendment, LogStatus, PostCheck
from logbook.services import log as services
from logbook.tests.factories import DAY, at, make_roster, put_on_duty, staffed_shift
from roster.models import Shift
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def as_(client, staff):
    client.force_login(staff.user)
    return client


@pytest.fixture
def draft(cast):
    shift = staffed_shift(cast)
    return services.open_log(shift=shift, actor=actor_for(cast.teacher.user), now=at(DAY, 8))


@pytest.fixture
def submitted(cast, draft):
    return services.submit_log(
        log=draft, actor=actor_for(cast.teacher.user), version=1,
        data={"weather": "晴", "summary": "一切正常"}, now=at(DAY, 16),
    )  # fmt: skip


def current_shift(cast, *people_roles) -> Shift:
    """The school's shift running right now (白班 or 夜班 of a roster around today)."""
    now = timezone.now()
    make_roster(cast.school, start=timezone.localdate() - timedelta(days=1), days=3)
    shift = Shift.objects.select_related("roster__school").get(
        roster__school=cast.school, starts_at__lte=now, ends_at__gt=now
    )
    return put_on_duty(shift, *people_roles)


# ---- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("teacher", 200), ("guard", 200), ("leader", 200), ("principal", 200), ("admin", 200),
     ("tech", 404), ("other_teacher", 404), ("other_admin", 404)],
)  # fmt: skip
def test_who_may_read_a_log_by_id(client, cast, draft, who, status):
    response = as_(client, getattr(cast, who)).get(reverse("logbook:log", args=[draft.pk]))
    assert response.status_code == status


def test_a_bureau_official_gets_404(client, cast, draft):
    client.force_login(cast.official.user)
    assert client.get(reverse("logbook:log", args=[draft.pk])).status_code == 404


def test_a_teacher_not_on_the_shift_gets_404(client, cast, draft):
    stranger = make_staff(cast.school, Role.TEACHER)
    assert as_(client, stranger).get(reverse("logbook:log", args=[draft.pk])).status_code == 404


def test_another_schools_teacher_cannot_amend_by_id(client, cast, submitted):
    url = reverse("logbook:log-amend", args=[submitted.pk])
    data = {"field": "summary", "text": "改", "reason": "试试"}
    assert as_(client, cast.other_teacher).post(url, data).status_code == 404
    assert not LogAmendment.objects.exists()


def test_the_office_reads_but_may_not_write(client, cast, draft):
    url = reverse("logbook:log-autosave", args=[draft.pk])
    assert as_(client, cast.admin).post(url, {"summary": "x", "version": 1}).status_code == 403


def test_opening_another_schools_shift_by_id_is_404(client, cast):
    shift = staffed_shift(cast)
    url = reverse("logbook:log-open", args=[shift.pk])
    assert as_(client, cast.other_teacher).post(url).status_code == 404
    assert not DutyLog.objects.exists()


def test_post_checks_on_another_schools_shift_are_404(client, cast):
    shift = staffed_shift(cast)
    other_leader = make_staff(cast.other_school, Role.LEADER)
    url = reverse("logbook:post-check", args=[shift.pk])
    assert as_(client, other_leader).post(url).status_code == 404
    assert not PostCheck.objects.exists()


def test_state_changes_by_get_are_refused(client, cast, draft):
    as_(client, cast.teacher)
    for name in ("log-autosave", "log-submit", "log-sign", "log-amend"):
        assert client.get(reverse(f"logbook:{name}", args=[draft.pk])).status_code == 405


# ---- the draft: autosave, reload, submit --------------------------------------------------------


def test_a_draft_autosaved_is_there_after_a_reload(client, cast, draft):
    as_(client, cast.teacher)
    response = client.post(
        reverse("logbook:log-autosave", args=[draft.pk]),
        {"activities": "升旗仪式，课间巡查正常。", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert b"Saved at" in response.content
    assert b'id="log-version" value="2"' in response.content
    page = client.get(reverse("logbook:log", args=[draft.pk]))
    assert "升旗仪式，课间巡查正常。" in page.content.decode()
    assert 'id="log-version" value="2"' in page.content.decode()


def test_a_second_tab_with_an_old_version_sees_a_conflict(client, cast, draft):
    as_(client, cast.teacher)
    url = reverse("logbook:log-autosave", args=[draft.pk])
    client.post(url, {"summary": "第一个标签页", "version": 1})
    response = client.post(url, {"summary": "第二个标签页", "version": 1})
    assert b"changed elsewhere" in response.content
    assert b"log-version" not in response.content  # the stale tab keeps its old version
    draft.refresh_from_db()
    assert draft.summary == "第一个标签页"


def test_a_megabyte_autosave_is_refused_with_a_message(client, cast, draft):
    as_(client, cast.teacher)
    response = client.post(
        reverse("logbook:log-autosave", args=[draft.pk]), {"summary": "x" * 1_000_000, "version": 1}
    )
    assert response.status_code == 200
    assert b"Not saved" in response.content and b"At most 5000" in response.content
    draft.refresh_from_db()
    assert draft.summary == ""


def test_mass_assigned_status_and_school_are_ignored(client, cast, draft):
    as_(client, cast.teacher)
    client.post(
        reverse("logbook:log-autosave", args=[draft.pk]),
        {"summary": "正常", "version": 1, "status": "signed", "school": cast.other_school.pk},
    )
    draft.refresh_from_db()
    assert (draft.status, draft.school_id, draft.summary) == ("draft", cast.school.pk, "正常")


@pytest.fixture
def live_draft(cast):
    """A draft of the shift running now: the submit page reads the real clock (the fixed day's
    draft would be late, then closed to the teacher, once that day has passed)."""
    shift = current_shift(
        cast, (cast.leader, Role.LEADER), (cast.teacher, Role.TEACHER), (cast.guard, Role.GUARD)
    )
    return services.open_log(shift=shift, actor=actor_for(cast.teacher.user))


def test_submitting_without_a_summary_shows_errors_and_keeps_the_text(client, cast, live_draft):
    draft = live_draft
    as_(client, cast.teacher)
    response = client.post(
        reverse("logbook:log-submit", args=[draft.pk]),
        {"weather": "晴", "activities": "已写的内容", "version": 1},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Required before submitting." in html and "已写的内容" in html
    draft.refresh_from_db()
    assert draft.status == LogStatus.DRAFT


def test_submitting_makes_the_page_read_only_with_the_amendment_form(client, cast, live_draft):
    draft = live_draft
    as_(client, cast.teacher)
    response = client.post(
        reverse("logbook:log-submit", args=[draft.pk]),
        {"weather": "晴", "summary": "一切正常", "version": 1},
        follow=True,
    )
    html = response.content.decode()
    assert 'id="log-readonly"' in html and 'id="log-form"' not in html
    assert 'id="amend-form"' in html


# ---- the submitted log: amendments and sign-off ----------------------------------------------


def test_an_amendment_without_a_reason_is_an_error_and_nothing_is_saved(client, cast, submitted):
    as_(client, cast.teacher)
    response = client.post(
        reverse("logbook:log-amend", args=[submitted.pk]),
        {"field": "summary", "text": "补充内容", "reason": "  "},
    )
    assert response.status_code == 400
    assert b"Say why the log is corrected." in response.content
    assert "补充内容" in response.content.decode()  # the typed text is kept
    assert not LogAmendment.objects.exists()


def test_an_amendment_is_shown_beside_the_original(client, cast, submitted):
    as_(client, cast.teacher)
    response = client.post(
        reverse("logbook:log-amend", args=[submitted.pk]),
        {"field": "summary", "text": "补记：16:30 家长来电已回复。", "reason": "漏记来电"},
        follow=True,
    )
    html = response.content.decode()
    original = html.index("一切正常")
    amendment = html.index("补记：16:30 家长来电已回复。")
    assert original < amendment
    assert "漏记来电" in html


def test_the_leader_signs_off_from_the_page_and_sees_the_audit_trail(client, cast, submitted):
    as_(client, cast.leader)
    page = client.get(reverse("logbook:log", args=[submitted.pk])).content.decode()
    assert 'id="sign-form"' in page and 'id="log-history"' in page
    client.post(reverse("logbook:log-sign", args=[submitted.pk]), {"comment": "已阅"})
    submitted.refresh_from_db()
    assert submitted.status == LogStatus.SIGNED


def test_the_teacher_sees_no_sign_off_and_no_audit_trail(client, cast, submitted):
    page = as_(client, cast.teacher).get(reverse("logbook:log", args=[submitted.pk]))
    html = page.content.decode()
    assert 'id="sign-form"' not in html and 'id="log-history"' not in html
    response = client.post(reverse("logbook:log-sign", args=[submitted.pk]))
    assert response.status_code == 403


def test_user_text_is_escaped(client, cast, draft):
    as_(client, cast.teacher)
    client.post(
        reverse("logbook:log-autosave", args=[draft.pk]),
        {"summary": "<script>alert(1)</script>", "version": 1},
    )
    html = client.get(reverse("logbook:log", args=[draft.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html


# ---- on duty now ---------------------------------------------------------------------------------


def test_the_now_page_offers_check_in_and_the_log(client, cast):
    shift = current_shift(cast, (cast.guard, Role.GUARD), (cast.leader, Role.LEADER))
    html = as_(client, cast.guard).get(reverse("logbook:now")).content.decode()
    assert f'id="shift-{shift.pk}"' in html
    assert f'id="check-in-{shift.pk}"' in html
    assert f'id="open-log-{shift.pk}"' in html
    response = client.post(reverse("logbook:log-open", args=[shift.pk]))
    log = DutyLog.objects.get(shift=shift)
    assert response.url == reverse("logbook:log", args=[log.pk])
    html = client.get(reverse("logbook:now")).content.decode()
    assert f'id="log-link-{shift.pk}"' in html


def test_a_leader_records_a_post_check_from_the_now_page(client, cast):
    shift = current_shift(cast, (cast.leader, Role.LEADER))
    as_(client, cast.leader)
    client.post(reverse("logbook:post-check", args=[shift.pk]), {"remarks": "均在岗"})
    assert PostCheck.objects.get(shift=shift).remarks == "均在岗"
    html = client.get(reverse("logbook:now")).content.decode()
    assert "1 / 2" in html


def test_someone_with_no_duty_sees_a_plain_message(client, cast):
    html = as_(client, cast.tech).get(reverse("logbook:now")).content.decode()
    assert 'id="no-duty"' in html


def test_a_bureau_official_may_not_open_the_now_page(client, cast):
    client.force_login(cast.official.user)
    assert client.get(reverse("logbook:now")).status_code == 403


def test_the_now_page_query_count_does_not_grow_with_data(
    client, cast, django_assert_num_queries, monkeypatch
):
    shift = current_shift(cast, (cast.teacher, Role.TEACHER), (cast.leader, Role.LEADER))
    as_(client, cast.leader)
    url = reverse("logbook:now")
    client.get(url)  # warm caches (content types)
    with monkeypatch.context() as patch:
        # This page's own reads: session, user, staff, roles, shifts, people, logs, post
        # checks, duty settings, log settings. The sub-domains' panels are counted below.
        patch.setattr("logbook.queries.log.PANELS", ())
        with django_assert_num_queries(10):
            client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    # More of everything: people on the shift, post checks, a log, other shifts of the school.
    for _n in range(4):
        put_on_duty(shift, (make_staff(cast.school, Role.GUARD), Role.GUARD))
        PostCheck.objects.create(
            shift=shift, school=cast.school, leader=cast.leader, checked_at=timezone.now()
        )
    services.open_log(shift=shift, actor=actor_for(cast.teacher.user))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_the_log_page_query_count_does_not_grow_with_amendments(
    client, cast, submitted, django_assert_num_queries
):
    as_(client, cast.leader)
    url = reverse("logbook:log", args=[submitted.pk])
    client.get(url)
    with django_assert_num_queries(11) as first:
        client.get(url)
    for n in range(3):
        services.amend_log(log=submitted, actor=actor_for(cast.teacher.user), field="summary",
                           text=f"补{n}", reason="补记")  # fmt: skip
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(url)


# ---- any input: saved or a clear error, never a 500 -----------------------------------------

FIELDS = ["weather", "students_present", "summary", "activities", "status", "version", "x"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=200), max_size=6))
def test_any_autosave_or_amendment_input_is_saved_or_refused_never_a_500(client, cast, data):
    shift = (
        staffed_shift(cast)
        if not Shift.objects.exists()
        else Shift.objects.get(roster__school=cast.school, shift_type__name="白班", date=DAY)
    )
    log = DutyLog.objects.filter(shift=shift).first() or services.open_log(
        shift=shift, actor=actor_for(cast.teacher.user), now=at(DAY, 8)
    )
    as_(client, cast.teacher)
    response = client.post(reverse("logbook:log-autosave", args=[log.pk]), data)
    assert response.status_code == 200
    response = client.post(reverse("logbook:log-submit", args=[log.pk]), data)
    assert response.status_code in (302, 400)
    response = client.post(reverse("logbook:log-amend", args=[log.pk]), data)
    assert response.status_code in (302, 400)
