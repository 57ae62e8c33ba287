"""Celery wrapper for the missed check-in notice (periodic; the beat schedule runs it)."""

from celery import shared_task


@shared_task(name="roster.tasks.notify_missed_checkins")
def notify_missed_checkins() -> str:
    from roster.checkin import notify_missed_checkins as notify_missed

    return f"{notify_missed()} missed check-ins reported"
