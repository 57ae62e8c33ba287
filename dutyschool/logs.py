"""Structured logs: one JSON object per line, each carrying the request id.

A request id comes from the ``X-Request-ID`` header when a proxy set a sane one (nginx
``$request_id``), else it is made here; it is echoed in the response and travels with every
Celery task published while handling the request (a task header), so a log search for one id
finds the web line, the task lines and the delivery lines together.

Secrets stay out: the formatter masks values of query parameters and ``key=value`` pairs whose
name looks like a secret (password, token, secret, key, sign), and the SECRET_KEY itself.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

HEADER = "HTTP_X_REQUEST_ID"
TASK_HEADER = "request_id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_SECRET_PAIR = re.compile(
    r"(?i)\b([\w-]*(?:password|passwd|token|secret|api[_-]?key|access[_-]?key|sign(?:ature)?)[\w-]*)"
    r"(=|\":\s*\"|': ')([^&\s\"',;]+)"
)


def current_request_id() -> str:
    return request_id_var.get()


def redact(text: str) -> str:
    from django.conf import settings

    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    secret = getattr(settings, "SECRET_KEY", "")
    if secret and len(secret) >= 16:
        text = text.replace(secret, "***")
    return text


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", request_id_var.get()),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RequestIdMiddleware:
    """Give every request an id (kept from a sane X-Request-ID header), for logs and tasks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(HEADER, "")
        request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


def connect_celery_signals() -> None:
    """Carry the id from the publishing request into the task, and set it while it runs."""
    from celery.signals import before_task_publish, task_postrun, task_prerun

    @before_task_publish.connect(weak=False)
    def _add_header(headers=None, **kwargs):
        if headers is not None and TASK_HEADER not in headers:
            headers[TASK_HEADER] = request_id_var.get()

    @task_prerun.connect(weak=False)
    def _set_id(task=None, **kwargs):
        incoming = getattr(task.request, TASK_HEADER, None) if task else None
        request_id_var.set(incoming or f"task-{uuid.uuid4().hex[:12]}")

    @task_postrun.connect(weak=False)
    def _clear_id(**kwargs):
        request_id_var.set("-")
