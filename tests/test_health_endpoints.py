"""/healthz, /readyz, the system status page and ``manage.py health``."""

from __future__ import annotations

import io
import json
import socket

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from notifications import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def alive() -> None:
    for name in ("beat", "sweeper", "escalations", "auditor"):
        services.record_heartbeat(name=name)


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_without_login():
    response = Client().get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_readyz_is_ready_when_database_broker_and_pipeline_are(client):
    alive()
    response = Client().get(reverse("readyz"))
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["broker"]["ok"]


def test_readyz_answers_503_when_beat_never_ran():
    response = Client().get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False


def test_readyz_answers_503_when_the_broker_is_down(use_broker):
    alive()
    use_broker(f"redis://127.0.0.1:{dead_port()}/0")
    response = Client().get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_the_status_page_is_for_admins_only(client, cast):
    alive()
    client.force_login(cast.admin.user)
    page = client.get(reverse("system-status"))
    assert page.status_code == 200
    assert "All systems working" in page.content.decode()
    client.force_login(cast.teacher.user)
    assert client.get(reverse("system-status")).status_code == 403


def test_the_status_page_shows_what_fails(client, cast):
    client.force_login(cast.admin.user)
    page = client.get(reverse("system-status")).content.decode()
    assert "Something needs attention" in page
    assert 'id="check-beat"' in page


def test_the_health_command_prints_json_and_fails_when_unhealthy():
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("health", stdout=out)
    assert json.loads(out.getvalue())["ok"] is False
    alive()
    out = io.StringIO()
    call_command("health", stdout=out)
    assert json.loads(out.getvalue())["ok"] is True
