from celery import shared_task

from notifications import services


@shared_task(name="notifications.tasks.record_heartbeat")
def record_heartbeat(name: str) -> str:
    beat = services.record_heartbeat(name=name)
    return f"{beat.name}: {beat.beats}"
