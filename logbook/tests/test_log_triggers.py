"""Below the ORM (PostgreSQL): a submitted log cannot be changed by any route, amendments and
revisions are append-only, and a change that bypasses the services still leaves history."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from logbook.models import DutyLog, LogAmendment, LogRevision, LogStatus
from logbook.services import log as services
from logbook.tests.factories import DAY, at, staffed_shift
from staff.queries import actor_for

pytestmark = pytest.mark.django_db

CONTENT = {"weather": "晴", "summary": "一切正常"}


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the guards are PostgreSQL triggers")


@pytest.fixture
def draft(cast):
    shift = staffed_shift(cast)
    return services.open_log(shift=shift, actor=actor_for(cast.teacher.user), now=at(DAY, 8))


@pytest.fixture
def submitted(cast, draft):
    return services.submit_log(
        log=draft, actor=actor_for(cast.teacher.user), version=1, data=CONTENT, now=at(DAY, 16)
    )


def refused(action) -> None:
    with pytest.raises(IntegrityError, match=r"read-only|cannot|append-only"), transaction.atomic():
        action()


def test_an_orm_save_of_a_submitted_log_is_refused(submitted):
    submitted.summary = "悄悄改掉"
    refused(submitted.save)
    refused(lambda: submitted.save(update_fields=["summary"]))


def test_a_queryset_update_of_a_submitted_log_is_refused(submitted):
    refused(lambda: DutyLog.objects.filter(pk=submitted.pk).update(summary="改"))
    refused(lambda: DutyLog.objects.filter(pk=submitted.pk).update(students_present=1))


def test_raw_sql_cannot_change_a_submitted_log(submitted):
    def raw():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE logbook_dutylog SET weather = 'rain' WHERE id = %s", [submitted.pk]
            )

    refused(raw)
    submitted.refresh_from_db()
    assert submitted.weather == "晴"


def test_a_submitted_log_cannot_go_back_to_draft_or_be_deleted(submitted):
    refused(lambda: DutyLog.objects.filter(pk=submitted.pk).update(status="draft"))

    def delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM logbook_dutylog WHERE id = %s", [submitted.pk])

    refused(delete)


def test_sign_off_is_still_allowed_and_then_frozen(cast, submitted):
    signed = services.sign_log(log=submitted, actor=actor_for(cast.leader.user), comment="好")
    assert signed.status == LogStatus.SIGNED
    refused(lambda: DutyLog.objects.filter(pk=signed.pk).update(sign_comment="改评语"))
    refused(lambda: DutyLog.objects.filter(pk=signed.pk).update(status="submitted"))
    refused(lambda: DutyLog.objects.filter(pk=signed.pk).update(signed_at=timezone.now()))


def test_a_submitted_log_cannot_take_sign_off_columns_without_signing(submitted):
    refused(lambda: DutyLog.objects.filter(pk=submitted.pk).update(sign_comment="x"))


def test_amendments_and_revisions_are_append_only(cast, submitted):
    amendment = services.amend_log(
        log=submitted, actor=actor_for(cast.teacher.user), field="summary", text="补", reason="漏"
    )
    refused(lambda: LogAmendment.objects.filter(pk=amendment.pk).update(text="改"))
    refused(lambda: LogAmendment.objects.filter(pk=amendment.pk).delete())
    refused(lambda: LogRevision.objects.filter(log=submitted).update(action="saved"))
    refused(lambda: LogRevision.objects.filter(log=submitted).delete())


def test_a_bulk_update_of_a_draft_leaves_one_history_row(draft):
    DutyLog.objects.filter(pk=draft.pk).update(summary="批量改")
    revision = LogRevision.objects.get(log=draft, action="direct")
    assert revision.actor is None
    assert revision.changes == {"summary": ["", "批量改"]}


def test_raw_sql_on_a_draft_is_recorded_too(draft):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE logbook_dutylog SET weather = 'rain' WHERE id = %s", [draft.pk])
    assert LogRevision.objects.get(log=draft, action="direct").changes == {"weather": ["", "rain"]}


def test_a_service_save_writes_exactly_one_revision(cast, draft):
    services.autosave_log(
        log=draft, actor=actor_for(cast.teacher.user), data={"summary": "甲"}, version=1
    )
    assert list(
        LogRevision.objects.filter(log=draft).order_by("pk").values_list("action", flat=True)
    ) == [
        "opened",
        "saved",
    ]


def test_a_bulk_update_after_a_service_call_in_the_same_transaction_is_still_recorded(cast, draft):
    # The test runs inside one transaction: the service's audited flag must not leak past it.
    services.autosave_log(
        log=draft, actor=actor_for(cast.teacher.user), data={"summary": "甲"}, version=1
    )
    DutyLog.objects.filter(pk=draft.pk).update(suggestions="乙")
    assert LogRevision.objects.filter(log=draft, action="direct").count() == 1
