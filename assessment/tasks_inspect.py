"""Celery wrapper: remind inspectors the afternoon before a planned inspection."""

from celery import shared_task


@shared_task(name="assessment.tasks_inspect.remind_inspectors")
def remind_inspectors() -> str:
    from assessment.services.inspection import remind_inspectors as remind

    return f"{remind()} inspectors reminded"
