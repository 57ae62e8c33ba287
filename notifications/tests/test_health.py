"""The pipeline status turns red when beat, the sweeper or delivery stalls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services
from notifications.health import pipeline_status
from notifications.models import Heartbeat, Notice
from notifications.tasks import audit_pipeline

pytestmark = pytest.mark.django_db

PROCESSES = ["beat", "sweeper", "escalations", "auditor"]


def all_alive():
    for name in PROCESSES:
        services.record_heartbeat(name=name)


def test_a_running_pipeline_with_nothing_due_is_healthy(cast):
    all_alive()
    status = pipeline_status()
    assert status.ok, status.as_dict()


def test_a_pipeline_that_never_ran_is_unhealthy():
    status = pipeline_status()
    assert not status.ok
    assert status.as_dict()["checks"]["beat"] == {"ok": False, "detail": "never seen"}


def test_a_silent_scheduler_turns_the_status_red(cast):
    all_alive()
    Heartbeat.objects.filter(name="beat").update(seen_at=timezone.now() - timedelta(minutes=10))
    status = pipeline_status()
    assert not status.ok
    assert not status.as_dict()["checks"]["beat"]["ok"]


def test_a_due_notice_nobody_delivers_turns_the_status_red(cast):
    all_alive()
    notice = services.publish_notice(
        school_id=cast.school.pk, recipient_id=cast.teacher.user_id, event="e:late",
        channel="email", subject="s", due_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    assert pipeline_status().ok  # not due yet
    Notice.objects.filter(pk=notice.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    status = pipeline_status()
    assert not status.ok
    assert status.as_dict()["checks"]["notices"]["detail"].endswith("s late")


def test_the_auditor_records_its_heartbeat_and_reports(cast):
    for name in ["beat", "sweeper", "escalations"]:
        services.record_heartbeat(name=name)
    assert audit_pipeline() == "ok"
    assert Heartbeat.objects.filter(name="auditor").exists()


def test_the_auditor_pings_an_external_watcher(cast, settings):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    paths = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            paths.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.PIPELINE_PING_URL = f"http://127.0.0.1:{server.server_address[1]}/ping/abc"
    try:
        audit_pipeline()  # beat and sweeper never seen: unhealthy
        all_alive()
        audit_pipeline()
    finally:
        server.shutdown()
    assert paths == ["/ping/abc/fail", "/ping/abc"]
