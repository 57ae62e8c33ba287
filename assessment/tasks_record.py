"""Thin Celery wrapper: keep the current and previous month's scores fresh for every school.

Registered with the worker by assessment/tasks.py importing this module (autodiscovery only
imports ``<app>.tasks``). Scheduled in dutyschool/settings.py as "recompute-month-scores"."""

from celery import shared_task


@shared_task(name="assessment.tasks_record.recompute_month_scores")
def recompute_month_scores() -> str:
    from assessment.services.record import recent_months, recompute
    from staff.models import School

    months = recent_months()
    written = sum(recompute(school=school, months=months) for school in School.objects.all())
    return f"{written} month scores computed"
