"""The visitor register's pages: roles, masking, the audited reveal, bad input, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from logbook.idcard import IdType
from logbook.models import Visit, VisitIdReveal
from logbook.tests.test_visit_services import ID_A, ID_B, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def log_in(staff):
        client.force_login(staff.user)
        return client

    return log_in


def form(**extra) -> dict:
    return {
        "name": "王来访",
        "phone": "+86 138-0013-8000",
        "id_type": IdType.RESIDENT,
        "id_number": ID_A.lower(),
        "purpose": "家长会",
        "party_size": "2",
        **extra,
    }


def recent(cast, **extra):
    now = timezone.now()
    return register(cast, time_in=now - timedelta(minutes=30), now=now, **extra)


def test_a_guard_registers_a_visitor_and_sees_the_masked_number_only(cast, as_user):
    client = as_user(cast.guard)
    response = client.post(reverse("logbook:visit-new"), form(host=cast.teacher.pk))
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.name, visit.phone, visit.party_size, visit.host) == (
        "王来访",
        "13800138000",
        2,
        cast.teacher,
    )
    page = client.get(reverse("logbook:visit-detail", args=[visit.pk])).content.decode()
    assert visit.id_masked in page and ID_A not in page
    assert 'id="visit-reveal"' not in page  # no reveal button for a guard
    assert client.post(reverse("logbook:visit-reveal", args=[visit.pk])).status_code == 403
    assert not VisitIdReveal.objects.exists()


def test_the_admin_reveals_the_full_number_and_the_view_is_recorded(cast, as_user):
    visit = recent(cast)
    client = as_user(cast.admin)
    page = client.get(reverse("logbook:visit-detail", args=[visit.pk])).content.decode()
    assert ID_A not in page and 'id="visit-reveal"' in page
    response = client.post(reverse("logbook:visit-reveal", args=[visit.pk]))
    assert response.status_code == 200 and ID_A in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    reveal = VisitIdReveal.objects.get()
    assert (reveal.visit, reveal.revealed_by) == (visit, cast.admin.user)
    assert client.get(reverse("logbook:visit-reveal", args=[visit.pk])).status_code == 405


@pytest.mark.parametrize("who", ["other_teacher", "other_admin"])
def test_another_school_s_visit_is_a_404_everywhere(cast, as_user, who):
    visit = recent(cast)
    client = as_user(getattr(cast, who))
    if who == "other_admin":
        assert client.get(reverse("logbook:visit-detail", args=[visit.pk])).status_code == 404
        for name in ("logbook:visit-reveal", "logbook:visit-sign-out"):
            assert client.post(reverse(name, args=[visit.pk])).status_code == 404
    else:
        assert client.get(reverse("logbook:visit-detail", args=[visit.pk])).status_code == 404
    visit.refresh_from_db()
    assert visit.time_out is None


def test_technical_support_sees_no_visitor_data(cast, as_user):
    visit = recent(cast)
    client = as_user(cast.tech)
    assert client.get(reverse("logbook:visits")).status_code == 403
    assert client.get(reverse("logbook:visit-detail", args=[visit.pk])).status_code == 403
    assert (
        client.post(
            reverse("logbook:visit-lookup"), {"id_type": "resident", "id_number": ID_A}
        ).status_code
        == 403
    )


def test_the_list_shows_today_and_who_is_still_on_campus_with_a_sign_out(cast, as_user):
    here = recent(cast)
    gone = recent(cast, number=ID_B)
    gone.time_out = timezone.now()
    gone.save(update_fields=["time_out"])
    client = as_user(cast.teacher)
    page = client.get(reverse("logbook:visits")).content.decode()
    assert f'id="on-campus-{here.pk}"' in page and f'id="on-campus-{gone.pk}"' not in page
    response = client.post(
        reverse("logbook:visit-sign-out", args=[here.pk]), {"next": reverse("logbook:visits")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("logbook:visits")
    here.refresh_from_db()
    assert here.time_out is not None and here.signed_out_by == cast.teacher.user


def test_sign_out_never_redirects_off_site(cast, as_user):
    visit = recent(cast)
    response = as_user(cast.guard).post(
        reverse("logbook:visit-sign-out", args=[visit.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("logbook:visits")


def test_search_by_date_and_a_bad_date_falls_back_to_today(cast, as_user):
    old = register(cast, time_in=timezone.now() - timedelta(days=3), now=timezone.now())
    client = as_user(cast.guard)
    day = timezone.localtime(old.time_in).date()
    page = client.get(reverse("logbook:visits"), {"date": f"{day:%Y-%m-%d}"}).content.decode()
    assert f'href="{reverse("logbook:visit-detail", args=[old.pk])}"' in page
    response = client.get(reverse("logbook:visits"), {"date": "2026-02-30"})
    assert response.status_code == 200 and "Enter a valid date." in response.content.decode()


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"id_number": ID_A[:-1] + ("1" if ID_A[-1] != "1" else "2")}, "id_number", "check digit"),
        ({"id_number": ID_A[:17]}, "id_number", "has 17"),
        ({"id_number": ID_A + "1"}, "id_number", "has 19"),
        ({"id_number": "110105491231002"}, "id_number", "18-digit"),
        ({"phone": "+86 138-0013-80001"}, "phone", "not a valid phone"),
        ({"time_in": "2026-02-30T10:00"}, "time_in", "valid date"),
        (
            {"time_in": "2026-11-20T10:00", "time_out": "2026-11-20T09:00"},
            "time_out",
            "before the time in",
        ),
        ({"party_size": "0"}, "party_size", "greater than or equal to 1"),
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 51}, "name", "at most 50"),
        ({"purpose": "p" * 1_000_000}, "purpose", "at most 200"),
    ],
)
def test_bad_input_is_a_clear_error_and_nothing_is_saved(cast, as_user, extra, field, message):
    response = as_user(cast.guard).post(reverse("logbook:visit-new"), form(**extra))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not Visit.objects.exists()


def test_other_documents_are_accepted(cast, as_user):
    client = as_user(cast.guard)
    for id_type, number in [
        (IdType.PASSPORT, "E12345678"),
        (IdType.HK_MACAO, "H12345678"),
        (IdType.TAIWAN, "12345678"),
        (IdType.OTHER, "110105491231002"),
    ]:
        response = client.post(
            reverse("logbook:visit-new"), form(id_type=id_type, id_number=number)
        )
        assert response.status_code == 302, response.context["form"].errors
    assert Visit.objects.count() == 4


def test_free_text_is_escaped_and_extra_fields_are_ignored(cast, as_user):
    attack = '<script>alert("x")</script>'
    client = as_user(cast.guard)
    client.post(
        reverse("logbook:visit-new"),
        form(
            name=attack,
            purpose=attack,
            items=attack,
            school=cast.other_school.pk,
            purged_at="2026-01-01T00:00",
            registered_by=cast.admin.user.pk,
            id_cipher="forged",
            status="approved",
        ),
    )
    visit = Visit.objects.get()
    assert visit.school == cast.school and visit.registered_by == cast.guard.user
    assert visit.purged_at is None and visit.id_cipher != "forged"
    for url in (reverse("logbook:visits"), reverse("logbook:visit-detail", args=[visit.pk])):
        page = client.get(url).content.decode()
        assert attack not in page and "&lt;script&gt;" in page


def test_the_visited_before_hint_finds_a_repeat_visitor(cast, as_user):
    recent(cast)
    client = as_user(cast.guard)
    found = client.post(
        reverse("logbook:visit-lookup"), {"id_type": "resident", "id_number": ID_A.lower()}
    ).content.decode()
    assert 'id="visit-history-found"' in found and "张访客" in found
    fresh = client.post(
        reverse("logbook:visit-lookup"), {"id_type": "resident", "id_number": ID_B}
    ).content.decode()
    assert 'id="visit-history-none"' in fresh
    partial = client.post(
        reverse("logbook:visit-lookup"), {"id_type": "resident", "id_number": ID_A[:10]}
    ).content.decode()
    assert partial.strip() == ""
    assert client.get(reverse("logbook:visit-lookup")).status_code == 405


def test_another_school_does_not_see_the_repeat_visitor(cast, as_user):
    recent(cast)
    found = as_user(cast.other_teacher).post(
        reverse("logbook:visit-lookup"), {"id_type": "resident", "id_number": ID_A}
    )
    assert 'id="visit-history-none"' in found.content.decode()


def test_the_register_page_costs_the_same_queries_for_three_or_thirty_visits(
    cast, as_user, django_assert_num_queries
):
    client = as_user(cast.guard)
    client.get(reverse("logbook:visits"))  # the first request of a session also saves it
    counts = []
    for total in (3, 30):
        while Visit.objects.count() < total:
            recent(cast, host=cast.teacher)
        # The visits' own day (half an hour ago is yesterday just after midnight).
        day = timezone.localtime(Visit.objects.earliest("time_in").time_in).date()
        with django_assert_num_queries(QUERIES):
            response = client.get(reverse("logbook:visits") + f"?date={day:%Y-%m-%d}")
        counts.append(len(response.context["page"].object_list))
    assert counts == [3, 20]


# session, user, actor (staff + school, roles), visits count, visits page, on campus.
QUERIES = 7


def test_only_the_admin_changes_the_retention_period(cast, as_user):
    from logbook.services.visit import retention_days_for

    assert as_user(cast.guard).get(reverse("logbook:visit-settings")).status_code == 403
    client = as_user(cast.admin)
    assert client.get(reverse("logbook:visit-settings")).status_code == 200
    assert (
        client.post(reverse("logbook:visit-settings"), {"retention_days": "0"}).status_code == 200
    )
    assert retention_days_for(cast.school) == 180
    client.post(reverse("logbook:visit-settings"), {"retention_days": "90"})
    assert retention_days_for(cast.school) == 90
    assert retention_days_for(cast.other_school) == 180


def test_the_register_form_and_the_now_panel_render(cast, as_user, rf):
    from django.template.loader import render_to_string

    from logbook.queries.visit import now_panel
    from staff.queries import actor_for

    page = as_user(cast.guard).get(reverse("logbook:visit-new")).content.decode()
    assert 'id="visit-form"' in page and 'hx-post="/logbook/visitors/lookup/"' in page.replace(
        reverse("logbook:visit-lookup"), "/logbook/visitors/lookup/"
    )
    visit = recent(cast)
    panel = now_panel(actor=actor_for(cast.guard.user), shift=None)
    assert panel["visits"] == [visit]
    request = rf.get("/")
    request.user = cast.guard.user
    html = render_to_string("logbook/visit/_now_panel.html", {"panel": panel}, request=request)
    assert f'id="on-campus-{visit.pk}"' in html and 'id="now-visit-register"' in html
    assert now_panel(actor=actor_for(cast.tech.user), shift=None) is None
