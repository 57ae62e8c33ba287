"""Roster pages: who may see and edit, and the editor's htmx round trips."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse

from roster import services
from roster.models import Assignment, Roster, RosterStatus, ShiftRequirement, ShiftType
from staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast):
    shift_type = ShiftType.objects.create(
        school=cast.school, name="白班", start_time=time(8), duration_minutes=540,
        day_kinds=["school_day"],
    )  # fmt: skip
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=1)
    return services.create_roster(
        school=cast.school, name="十二月", start=date(2026, 12, 7), end=date(2026, 12, 11),
        actor=None,
    )  # fmt: skip


def login(client, member):
    client.force_login(member.user)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("principal", 200), ("leader", 200), ("teacher", 404), ("guard", 404),
     ("other_admin", 404)],
)  # fmt: skip
def test_a_draft_is_visible_to_the_office_and_leaders_only(client, cast, draft, who, status):
    login(client, getattr(cast, who))
    assert client.get(reverse("roster:detail", args=[draft.pk])).status_code == status


def test_a_published_roster_is_visible_to_every_staff_member_of_the_school(client, cast, draft):
    Roster.objects.filter(pk=draft.pk).update(status=RosterStatus.PUBLISHED)
    login(client, cast.teacher)
    assert client.get(reverse("roster:detail", args=[draft.pk])).status_code == 200
    login(client, cast.other_teacher)
    assert client.get(reverse("roster:detail", args=[draft.pk])).status_code == 404


def test_only_the_office_may_edit(client, cast, draft):
    shift = draft.shifts.first()
    url = reverse("roster:assign", args=[draft.pk, shift.pk])
    login(client, cast.leader)
    response = client.post(url, {"staff": cast.teacher.pk, "role": Role.TEACHER})
    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_assigning_through_htmx_returns_the_updated_editor(client, cast, draft):
    shift = draft.shifts.order_by("date").first()
    login(client, cast.admin)
    response = client.post(
        reverse("roster:assign", args=[draft.pk, shift.pk]),
        {"staff": cast.teacher.pk, "role": Role.TEACHER},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="editor">')
    assert cast.teacher.name in body
    assert Assignment.objects.filter(shift=shift, staff=cast.teacher).exists()


def test_a_person_from_another_school_cannot_be_assigned_by_id(client, cast, draft):
    shift = draft.shifts.first()
    login(client, cast.admin)
    client.post(reverse("roster:assign", args=[draft.pk, shift.pk]),
                {"staff": cast.other_teacher.pk, "role": Role.TEACHER})  # fmt: skip
    assert not Assignment.objects.exists()


def test_the_candidates_list_ranks_people_who_break_no_rule_first(client, cast, draft):
    from roster.models import RosterSettings
    from staff.tests.factories import make_staff

    RosterSettings.objects.create(school=cast.school, weekly_cap=1)
    fresh = make_staff(cast.school, Role.TEACHER, name="新老师")
    shifts = list(draft.shifts.order_by("date"))
    services.assign_duty(shift=shifts[0], staff=cast.teacher, role=Role.TEACHER, actor=None)
    login(client, cast.admin)
    response = client.get(
        reverse("roster:candidates", args=[draft.pk, shifts[1].pk]), {"role": Role.TEACHER}
    )
    candidates = response.context["candidates"]
    assert [c["staff"].name for c in candidates] == [fresh.name, cast.teacher.name]
    assert not candidates[0]["problems"]
    assert "1" in candidates[1]["problems"][0]  # the weekly cap, named
    assert cast.guard.name not in response.content.decode()  # not qualified as a teacher


def test_undo_reverses_the_last_change(client, cast, draft):
    shift = draft.shifts.first()
    services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    login(client, cast.admin)
    client.post(reverse("roster:undo", args=[draft.pk]))
    assert not Assignment.objects.exists()


def test_publishing_with_problems_shows_them_and_keeps_the_draft(client, cast, draft):
    login(client, cast.admin)
    response = client.post(reverse("roster:publish", args=[draft.pk]), follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == RosterStatus.DRAFT


def test_the_editor_uses_the_same_number_of_queries_for_more_staff(
    client, cast, draft, django_assert_max_num_queries
):
    from staff.tests.factories import make_staff

    login(client, cast.admin)
    url = reverse("roster:detail", args=[draft.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(40):
        make_staff(cast.school, Role.TEACHER)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_my_duties_lists_only_published_duties(client, cast, draft):
    shift = draft.shifts.first()
    services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    login(client, cast.teacher)
    assert not client.get(reverse("roster:mine")).context["duties"]
    Roster.objects.filter(pk=draft.pk).update(status=RosterStatus.PUBLISHED)
    assert len(client.get(reverse("roster:mine")).context["duties"]) == 1


def test_the_excel_and_pdf_downloads_carry_the_rosters_name(client, cast, draft):
    login(client, cast.leader)
    xlsx = client.get(reverse("roster:export", args=[draft.pk]))
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    assert "filename*=UTF-8''%E5%8D%81%E4%BA%8C%E6%9C%88.xlsx" in xlsx["Content-Disposition"]
    pdf = client.get(reverse("roster:pdf", args=[draft.pk]))
    assert pdf.content.startswith(b"%PDF")
    login(client, cast.other_admin)
    assert client.get(reverse("roster:export", args=[draft.pk])).status_code == 404


def test_importing_an_exported_file_round_trips_through_the_page(client, cast, draft):
    shift = draft.shifts.order_by("date").first()
    services.assign_duty(shift=shift, staff=cast.teacher, role=Role.TEACHER, actor=None)
    login(client, cast.admin)
    content = client.get(reverse("roster:export", args=[draft.pk])).content
    Assignment.objects.all().delete()
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.xlsx", content)
    response = client.post(reverse("roster:import", args=[draft.pk]), {"file": upload})
    assert response.status_code == 302
    assert Assignment.objects.filter(shift=shift, staff=cast.teacher).exists()


def test_the_calendar_feed_needs_its_secret_token_and_no_login(client, cast):
    """The feed holds the last 60 days and the future on the real clock, so the duty is dated
    from the real local today (any kind of day)."""
    from roster.availability import school_today
    from roster.ical import feed_token
    from roster.models import DayKind

    ShiftType.objects.create(
        school=cast.school, name="白班", start_time=time(8), duration_minutes=540,
        day_kinds=list(DayKind.values),
    )  # fmt: skip
    day = school_today(cast.school) + timedelta(days=3)
    roster = services.create_roster(school=cast.school, name="近日", start=day, end=day,
                                    actor=None)  # fmt: skip
    services.assign_duty(shift=roster.shifts.get(), staff=cast.teacher, role=Role.TEACHER,
                         actor=None)  # fmt: skip
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    token = feed_token(cast.teacher)
    response = client.get(reverse("roster:feed", args=[token]))
    assert response.status_code == 200
    assert b"BEGIN:VEVENT" in response.content
    forged = f"{cast.leader.pk}.{token.split('.', 1)[1]}"
    assert client.get(reverse("roster:feed", args=[forged])).status_code == 404
