"""The duty log's write path: open, autosave and conflicts, submit, sign off, amend, post checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from logbook.models import DutyLog, LogAmendment, LogbookSettings, LogRevision, LogStatus, PostCheck
from logbook.services import log as services
from logbook.tests.factories import DAY, at, staffed_shift
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db

CONTENT = {"weather": "晴", "students_present": "612", "summary": "课间巡查正常，无异常情况。"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def actor(staff):
    return actor_for(staff.user)


@pytest.fixture
def shift(cast):
    return staffed_shift(cast)


@pytest.fixture
def log(cast, shift):
    return services.open_log(shift=shift, actor=actor(cast.teacher), now=at(DAY, 8, 5))


def submit(log, who, *, now=None, **extra):
    log.refresh_from_db()
    return services.submit_log(
        log=log,
        actor=actor(who),
        version=log.version,
        data=CONTENT,
        now=now or at(DAY, 16),
        **extra,
    )


def test_the_duty_teacher_opens_a_draft_log_for_the_shift(cast, shift, log):
    assert log.status == LogStatus.DRAFT
    assert (log.school, log.date, log.author) == (cast.school, DAY, cast.teacher)
    assert LogRevision.objects.filter(log=log, action="opened").count() == 1


def test_opening_twice_returns_the_same_log(cast, shift, log):
    again = services.open_log(shift=shift, actor=actor(cast.guard), now=at(DAY, 9))
    assert again.pk == log.pk
    assert DutyLog.objects.count() == 1


def test_someone_not_on_the_shift_cannot_open_its_log(cast, shift):
    with pytest.raises(PermissionDenied):
        services.open_log(shift=shift, actor=actor(cast.tech), now=at(DAY, 9))
    with pytest.raises(PermissionDenied):
        services.open_log(shift=shift, actor=actor(cast.other_teacher), now=at(DAY, 9))


def test_a_log_does_not_open_a_day_early(cast, shift):
    with pytest.raises(ValidationError, match="hour before"):
        services.open_log(shift=shift, actor=actor(cast.teacher), now=at(DAY, 6))


def test_autosave_writes_the_text_bumps_the_version_and_records_before_and_after(cast, log):
    saved = services.autosave_log(
        log=log, actor=actor(cast.teacher), data={"weather": "晴"}, version=1, now=at(DAY, 9)
    )
    assert (saved.weather, saved.version) == ("晴", 2)
    revision = LogRevision.objects.get(log=log, action="saved")
    assert revision.changes == {"weather": ["", "晴"]}
    assert revision.actor == cast.teacher.user


def test_a_stale_version_is_a_conflict_and_never_overwrites(cast, log):
    teacher, guard = actor(cast.teacher), actor(cast.guard)
    services.autosave_log(log=log, actor=teacher, data={"summary": "甲"}, version=1, now=at(DAY, 9))
    with pytest.raises(services.LogConflict, match="changed elsewhere"):
        services.autosave_log(log=log, actor=guard, data={"summary": "乙"}, version=1)
    log.refresh_from_db()
    assert (log.summary, log.version) == ("甲", 2)


def test_a_retried_save_of_the_same_text_is_not_a_conflict(cast, log):
    teacher = actor(cast.teacher)
    services.autosave_log(log=log, actor=teacher, data={"summary": "甲"}, version=1)
    again = services.autosave_log(log=log, actor=teacher, data={"summary": "甲"}, version=1)
    assert again.version == 2
    assert LogRevision.objects.filter(log=log, action="saved").count() == 1


def test_status_school_and_author_in_the_data_are_ignored(cast, log):
    data = {"summary": "正常", "status": "signed", "school": cast.other_school.pk, "author": 1}
    saved = services.autosave_log(log=log, actor=actor(cast.teacher), data=data, version=1)
    assert (saved.status, saved.school_id, saved.author) == ("draft", cast.school.pk, cast.teacher)


def test_a_megabyte_of_text_is_refused_with_a_clear_message(cast, log):
    with pytest.raises(ValidationError) as caught:
        services.autosave_log(
            log=log, actor=actor(cast.teacher), data={"activities": "字" * 1_000_000}, version=1
        )
    assert "At most 5000 characters" in caught.value.message_dict["activities"][0]
    log.refresh_from_db()
    assert log.activities == "" and log.version == 1


def test_a_bad_student_count_is_refused(cast, log):
    with pytest.raises(ValidationError, match="whole number"):
        services.autosave_log(
            log=log, actor=actor(cast.teacher), data={"students_present": "many"}, version=1
        )


def test_submitting_needs_weather_and_summary(cast, log):
    with pytest.raises(ValidationError) as caught:
        services.submit_log(log=log, actor=actor(cast.teacher), version=1, now=at(DAY, 16))
    assert set(caught.value.message_dict) == {"weather", "summary"}
    log.refresh_from_db()
    assert log.status == LogStatus.DRAFT


def test_submitting_saves_the_last_text_and_makes_the_log_read_only(cast, log):
    submitted = submit(log, cast.teacher)
    assert submitted.status == LogStatus.SUBMITTED
    assert (submitted.students_present, submitted.submitted_by) == (612, cast.teacher)
    assert not submitted.submitted_late
    with pytest.raises(ValidationError, match="add an amendment"):
        services.autosave_log(
            log=submitted, actor=actor(cast.teacher), data={"summary": "改"},
            version=submitted.version,
        )  # fmt: skip


def test_after_the_shift_ends_a_submission_needs_a_reason_and_is_marked_late(cast, log):
    with pytest.raises(ValidationError, match="late"):
        submit(log, cast.teacher, now=at(DAY, 17, 30))
    late = submit(log, cast.teacher, now=at(DAY, 17, 30), late_reason="处理家长来访")
    assert late.submitted_late and late.late_reason == "处理家长来访"


def test_after_the_grace_only_a_leader_may_submit(cast, log):
    past = at(DAY, 18, 1)  # 17:00 end + 60 minutes' grace
    with pytest.raises(ValidationError, match="ask the duty leader"):
        submit(log, cast.teacher, now=past, late_reason="忘记提交")
    assert submit(log, cast.leader, now=past, late_reason="补交").status == LogStatus.SUBMITTED


def test_the_grace_is_a_school_setting(cast, log):
    LogbookSettings.objects.create(school=cast.school, submit_grace_minutes=180)
    assert submit(log, cast.teacher, now=at(DAY, 19), late_reason="晚了").status == "submitted"


def test_the_shift_leader_signs_off_a_submitted_log_once(cast, log):
    with pytest.raises(ValidationError, match="Only a submitted log"):
        services.sign_log(log=log, actor=actor(cast.leader), now=at(DAY, 16))
    submit(log, cast.teacher)
    signed = services.sign_log(log=log, actor=actor(cast.leader), comment="已阅", now=at(DAY, 17))
    assert (signed.status, signed.signed_by, signed.sign_comment) == ("signed", cast.leader, "已阅")
    with pytest.raises(ValidationError, match="already"):
        services.sign_log(log=log, actor=actor(cast.principal), now=at(DAY, 18))


def test_only_the_shifts_leader_or_the_principal_may_sign(cast, log):
    submit(log, cast.teacher)
    other_leader = make_staff(cast.school, Role.LEADER)
    for who in (cast.teacher, other_leader, cast.admin, cast.other_admin):
        with pytest.raises(PermissionDenied):
            services.sign_log(log=log, actor=actor(who))
    assert services.sign_log(log=log, actor=actor(cast.principal)).status == "signed"


def test_an_amendment_needs_a_reason_and_keeps_the_original(cast, log):
    submit(log, cast.teacher)
    with pytest.raises(ValidationError) as caught:
        services.amend_log(
            log=log, actor=actor(cast.teacher), field="summary", text="新", reason=""
        )
    assert "reason" in caught.value.message_dict
    amendment = services.amend_log(
        log=log, actor=actor(cast.teacher), field="summary", text="补充：17:10 门卫报告正常。",
        reason="漏记", now=at(DAY, 17),
    )  # fmt: skip
    log.refresh_from_db()
    assert log.summary == CONTENT["summary"]
    assert amendment.text.startswith("补充")
    revision = LogRevision.objects.get(log=log, action="amended")
    assert revision.changes["summary"] == [CONTENT["summary"], amendment.text]


def test_a_draft_is_edited_not_amended_and_unknown_fields_are_refused(cast, log):
    with pytest.raises(ValidationError, match="draft"):
        services.amend_log(
            log=log, actor=actor(cast.teacher), field="summary", text="x", reason="y"
        )
    submit(log, cast.teacher)
    with pytest.raises(ValidationError) as caught:
        services.amend_log(log=log, actor=actor(cast.teacher), field="status", text="x", reason="y")
    assert "field" in caught.value.message_dict
    assert not LogAmendment.objects.exists()


def test_another_schools_staff_cannot_amend(cast, log):
    submit(log, cast.teacher)
    with pytest.raises(PermissionDenied):
        services.amend_log(
            log=log, actor=actor(cast.other_teacher), field="summary", text="x", reason="y"
        )


def test_a_leader_records_post_checks_during_the_shift(cast, shift):
    leader = actor(cast.leader)
    services.record_post_check(shift=shift, actor=leader, remarks="在岗", now=at(DAY, 10))
    services.record_post_check(shift=shift, actor=leader, now=at(DAY, 15))
    assert PostCheck.objects.filter(shift=shift).count() == 2
    with pytest.raises(ValidationError, match="during the shift"):
        services.record_post_check(shift=shift, actor=leader, now=at(DAY, 20))
    with pytest.raises(PermissionDenied):
        services.record_post_check(shift=shift, actor=actor(cast.teacher), now=at(DAY, 10))


def test_two_submits_racing_leave_one_submission(cast, log):
    submit(log, cast.teacher)
    log.version = 1  # a second tab still at the version it loaded
    with pytest.raises(ValidationError):
        services.submit_log(log=log, actor=actor(cast.guard), version=1, data=CONTENT,
                            now=at(DAY, 16, 1))  # fmt: skip
    assert LogRevision.objects.filter(log=log, action="submitted").count() == 1


def test_the_deadline_is_the_shift_end_plus_the_grace(cast, log):
    assert services.submit_deadline(log) == at(DAY, 17) + timedelta(minutes=60)
