"""Thin Celery wrapper for the post-incident review: the daily overdue-action notice.

Registered with the worker by incidents/tasks.py importing this module (autodiscovery only
imports ``<app>.tasks``)."""

from celery import shared_task


@shared_task(name="incidents.tasks_review.notify_overdue_actions")
def notify_overdue_actions() -> str:
    from incidents.services.review import notify_overdue_actions as notify

    return f"{notify()} overdue corrective actions notified"
