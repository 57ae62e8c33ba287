"""The Django admin shows a school's office only its own school's people."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(cast):
    user = cast.admin.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="staff",
            codename__in=["view_staff", "change_staff", "view_user", "change_user"],
        )
    )
    return user


def test_the_school_office_lists_only_its_own_staff(client, cast, office):
    client.force_login(office)
    body = client.get(reverse("admin:staff_staff_changelist")).content.decode()
    assert cast.teacher.name in body
    assert cast.other_teacher.name not in body


def test_the_school_office_cannot_open_another_schools_person_by_id(client, cast, office):
    client.force_login(office)
    own = client.get(reverse("admin:staff_staff_change", args=[cast.teacher.pk]))
    assert own.status_code == 200
    other = client.get(reverse("admin:staff_staff_change", args=[cast.other_teacher.pk]))
    assert other.status_code == 302  # the admin redirects a missing object to its index
    assert cast.other_teacher.name not in client.get(other["Location"]).content.decode()


def test_the_school_office_cannot_grant_itself_superuser(client, cast, office):
    client.force_login(office)
    url = reverse("admin:staff_user_change", args=[cast.teacher.user.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "is_superuser" not in response.content.decode()
    client.post(url, {"username": cast.teacher.user.username, "is_active": "on",
                      "is_superuser": "on", "is_staff": "on"})  # fmt: skip
    cast.teacher.user.refresh_from_db()
    assert not cast.teacher.user.is_superuser
    assert not cast.teacher.user.is_staff


def test_a_teacher_without_admin_rights_is_kept_out_of_the_admin(client, cast):
    client.force_login(cast.teacher.user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]
