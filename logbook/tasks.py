"""Thin Celery wrappers for the logbook: ids in, one service call, a short status string.

Duty log tasks first; other sub-domains add theirs below.
"""

from celery import shared_task


@shared_task(name="logbook.tasks.notify_unsubmitted_logs")
def notify_unsubmitted_logs() -> str:
    from logbook.services.log import notify_unsubmitted_logs as notify

    return f"{notify()} unsubmitted-log notices"


# ---- visitors (restored by the log helper after overwriting this file by mistake) ----------


@shared_task(name="logbook.tasks.purge_visitors")
def purge_visitors() -> str:
    from logbook.services.visit import purge_expired_visits

    return f"{purge_expired_visits()} visits purged"


# ---- handover ------------------------------------------------------------------------------


@shared_task(name="logbook.tasks.flag_unacknowledged_handovers")
def flag_unacknowledged_handovers() -> str:
    from logbook.services.handover import flag_unacknowledged_handovers as flag

    return f"{flag()} handovers flagged"


# ---- reporting up (值班日报 / 零报告) -------------------------------------------------------


@shared_task(name="logbook.tasks.warn_due_reports")
def warn_due_reports() -> str:
    from logbook.services.report import warn_due_reports as warn

    return f"{warn()} schools warned"


# ---- hazards -------------------------------------------------------------------------------


@shared_task(name="logbook.tasks.notify_overdue_hazards")
def notify_overdue_hazards() -> str:
    from logbook.services.hazard import notify_overdue_hazards as notify

    return f"{notify()} overdue-hazard notices"
