"""The Celery app. Settings come from Django's settings under the ``CELERY_`` prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dutyschool.settings")

app = Celery("dutyschool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks carry the request id of the request that published them (dutyschool/logs.py).
from dutyschool.logs import connect_celery_signals  # noqa: E402

connect_celery_signals()
