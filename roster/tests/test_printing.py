"""The printable roster PDF: A4 landscape, one page per month, Chinese text really there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from roster import services
from roster.excel import apply_roster_import, parse_roster_xlsx
from roster.printing import roster_pdf
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import School

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parent / "data" / "roster-2026-12.xlsx"  # copy of shared/samples


def poppler(tool: str, *args: str, content: bytes, tmp_path: Path) -> str:
    # No skipping: poppler-utils is installed by scripts/bootstrap.sh like the other tools.
    assert shutil.which(tool), f"{tool} is missing: install poppler-utils (scripts/bootstrap.sh)"
    source = tmp_path / "roster.pdf"
    source.write_bytes(content)
    done = subprocess.run(
        [tool, *args, str(source), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True, check=True, timeout=60,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )  # fmt: skip
    return done.stdout.decode()


@pytest.fixture
def school():
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    services.create_default_shift_types(school=school)
    return school


def test_a_month_prints_on_one_a4_landscape_page_with_its_chinese_text(school, tmp_path):
    roster = services.create_roster(
        school=school, name="2026年12月", start=date(2026, 12, 1), end=date(2026, 12, 31),
        actor=None,
    )  # fmt: skip
    plan = parse_roster_xlsx(roster=roster, content=SAMPLE.read_bytes())
    apply_roster_import(roster=roster, plan=plan, actor=None)
    pdf = roster_pdf(roster)
    assert pdf.startswith(b"%PDF")
    info = poppler("pdfinfo", content=pdf, tmp_path=tmp_path)
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert "841.89 x 595.276 pts (A4)" in info  # landscape
    text = poppler("pdftotext", "-layout", content=pdf, tmp_path=tmp_path)
    assert "示范区实验小学2026年12月值班安排表" in text
    assert "余明轩" in text and "冯秀英、刘勇" in text
    assert "带班领导" in text and "星期二" in text and "0571-88880000" in text


def test_longer_rosters_take_a_page_per_31_days(school, tmp_path):
    roster = services.create_roster(
        school=school, name="2026年秋季学期末", start=date(2026, 11, 1), end=date(2026, 12, 31),
        actor=None,
    )  # fmt: skip
    pdf = roster_pdf(roster)
    info = poppler("pdfinfo", content=pdf, tmp_path=tmp_path)
    assert re.search(r"^Pages:\s+2$", info, re.M), info
    text = poppler("pdftotext", content=pdf, tmp_path=tmp_path)
    assert text.count("日期") == 2  # the header row repeats on each page
    assert "2026-11-01" in text and "2026-12-31" in text
