"""Who sees which scores, the settings page's checks, the printed record and the pages' cost."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from assessment.models import AssessmentSettings, MonthScore
from assessment.services.config import settings_for
from assessment.services.record import compute_month
from assessment.tests.factories_record import criterion, inspect, last_month
from staff.models import Role
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "assessment"


@pytest.fixture
def scored(cast):
    month = last_month()
    crit = criterion(cast.school, "20", name="遵守制度")
    scores = {(cast.teacher, crit): "19", (cast.guard, crit): "8"}
    inspect(cast.school, month, cast.leader, scores, notes="交接班记录完整")
    compute_month(school=cast.school, month=month)
    return month


def page(client, who, name, *args, query=""):
    client.force_login(who.user)
    return client.get(reverse(name, args=args) + query)


def test_a_teacher_sees_their_own_record_and_not_a_colleagues(client, cast, scored):
    mine = page(client, cast.teacher, "assessment:record", cast.teacher.pk,
                query=f"?year={scored.year}")  # fmt: skip
    assert mine.status_code == 200
    assert "95.0" in mine.content.decode()
    assert page(client, cast.teacher, "assessment:record", cast.guard.pk).status_code == 403
    assert page(client, cast.teacher, "assessment:person-month", cast.guard.pk).status_code == 403
    assert page(client, cast.teacher, "assessment:record-pdf", cast.guard.pk).status_code == 403
    # Another school's person: not even there.
    assert page(client, cast.teacher, "assessment:record", cast.other_teacher.pk).status_code == 404
    assert page(client, cast.other_admin, "assessment:record", cast.teacher.pk).status_code == 404


def test_my_record_leads_to_my_own_page(client, cast):
    response = page(client, cast.guard, "assessment:mine")
    assert response["Location"] == reverse("assessment:record", args=[cast.guard.pk])


def test_the_ranking_is_the_principals_only(client, cast, scored):
    for who in (cast.leader, cast.admin, cast.teacher, cast.other_admin):
        assert page(client, who, "assessment:scores").status_code == 403
        client.force_login(who.user)
        refused = client.post(reverse("assessment:scores-finalise"), {"month": f"{scored:%Y-%m}"})
        assert refused.status_code == 403
    assert not MonthScore.objects.filter(finalized_at__isnull=False).exists()
    response = page(client, cast.principal, "assessment:scores", query=f"?month={scored:%Y-%m}")
    assert response.status_code == 200
    rows = [r.staff for r in response.context["rows"]]
    assert rows[:2] == [cast.teacher, cast.guard]  # best first
    assert [r.staff for r in response.context["shortlist"]] == [cast.teacher]  # 95 ≥ 90 %
    assert [r.staff for r in response.context["failing"]] == [cast.guard]  # 40 < 60 %


def test_the_principal_drills_into_one_person_with_the_inspection_notes(client, cast, scored):
    response = page(client, cast.principal, "assessment:person-month", cast.guard.pk,
                    query=f"?month={scored:%Y-%m}")  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert "交接班记录完整" in body and "8.0/20.0" in body
    assert 'id="metrics-note"' in body


def test_the_principal_finalises_a_past_month(client, cast, scored):
    client.force_login(cast.principal.user)
    client.post(reverse("assessment:scores-finalise"), {"month": f"{scored:%Y-%m}"})
    assert MonthScore.objects.filter(month=scored, finalized_at__isnull=True).count() == 0


def test_the_scores_page_costs_the_same_for_more_people(client, cast, scored):
    client.force_login(cast.principal.user)
    url = reverse("assessment:scores") + f"?month={scored:%Y-%m}"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(15):
        make_staff(cast.school, Role.TEACHER)
    compute_month(school=cast.school, month=scored)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(response.context["rows"]) == 21
    assert len(after) == len(before)


def test_weights_that_do_not_add_up_to_100_are_refused_with_a_clear_message(client, cast):
    settings_for(cast.school)
    client.force_login(cast.admin.user)
    data = {"full_marks": 10, "pass_mark": 60, "failing_months_flag": 2,
            "weight_inspection": 60, "weight_peer": 20, "weight_feedback": 10,
            "weight_metrics": 30}  # fmt: skip
    response = client.post(reverse("assessment:settings"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "add up to 90 %" in response.content.decode()  # metrics are off: 60 + 20 + 10
    row = AssessmentSettings.objects.get(school=cast.school)
    assert (row.full_marks, row.weight_inspection) == (100, 70)  # nothing saved
    data["metrics_count"] = "on"
    data["weight_inspection"] = 40
    assert client.post(reverse("assessment:settings"), data).status_code == 302
    row.refresh_from_db()
    assert (row.full_marks, row.weight_metrics, row.metrics_count) == (10, 30, True)


def test_settings_are_for_the_office_and_the_principal(client, cast):
    assert page(client, cast.teacher, "assessment:settings").status_code == 403
    assert page(client, cast.leader, "assessment:settings").status_code == 403
    assert page(client, cast.principal, "assessment:settings").status_code == 200


def test_the_home_page_links_the_parts_by_role(client, cast):
    teacher = page(client, cast.teacher, "assessment:home").content.decode()
    principal = page(client, cast.principal, "assessment:home").content.decode()
    assert reverse("assessment:scores") not in teacher
    assert reverse("assessment:mine") in teacher
    assert reverse("assessment:scores") in principal
    assert reverse("assessment:settings") in principal
    assert reverse("assessment:feedback") in principal  # moderation is one click from home
    assert 'href="' + reverse("assessment:feedback") + '"' not in teacher


def test_the_annual_record_prints_with_its_chinese_text(client, cast, scored, tmp_path):
    assert shutil.which("pdftotext"), "install poppler-utils (scripts/bootstrap.sh)"
    response = page(client, cast.teacher, "assessment:record-pdf", cast.teacher.pk,
                    query=f"?year={scored.year}")  # fmt: skip
    assert response["Content-Type"] == "application/pdf"
    source = tmp_path / "record.pdf"
    source.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(source), "-"], capture_output=True,
                          check=True, timeout=60,
                          env={**os.environ, "LC_ALL": "C.UTF-8"}).stdout.decode()  # fmt: skip
    assert cast.teacher.name in text and "甲小学" in text
    assert "年度考核档案" in text or "Annual assessment record" in text
    assert f"{scored:%Y-%m}" in text and "95.0" in text
    assert "交接班记录完整" in text


def test_the_record_templates_have_no_inline_styles_or_scripts():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert "style=" not in text and "<script" not in text, path


def test_a_month_with_nothing_scored_shows_dashes(client, cast):
    response = page(client, cast.teacher, "assessment:person-month", cast.teacher.pk,
                    query=f"?month={date(2026, 3, 1):%Y-%m}")  # fmt: skip
    assert response.status_code == 200
    assert response.context["row"] is None


def test_the_principal_recomputes_a_month_now(client, cast):
    month = last_month()
    crit = criterion(cast.school)
    inspect(cast.school, month, cast.leader, {(cast.teacher, crit): "10"})
    client.force_login(cast.principal.user)
    response = client.post(reverse("assessment:scores-recompute"), {"month": f"{month:%Y-%m}"})
    assert response.status_code == 302
    assert MonthScore.objects.get(staff=cast.teacher, month=month).total == Decimal("50.0")


def test_a_persons_month_shows_only_the_evidence_behind_their_own_scores(client, cast):
    from assessment.models import EvidenceKind, EvidenceLink, InspectionScore

    month = last_month()
    crit = criterion(cast.school, "20", name="值班记录完整")
    scores = {(cast.teacher, crit): "18", (cast.guard, crit): "9"}
    done = inspect(cast.school, month, cast.leader, scores)
    guards = InspectionScore.objects.get(inspection=done, subject=cast.guard)
    EvidenceLink.objects.create(
        inspection=done, score=guards, kind=EvidenceKind.LOG, object_id=987654
    )
    compute_month(school=cast.school, month=month)
    query = f"?month={month:%Y-%m}"

    def links(who) -> list:
        response = page(client, cast.principal, "assessment:person-month", who.pk, query=query)
        assert response.status_code == 200
        return [link for view in response.context["inspections"] for link in view.links]

    assert len(links(cast.guard)) == 1  # the guard's log (since removed, so shown without a url)
    assert links(cast.teacher) == []  # the same inspection, but nothing behind the teacher's
