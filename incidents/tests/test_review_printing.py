"""The printed incident report: Chinese text really in the PDF; who may print it."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from django.urls import reverse

from incidents.services import plans as plan_services
from incidents.services import reporting
from incidents.services import review as review_services
from incidents.tests.factories_review import NOW, actor, make_incident, make_plan, write_report

pytestmark = pytest.mark.django_db


def pdftotext(content: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext is missing: install poppler-utils"
    source = tmp_path / "incident.pdf"
    source.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"],
        capture_output=True,
        check=True,
        timeout=60,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    return done.stdout.decode()


def test_the_pdf_has_the_first_report_fields_timeline_checklist_and_review(client, cast, tmp_path):
    make_plan(cast)
    incident = make_incident(cast, first_measures="疏散三楼学生，切断电源")
    plan_services.attach_plan(incident)
    step = incident.plan.version.steps.first()
    plan_services.tick_step(incident=incident, step_id=step.pk, actor=actor(cast.teacher), now=NOW)
    report = write_report(cast, incident)
    review_services.submit_report(report=report, actor=actor(cast.teacher), now=NOW)
    reporting.open_clocks(incident=incident, now=NOW)
    reporting.log_report(incident=incident, kind="verbal", actor=cast.principal.user,
                         contact="区教育局安全科张科长", text="电话初报", now=NOW)  # fmt: skip
    client.force_login(cast.principal.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = client.get(reverse("incidents:print", args=[incident.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(pdftotext(response.content, tmp_path).split())
    for expected in (
        "甲小学",
        "教学楼三楼",
        "三楼烟雾报警",
        "疏散三楼学生",
        "发现火情立即报告",
        "电线老化短路",
        "更换三楼老化电线",
        "加强用电巡查",
        "事故灾难",
        "向上级报告",
        "电话初报",
        "区教育局安全科张科长",
        "书面初报",
        "尚未报告",
    ):
        assert expected in text, expected


def test_only_leaders_principal_and_office_print_and_never_another_school(client, cast):
    incident = make_incident(cast)
    url = reverse("incidents:print", args=[incident.pk])
    for someone, status in (
        (cast.leader, 200),
        (cast.admin, 200),
        (cast.teacher, 403),
        (cast.other_admin, 404),
        (cast.guard, 404),
    ):
        client.force_login(someone.user)
        assert client.get(url).status_code == status, someone
    client.force_login(cast.official.user)  # not escalated to the bureau
    assert client.get(url).status_code == 404
