"""Auto-generation runs: queued from the editor, solved by a worker, watched by the page.

A run is a SolveJob row. The worker claims it with a conditional UPDATE (a task delivered twice
runs once), reports progress into the row, checks the row's cancel flag while solving, and
writes the result through the same path as an Excel import, so the rules engine checks it and
every change is recorded. A periodic task re-publishes runs whose message was lost and fails
runs whose worker died.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dutyschool.queue import publish, publish_on_commit
from roster.availability import solver_preferences
from roster.models import Roster, RosterStatus, SolveJob
from roster.queries import build_plan, rule_settings

STALE_RUNNING = timedelta(minutes=3)
LOST_QUEUED = timedelta(seconds=30)
TIME_LIMIT = 20.0


def start_solve(*, roster: Roster, actor) -> SolveJob:
    if roster.status != RosterStatus.DRAFT:
        raise ValidationError(_("Auto-generation works on drafts; this roster is published."))
    try:
        with transaction.atomic():
            job = SolveJob.objects.create(roster=roster, requested_by=actor)
    except IntegrityError as exc:
        raise ValidationError(_("Auto-generation is already running for this roster.")) from exc
    from roster.tasks import run_solve_job

    publish_on_commit(run_solve_job, job.pk)
    return job


def cancel_solve(*, job: SolveJob) -> None:
    SolveJob.objects.filter(pk=job.pk, status=SolveJob.Status.QUEUED).update(
        status=SolveJob.Status.CANCELLED, message=_("Cancelled before it started.")
    )
    SolveJob.objects.filter(pk=job.pk, status=SolveJob.Status.RUNNING).update(cancel_requested=True)


def run_solve_job(*, job_id: int) -> str:
    from roster.excel import ImportPlan, PlannedDuty, apply_roster_import
    from roster.solver import solve

    claimed = SolveJob.objects.filter(pk=job_id, status=SolveJob.Status.QUEUED).update(
        status=SolveJob.Status.RUNNING, message=_("Starting…"), updated_at=timezone.now()
    )
    if not claimed:
        return "not queued"
    job = SolveJob.objects.select_related("roster__school", "requested_by").get(pk=job_id)
    roster = job.roster
    plan = build_plan(roster)
    keep = list(plan.assignments)
    # Stated unavailability is hard for the solver and "prefer not" soft; the rules engine
    # does not read them (leave is its hard rule).
    preferences = solver_preferences(roster, plan)
    last = {"write": 0.0, "check": 0.0, "stop": False}

    def progress(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last["write"] >= 0.5 or fraction >= 1.0:
            last["write"] = now
            SolveJob.objects.filter(pk=job_id).update(
                progress=min(max(fraction, 0.0), 1.0), message=str(message)[:300],
                updated_at=timezone.now(),
            )  # fmt: skip

    def should_stop() -> bool:
        now = time.monotonic()
        if now - last["check"] >= 0.5:
            last["check"] = now
            last["stop"] = SolveJob.objects.filter(pk=job_id, cancel_requested=True).exists()
        return last["stop"]

    try:
        result = solve(plan, rule_settings(roster.school), keep=keep, preferences=preferences,
                       time_limit=TIME_LIMIT, progress=progress,
                       should_stop=should_stop)  # fmt: skip
        if result.status == "cancelled":
            SolveJob.objects.filter(pk=job_id).update(
                status=SolveJob.Status.CANCELLED, message=_("Cancelled; the roster is unchanged.")
            )
            return "cancelled"
        duties = [PlannedDuty(a.shift_id, a.person_id, a.role, 0, "") for a in result.assignments]
        imported = apply_roster_import(
            roster=roster, plan=ImportPlan(roster_id=roster.pk, duties=duties),
            actor=job.requested_by,
        )  # fmt: skip
    except Exception as exc:
        SolveJob.objects.filter(pk=job_id).update(
            status=SolveJob.Status.FAILED, message=_("Auto-generation failed: %s") % exc
        )
        raise
    summary = _("%(added)d added, %(removed)d removed, %(kept)d kept.") % {
        "added": imported.added, "removed": imported.removed, "kept": imported.kept,
    }  # fmt: skip
    SolveJob.objects.filter(pk=job_id).update(
        status=SolveJob.Status.DONE, progress=1.0, message=summary, problems=result.problems[:50]
    )
    return f"{result.status}: {summary}"


def recover_solve_jobs(*, now=None) -> str:
    """Re-publish queued runs whose task message was lost; fail runs whose worker died."""
    from roster.tasks import run_solve_job

    now = now or timezone.now()
    dead = SolveJob.objects.filter(
        status=SolveJob.Status.RUNNING, updated_at__lt=now - STALE_RUNNING
    ).update(status=SolveJob.Status.FAILED, message=_("The worker stopped; run it again."))
    lost = list(
        SolveJob.objects.filter(
            status=SolveJob.Status.QUEUED, updated_at__lt=now - LOST_QUEUED
        ).values_list("pk", flat=True)
    )
    for job_id in lost:
        publish(run_solve_job, job_id)
    return f"{dead} failed, {len(lost)} re-published"
