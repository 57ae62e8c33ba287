"""Login, logout and brute-force protection."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from staff.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client: Client, username: str, password: str, ip: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_a_teacher_logs_in_and_lands_on_the_home_page(client, cast):
    response = attempt(client, "a-teacher", PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert cast.teacher.name in client.get(reverse("home")).content.decode()


def test_a_wrong_password_shows_an_error_in_chinese(client, cast):
    response = attempt(client, "a-teacher", "wrong", "10.0.0.1")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_the_session_key_changes_at_login(client, cast):
    client.get(reverse("login"))
    client.session.save()
    before = client.session.session_key
    attempt(client, "a-teacher", PASSWORD, "10.0.0.1")
    assert client.session.session_key != before


def test_the_sixth_failure_from_one_address_is_locked_out(client, cast):
    for _ in range(5):
        assert attempt(client, "a-teacher", "wrong", "10.0.0.9").status_code == 200
    assert attempt(client, "a-teacher", "wrong", "10.0.0.9").status_code == 429
    # Locked: even the right password is refused from that address, with a clear page.
    response = attempt(client, "a-teacher", PASSWORD, "10.0.0.9")
    assert response.status_code == 429
    assert (
        "登录失败次数过多" in response.content.decode() or "Too many" in response.content.decode()
    )


def test_a_lockout_from_elsewhere_does_not_lock_the_teacher_out(client, cast):
    attacker = Client()
    for _ in range(6):
        attempt(attacker, "a-teacher", "wrong", "203.0.113.7")
    assert attempt(attacker, "a-teacher", PASSWORD, "203.0.113.7").status_code == 429
    response = attempt(client, "a-teacher", PASSWORD, "10.0.0.1")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_language_switcher_works_before_login(client, cast):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Log in" in client.get(reverse("login")).content.decode()


def test_password_change_requires_the_old_password(client, cast):
    client.force_login(cast.teacher.user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "N3w-Pass!word",
            "new_password2": "N3w-Pass!word",
        },
    )
    assert response.status_code == 200
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "N3w-Pass!word",
            "new_password2": "N3w-Pass!word",
        },
    )
    assert response.status_code == 302
    cast.teacher.user.refresh_from_db()
    assert cast.teacher.user.check_password("N3w-Pass!word")
