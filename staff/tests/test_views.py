"""Role gating and the school boundary, tested with the named cast."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = ["admin", "principal", "leader", "teacher", "guard", "tech", "official"]
# Which cast members may open each page (everyone else gets 403).
ACCESS = {
    "staff:list": {"admin", "principal", "leader", "official"},
    "staff:import": {"admin"},
    "staff:schools": {"official"},
}


def login(client, cast, who):
    member = getattr(cast, who)
    client.force_login(member.user)
    return member


@pytest.mark.parametrize("who", ROLES)
def test_each_role_sees_its_home_page_with_its_name_and_school(client, cast, who):
    member = login(client, cast, who)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert member.name in body
    if who == "official":
        assert cast.bureau.name in body
    else:
        assert cast.school.name in body


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("page", sorted(ACCESS))
def test_pages_are_gated_by_role(client, cast, who, page):
    login(client, cast, who)
    response = client.get(reverse(page))
    expected = 200 if who in ACCESS[page] else 403
    assert response.status_code == expected


@pytest.mark.parametrize("who", ROLES)
def test_the_navigation_offers_only_what_the_role_may_open(client, cast, who):
    login(client, cast, who)
    body = client.get(reverse("home")).content.decode()
    for page, allowed in ACCESS.items():
        assert (f'href="{reverse(page)}"' in body) == (who in allowed), page


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, cast):
    for path in [reverse("home"), reverse("staff:list"), reverse("staff:detail", args=[1])]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["admin", "principal", "leader"])
def test_a_user_of_school_a_cannot_read_school_b_staff_by_id(client, cast, who):
    login(client, cast, who)
    assert client.get(reverse("staff:detail", args=[cast.teacher.pk])).status_code == 200
    assert client.get(reverse("staff:detail", args=[cast.other_teacher.pk])).status_code == 404


def test_the_directory_lists_only_the_own_school(client, cast):
    login(client, cast, "principal")
    body = client.get(reverse("staff:list")).content.decode()
    assert cast.teacher.name in body
    assert cast.other_teacher.name not in body


def test_a_teacher_may_open_their_own_record_but_not_a_colleagues(client, cast):
    login(client, cast, "teacher")
    assert client.get(reverse("staff:detail", args=[cast.teacher.pk])).status_code == 200
    assert client.get(reverse("staff:detail", args=[cast.guard.pk])).status_code == 403


def test_a_bureau_official_reads_staff_of_its_schools_only(client, cast):
    login(client, cast, "official")
    assert client.get(reverse("staff:detail", args=[cast.other_teacher.pk])).status_code == 200
    body = client.get(reverse("staff:list")).content.decode()
    assert cast.teacher.name in body and cast.other_teacher.name in body
    login(client, cast, "other_official")
    assert client.get(reverse("staff:detail", args=[cast.teacher.pk])).status_code == 404


def test_a_bureau_official_cannot_filter_to_a_school_outside_its_bureau(client, cast):
    login(client, cast, "other_official")
    response = client.get(reverse("staff:list"), {"school": cast.school.pk})
    assert cast.teacher.name not in response.content.decode()


def test_an_inactive_staff_member_has_no_role(client, cast):
    cast.leader.active = False
    cast.leader.save(update_fields=["active"])
    login(client, cast, "leader")
    assert client.get(reverse("staff:list")).status_code == 403


def test_the_directory_is_paginated_with_a_constant_number_of_queries(
    client, cast, django_assert_num_queries
):
    from staff.models import Role
    from staff.tests.factories import make_staff

    login(client, cast, "principal")
    client.get(reverse("staff:list"))  # warm the session
    with django_assert_num_queries(7):
        client.get(reverse("staff:list"))
    for _ in range(30):
        make_staff(cast.school, Role.TEACHER)
    with django_assert_num_queries(7):
        response = client.get(reverse("staff:list"))
    assert response.context["page"].paginator.num_pages == 2


def test_the_directory_search_finds_by_name_and_phone(client, cast):
    login(client, cast, "admin")
    body = client.get(reverse("staff:list"), {"q": cast.guard.phone}).content.decode()
    assert cast.guard.name in body
    assert cast.teacher.name not in body


def test_logout_requires_post_and_ends_the_session(client, cast):
    login(client, cast, "teacher")
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302
