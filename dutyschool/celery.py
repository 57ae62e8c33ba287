"""The Celery app. Settings come from Django's settings under the ``CELERY_`` prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dutyschool.settings")

app = Celery("dutyschool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
