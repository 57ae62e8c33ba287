"""Auto-generation runs through a real worker; progress, cancel and recovery are rows."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from roster import autogen, services
from roster.models import (
    Assignment,
    RosterChange,
    RosterStatus,
    ShiftRequirement,
    ShiftType,
    SolveJob,
)
from roster.queries import build_plan, rule_settings
from roster.rules import check
from staff.models import Role
from staff.tests.factories import make_staff


@pytest.fixture
def draft(cast):
    from datetime import time as clock

    for _ in range(4):
        make_staff(cast.school, Role.TEACHER)
    shift_type = ShiftType.objects.create(
        school=cast.school, name="白班", start_time=clock(8), duration_minutes=540,
        day_kinds=["school_day"],
    )  # fmt: skip
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=2)
    return services.create_roster(
        school=cast.school, name="周", start=date(2026, 12, 7), end=date(2026, 12, 11), actor=None
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_run_fills_the_draft_in_a_worker_and_records_every_change(
    cast, draft, celery_worker_process
):
    with transaction.atomic():
        job = autogen.start_solve(roster=draft, actor=cast.admin.user)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if not job.active:
            break
        time.sleep(0.3)
    assert job.status == SolveJob.Status.DONE, (job.message, celery_worker_process.output())
    assert job.progress == 1.0
    assert Assignment.objects.filter(shift__roster=draft).count() == 10
    assert not [v for v in check(build_plan(draft), rule_settings(cast.school)) if v.error]
    assert RosterChange.objects.filter(roster=draft, action="assigned").count() == 10


@pytest.mark.django_db
def test_only_one_run_at_a_time_and_only_on_drafts(cast, draft):
    autogen.start_solve(roster=draft, actor=None)
    with pytest.raises(ValidationError):
        autogen.start_solve(roster=draft, actor=None)
    draft.status = RosterStatus.PUBLISHED
    with pytest.raises(ValidationError):
        autogen.start_solve(roster=draft, actor=None)


@pytest.mark.django_db
def test_a_queued_run_is_cancelled_at_once_and_then_never_runs(cast, draft):
    job = autogen.start_solve(roster=draft, actor=None)
    autogen.cancel_solve(job=job)
    job.refresh_from_db()
    assert job.status == SolveJob.Status.CANCELLED
    assert autogen.run_solve_job(job_id=job.pk) == "not queued"
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_the_same_run_delivered_twice_runs_once(cast, draft):
    job = autogen.start_solve(roster=draft, actor=None)
    assert autogen.run_solve_job(job_id=job.pk) != "not queued"
    assert autogen.run_solve_job(job_id=job.pk) == "not queued"


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_failed_and_a_lost_one_is_republished(cast, draft):
    job = autogen.start_solve(roster=draft, actor=None)
    SolveJob.objects.filter(pk=job.pk).update(
        status=SolveJob.Status.RUNNING, updated_at=timezone.now() - timedelta(minutes=5)
    )
    assert autogen.recover_solve_jobs().startswith("1 failed")
    job.refresh_from_db()
    assert job.status == SolveJob.Status.FAILED


@pytest.mark.django_db
def test_the_status_fragment_asks_the_page_to_reload_when_the_run_ends(client, cast, draft):
    job = autogen.start_solve(roster=draft, actor=None)
    client.force_login(cast.admin.user)
    url = reverse("roster:autogen-status", args=[draft.pk, job.pk])
    running = client.get(url)
    assert "every 1s" in running.content.decode()
    autogen.run_solve_job(job_id=job.pk)
    finished = client.get(url, {"was": "active"})
    assert finished["HX-Refresh"] == "true"
    client.force_login(cast.teacher.user)
    assert client.get(url).status_code == 404
