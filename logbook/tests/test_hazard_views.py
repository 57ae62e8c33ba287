"""Hazard pages: the register (filters, pagination, exact query count, Excel), the detail page
and its workflow forms, the school boundary and bad input."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from logbook.models import Hazard, HazardStatus
from logbook.services import hazard as services
from logbook.tests.factories import at
from logbook.tests.test_patrol_services import actor

pytestmark = pytest.mark.django_db
# session, user, staff, roles, years, count, page rows
REGISTER_QUERIES = 7
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def english(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def make(cast, n=1, *, school=None, who=None, now=None, **extra) -> list[Hazard]:
    school = school or cast.school
    who = who or (cast.teacher if school == cast.school else cast.other_teacher)
    fields = {"location": "操场", "description": "篮球架松动"} | extra
    return [
        services.report_hazard(school=school, actor=actor(who), now=now, **fields) for _ in range(n)
    ]


def count_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_register_query_count_does_not_grow_with_the_ledger(client, cast):
    client.force_login(cast.teacher.user)
    url = reverse("logbook:hazards")
    make(cast, 2)
    assert count_queries(client, url) == REGISTER_QUERIES
    for hazard in make(cast, 30):
        services.assign_hazard(hazard=hazard, responsible=cast.tech, due_date=timezone.localdate(),
                               actor=actor(cast.leader))  # fmt: skip
    assert count_queries(client, url) == REGISTER_QUERIES
    assert count_queries(client, url + "?page=2&status=assigned") == REGISTER_QUERIES


def test_every_staff_role_sees_the_register_of_their_own_school_only(client, cast):
    mine = make(cast)[0]
    theirs = make(cast, school=cast.other_school)[0]
    for person in (cast.teacher, cast.guard, cast.tech, cast.leader, cast.principal, cast.admin):
        client.force_login(person.user)
        page = client.get(reverse("logbook:hazards")).content.decode()
        assert f'id="hazard-{mine.pk}"' in page and f'id="hazard-{theirs.pk}"' not in page
    client.force_login(cast.official.user)
    assert client.get(reverse("logbook:hazards")).status_code == 403


def test_register_filters_year_carry_over_status_severity_overdue_text(client, cast):
    last_year = make(cast, now=at(date(2025, 11, 3), 9), location="旧围墙")[0]
    closed_last_year = make(cast, now=at(date(2025, 10, 3), 9), location="旧灯")[0]
    Hazard.objects.filter(pk=closed_last_year.pk).update(
        status=HazardStatus.CLOSED, closed_at=at(date(2025, 12, 1), 9)
    )
    this_year = make(cast, now=at(date(2026, 3, 3), 9), location="新食堂", severity="major")[0]
    overdue = make(cast, now=at(date(2026, 4, 3), 9), location="配电房", category="electric")[0]
    Hazard.objects.filter(pk=overdue.pk).update(
        status=HazardStatus.ASSIGNED, due_date=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(cast.teacher.user)

    def shown(**params) -> set[int]:
        response = client.get(reverse("logbook:hazards"), params)
        return {h.pk for h in response.context["page"]}

    assert shown(year=2026) == {last_year.pk, this_year.pk, overdue.pk}  # open items carry over
    assert shown(year=2025) == {last_year.pk, closed_last_year.pk}
    assert shown(severity="major") == {this_year.pk}
    assert shown(status="assigned") == {overdue.pk}
    assert shown(category="electric") == {overdue.pk}
    assert shown(overdue="on") == {overdue.pk}
    assert shown(text="食堂") == {this_year.pk}
    assert len(shown(year="not-a-year", status="nonsense")) == 4  # bad filters: ignored, no 500


def test_the_excel_export_has_the_ledger_columns_and_the_filtered_rows(client, cast):
    make(cast, 3)
    make(cast, school=cast.other_school)
    client.force_login(cast.leader.user)
    response = client.get(reverse("logbook:hazard-export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in sheet[2]]
    for column in ("No.", "Found at", "Found by", "Location", "Category", "Description",
                   "Severity", "Measures", "Cost (yuan)", "Responsible department",
                   "Responsible person", "Time limit", "Interim protection", "Result",
                   "Verified by", "Closed out", "Status", "Reported to the bureau"):  # fmt: skip
        assert column in headers
    assert sheet.max_row == 2 + 3
    assert sheet.cell(3, 4).value == "操场"


def test_a_formula_typed_into_a_hazard_stays_text_in_the_export(client, cast):
    make(cast, description='=HYPERLINK("http://evil.example","x")')
    client.force_login(cast.leader.user)
    response = client.get(reverse("logbook:hazard-export"))
    cell = load_workbook(io.BytesIO(response.content)).active.cell(3, 6)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_another_schools_hazard_is_404_for_every_action(client, cast):
    hazard = make(cast)[0]
    client.force_login(cast.other_admin.user)
    assert client.get(reverse("logbook:hazard", args=[hazard.pk])).status_code == 404
    for name in ("hazard-assign", "hazard-fix", "hazard-verify", "hazard-close", "hazard-photo"):
        assert client.post(reverse(f"logbook:{name}", args=[hazard.pk]), {}).status_code == 404
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.OPEN


def test_a_teacher_cannot_assign_or_verify_through_the_pages(client, cast):
    hazard = make(cast)[0]
    client.force_login(cast.teacher.user)
    page = client.get(reverse("logbook:hazard", args=[hazard.pk])).content.decode()
    assert 'id="hazard-assign"' not in page
    response = client.post(reverse("logbook:hazard-assign", args=[hazard.pk]),
                           {"responsible": cast.teacher.pk, "due_kind": "immediate",
                            "severity": "general", "category": "other"})  # fmt: skip
    assert response.status_code == 403
    assert client.post(reverse("logbook:hazard-verify", args=[hazard.pk]),
                       {"accepted": "1"}).status_code == 403  # fmt: skip
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.OPEN


def test_the_workflow_through_the_pages(client, cast):
    hazard = make(cast)[0]
    due = timezone.localdate() + timedelta(days=3)
    client.force_login(cast.leader.user)
    response = client.post(reverse("logbook:hazard-assign", args=[hazard.pk]), {
        "responsible": cast.tech.pk, "department": "总务处", "due_kind": "deadline",
        "due_date": due.isoformat(), "measures": "更换底座", "severity": "general",
        "category": "sports",
    })  # fmt: skip
    assert response.status_code == 302
    client.force_login(cast.tech.user)
    client.post(reverse("logbook:hazard-fix", args=[hazard.pk]),
                {"result": "已更换", "cost": "88.00"})  # fmt: skip
    page = client.get(reverse("logbook:hazard", args=[hazard.pk])).content.decode()
    assert 'id="hazard-verify"' not in page  # the fixer is not offered verification
    client.force_login(cast.principal.user)
    client.post(reverse("logbook:hazard-verify", args=[hazard.pk]), {"accepted": "1"})
    client.post(reverse("logbook:hazard-close", args=[hazard.pk]), {"note": "销号"})
    hazard.refresh_from_db()
    assert hazard.status == HazardStatus.CLOSED and str(hazard.cost) == "88.00"
    page = client.get(reverse("logbook:hazard", args=[hazard.pk])).content.decode()
    for label in ("Reported", "Fix assigned", "Marked fixed", "Verified", "Closed out"):
        assert label in page


@pytest.mark.parametrize("bad", ["2026-02-30", "2026-13-01", "tomorrow"])
def test_an_impossible_due_date_is_a_form_error_and_nothing_changes(client, cast, bad):
    hazard = make(cast)[0]
    client.force_login(cast.leader.user)
    response = client.post(reverse("logbook:hazard-assign", args=[hazard.pk]), {
        "responsible": cast.tech.pk, "due_kind": "deadline", "due_date": bad,
        "severity": "general", "category": "other",
    })  # fmt: skip
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert Hazard.objects.get(pk=hazard.pk).status == HazardStatus.OPEN


def test_a_past_due_date_and_mass_assigned_fields_are_refused_or_ignored(client, cast):
    hazard = make(cast)[0]
    client.force_login(cast.leader.user)
    response = client.post(reverse("logbook:hazard-assign", args=[hazard.pk]), {
        "responsible": cast.tech.pk, "due_kind": "deadline", "severity": "general",
        "category": "other", "due_date": (timezone.localdate() - timedelta(days=1)).isoformat(),
    })  # fmt: skip
    assert "cannot be in the past" in response.content.decode()
    client.force_login(cast.teacher.user)
    client.post(reverse("logbook:hazard-new"), {
        "location": "x", "description": "y", "category": "other", "severity": "general",
        "status": "closed", "school": cast.other_school.pk, "number": 999,
    })  # fmt: skip
    new = Hazard.objects.latest("pk")
    assert (new.status, new.school, new.number) == ("open", cast.school, 2)


def test_free_text_is_rendered_escaped(client, cast):
    client.force_login(cast.teacher.user)
    client.post(reverse("logbook:hazard-new"), {
        "location": XSS, "description": XSS, "category": "other", "severity": "general",
        "interim_protection": XSS,
    })  # fmt: skip
    hazard = Hazard.objects.get()
    for url in (reverse("logbook:hazard", args=[hazard.pk]), reverse("logbook:hazards")):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page


def test_a_missing_description_is_a_clear_error(client, cast):
    client.force_login(cast.teacher.user)
    response = client.post(
        reverse("logbook:hazard-new"), {"location": "x", "category": "other", "severity": "general"}
    )
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not Hazard.objects.exists()


def test_state_changes_refuse_get(client, cast):
    hazard = make(cast)[0]
    client.force_login(cast.leader.user)
    assert client.get(reverse("logbook:hazard-close", args=[hazard.pk])).status_code == 405
