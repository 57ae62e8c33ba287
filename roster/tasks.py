"""Thin Celery wrappers for the roster app."""

from celery import shared_task

from roster import (
    autogen,
    tasks_board,  # noqa: F401 - registers the check-in task with Celery
)


@shared_task(name="roster.tasks.run_solve_job")
def run_solve_job(job_id: int) -> str:
    return autogen.run_solve_job(job_id=job_id)


@shared_task(name="roster.tasks.recover_solve_jobs")
def recover_solve_jobs() -> str:
    return autogen.recover_solve_jobs()


@shared_task(name="roster.tasks.warn_unpublished")
def warn_unpublished() -> str:
    from roster.reminders import warn_unpublished as warn

    return f"{warn()} schools told"
