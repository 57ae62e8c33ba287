"""Assessment's Celery tasks: each part's module is imported here so the worker registers it
(autodiscovery only imports ``<app>.tasks``)."""

from assessment import (
    tasks_inspect,  # noqa: F401
    tasks_record,  # noqa: F401
)
