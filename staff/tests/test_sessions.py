"""Idle and absolute session timeouts, with a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from staff.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    state = {"now": START}
    monkeypatch.setattr(timezone, "now", lambda: state["now"])

    def advance(**delta) -> None:
        state["now"] += timedelta(**delta)

    return advance


@pytest.fixture
def logged_in(client, cast, clock, settings):
    settings.SESSION_IDLE_TIMEOUT = 2 * 3600
    settings.SESSION_ABSOLUTE_TIMEOUT = 16 * 3600
    client.post(reverse("login"), {"username": "a-teacher", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 200
    return client


def is_logged_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_click_within_the_idle_timeout_keeps_the_login(logged_in, clock):
    for _ in range(5):
        clock(minutes=110)
        assert logged_in.get(reverse("home")).status_code == 200


def test_two_hours_without_a_click_log_the_user_out(logged_in, clock):
    clock(hours=2, minutes=1)
    response = logged_in.get(reverse("roster:mine"))
    assert is_logged_out(response)
    assert "next=" in response["Location"]
    # Logged out for good, not just redirected once.
    assert is_logged_out(logged_in.get(reverse("home")))


def test_the_inbox_badge_polling_does_not_count_as_activity(logged_in, clock):
    for _ in range(6):
        clock(minutes=20)
        assert logged_in.get(reverse("notifications:badge")).status_code == 200
    clock(minutes=5)
    assert is_logged_out(logged_in.get(reverse("home")))


def test_an_expired_htmx_request_sends_the_browser_to_the_login_page(logged_in, clock):
    clock(hours=3)
    response = logged_in.get(reverse("notifications:badge"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login")


def test_sixteen_hours_after_login_the_user_is_logged_out_however_active(logged_in, clock):
    for _ in range(16):
        clock(hours=1)
        assert logged_in.get(reverse("home")).status_code == 200
    clock(minutes=1)
    assert is_logged_out(logged_in.get(reverse("home")))


def test_after_logout_the_old_session_key_is_dead(client, logged_in):
    key = logged_in.cookies["sessionid"].value
    logged_in.post(reverse("logout"))
    client.cookies["sessionid"] = key
    assert is_logged_out(client.get(reverse("home")))
