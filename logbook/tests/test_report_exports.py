"""Exports of the duty record (值班记录表) as PDF and Excel, and the bureau's month sheet."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from logbook.exports import BUREAU_HEADER, HEADER
from logbook.services import report as services
from logbook.tests.factories import DAY, at, make_roster, staffed_shift
from logbook.tests.report_factories import fill
from staff.queries import actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def filled(cast):
    roster = make_roster(cast.school)
    fill(staffed_shift(cast, roster=roster), author=cast.teacher, leader=cast.leader)
    return roster


def pdftotext(content: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext is missing: install poppler-utils"
    source = tmp_path / "record.pdf"
    source.write_bytes(content)
    done = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, check=True, timeout=60,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )  # fmt: skip
    return done.stdout.decode()


def export(client, scope: str, fmt: str, **params):
    url = reverse("logbook:daily-export", kwargs={"scope": scope, "fmt": fmt})
    return client.get(url, params)


def test_a_day_as_pdf_carries_the_chinese_text_of_the_record(client, cast, filled, tmp_path):
    client.force_login(cast.principal.user)
    response = export(client, "day", "pdf", date=DAY)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdftotext(response.content, tmp_path)
    for words in ("甲小学", "值班记录表", "带班领导", "巡查记录", "灭火器在位在期有压", "李访客",
                  "巡查正常", "领导查岗", "交接事项", "拒签", cast.leader.name):  # fmt: skip
        assert words in text, words


def test_a_month_as_pdf_has_a_page_per_duty_day(client, cast, filled, tmp_path):
    client.force_login(cast.admin.user)
    response = export(client, "month", "pdf", month="2026-12")
    assert response.status_code == 200
    text = pdftotext(response.content, tmp_path)
    assert "2026-12-07" in text and "2026-12-09" in text


def test_a_day_as_excel_has_the_paper_forms_header(client, cast, filled):
    client.force_login(cast.leader.user)
    response = export(client, "day", "xlsx", date=DAY)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book[f"{DAY:%m-%d}"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header_at = [i for i, row in enumerate(rows) if list(row[: len(HEADER)]) == HEADER]
    assert len(header_at) == 2  # 白班 and 夜班
    values = rows[header_at[0] + 1]
    assert values[0] == f"{DAY:%Y-%m-%d}" and values[1] == "星期二" and values[2] == "晴"
    assert values[4] == cast.leader.name
    flat = [str(c) for row in rows for c in row if c is not None]
    for title in ("巡查记录", "来电来文", "来访", "突发事件及处置", "领导查岗", "交接事项",
                  "值班人签字", "带班领导审阅签字"):  # fmt: skip
        assert title in flat, title
    assert "教育局来电询问值班情况" in flat


def test_a_month_as_excel_has_a_sheet_per_duty_day(client, cast, filled):
    client.force_login(cast.admin.user)
    response = export(client, "month", "xlsx", month="2026-12")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["12-07", "12-08", "12-09"]


@pytest.mark.parametrize(
    ("scope", "params"), [("day", {"date": "2026-02-30"}), ("month", {"month": "2026-13"}),
                          ("month", {"month": "x"}), ("day", {})],
)  # fmt: skip
def test_a_bad_date_or_month_is_not_found_not_a_500(client, cast, scope, params):
    client.force_login(cast.admin.user)
    assert export(client, scope, "pdf", **params).status_code == 404


def test_duty_staff_cannot_export(client, cast):
    client.force_login(cast.teacher.user)
    assert export(client, "day", "pdf", date=DAY).status_code == 403


def test_the_bureaus_month_is_one_sheet_one_row_per_school_per_day(client, cast):
    services.create_reporting_period(
        name="汛期", start=date(2026, 11, 10), end=date(2026, 11, 12),
        actor=actor_for(cast.official.user),
    )  # fmt: skip
    services.submit_daily_report(
        school=cast.school, day=date(2026, 11, 11), actor=actor_for(cast.admin.user),
        content={"leader": "余明轩", "no_incident": True, "reporter_name": "王办公",
                 "on_post": True},
        now=at(date(2026, 11, 11), 18),
    )  # fmt: skip
    client.force_login(cast.official.user)
    response = client.get(reverse("logbook:bureau-export"), {"month": "2026-11"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == BUREAU_HEADER
    assert len(rows) == 1 + 3 * 2
    mine = [r for r in rows if r[0] == "甲小学" and r[1] == "2026-11-11"]
    assert mine[0][4] == "逾期报送" and mine[0][8] == "是"
    assert {r[4] for r in rows[1:] if r[0] == "乙小学"} == {"未报送"}


def test_the_bureau_export_is_for_officials_only(client, cast):
    client.force_login(cast.principal.user)
    assert client.get(reverse("logbook:bureau-export"), {"month": "2026-11"}).status_code == 403
    client.force_login(cast.other_official.user)
    response = client.get(reverse("logbook:bureau-export"), {"month": "2026-11"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # the header only: none of these schools


def test_a_higher_apps_section_shows_on_the_page_and_in_the_exports(client, cast, monkeypatch):
    from logbook import report

    def incidents(school, day):
        return {"title": "突发事件", "rows": [["时间", "情况"], ["10:00", "食堂油锅起火"]],
                "event_count": 1}  # fmt: skip

    monkeypatch.setattr(report, "DAILY_SECTIONS", [incidents])
    make_roster(cast.school)
    client.force_login(cast.principal.user)
    page = client.get(reverse("logbook:daily"), {"date": DAY}).content.decode()
    assert "突发事件" in page and "食堂油锅起火" in page
    book = load_workbook(io.BytesIO(export(client, "day", "xlsx", date=DAY).content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert "突发事件" in cells and "食堂油锅起火" in cells
