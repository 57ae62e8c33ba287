"""Thin Celery wrappers for incidents: ids in, one service call, a short status string out.

Escalation steps are run by notifications.tasks.advance_escalations; this module runs the
report-up clocks (初报 / 续报 / 终报). Schedule (dutyschool/settings.py CELERY_BEAT_SCHEDULE):
    "incident-report-clocks": {"task": "incidents.tasks.process_report_clocks",
                               "schedule": 60.0}
"""

from celery import shared_task

from incidents import tasks_review  # noqa: F401 - registers the review sub-domain's task


@shared_task(name="incidents.tasks.process_report_clocks")
def process_report_clocks() -> str:
    from incidents.services.reporting import process_clocks

    return f"{process_clocks()} notices"
