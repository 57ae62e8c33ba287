"""The 值班安排表 in Excel: the schools' layout out, the same layout back in."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from roster import services
from roster.excel import (
    RosterFileError,
    apply_roster_import,
    export_roster_xlsx,
    parse_roster_xlsx,
)
from roster.models import Assignment, Roster, RosterChange, RosterStatus
from roster.services import RosterError
from staff.demo import SCHOOL_NAME, seed_demo
from staff.models import Role, School, Staff, StaffRole, User

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parent / "data" / "roster-2026-12.xlsx"  # copy of shared/samples
SAMPLE_HEADERS = [
    "日期", "星期", "带班领导", "白班值班教师(08:00-17:00)", "夜班值班教师(17:00-次日08:00)",
    "白班保安", "夜班保安", "备注",
]  # fmt: skip


@pytest.fixture
def demo():
    seed_demo()
    school = School.objects.get(name=SCHOOL_NAME)
    services.create_default_shift_types(school=school)
    return school


def december(school) -> Roster:
    return services.create_roster(
        school=school, name="2026年12月", start=date(2026, 12, 1), end=date(2026, 12, 31),
        actor=None,
    )  # fmt: skip


def snapshot(roster) -> set[tuple]:
    return set(
        Assignment.objects.filter(shift__roster=roster).values_list(
            "shift__date", "shift__shift_type__name", "staff_id", "role"
        )
    )


def sample_bytes() -> bytes:
    assert SAMPLE.exists(), f"the sample file is missing: {SAMPLE}"
    return SAMPLE.read_bytes()


def edited_sample(edit) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(sample_bytes()))
    edit(book.active)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_schools_sample_file_reads_against_the_demo_school(demo):
    roster = december(demo)
    plan = parse_roster_xlsx(roster=roster, content=sample_bytes())
    assert len(plan.dates) == 31
    # 23 school days: leader, 2 day teachers, 1 night teacher, 2 guards = 6; 8 weekend days on
    # the 24-hour 节假日值班: leader, 3 teachers, 2 guards = 6.
    assert len(plan.duties) == 31 * 6
    result = apply_roster_import(roster=roster, plan=plan, actor=None)
    assert result.added == 31 * 6 and result.removed == 0
    first = Assignment.objects.filter(shift__roster=roster, shift__date=date(2026, 12, 1))
    assert set(first.values_list("shift__shift_type__name", "staff__name", "role")) == {
        ("白班", "余明轩", Role.LEADER), ("白班", "冯秀英", Role.TEACHER),
        ("白班", "刘勇", Role.TEACHER), ("夜班", "刘玉珍", Role.TEACHER),
        ("白班", "陈静怡", Role.GUARD), ("夜班", "高宏伟", Role.GUARD),
    }  # fmt: skip
    saturday = Assignment.objects.filter(shift__roster=roster, shift__date=date(2026, 12, 5))
    assert set(saturday.values_list("shift__shift_type__name", flat=True)) == {"节假日值班"}
    assert sorted(saturday.values_list("role", flat=True)) == sorted(
        [Role.LEADER, Role.TEACHER, Role.TEACHER, Role.TEACHER, Role.GUARD, Role.GUARD]
    )
    rules = {v.rule for v in result.violations if v.error}
    # What the sample reveals: it puts teachers on weekends, which the MOE 2025 guardrail flags
    # (8 weekend days × 3 teachers); nobody is unqualified, and every shift is covered.
    burden = [v for v in result.violations if v.rule == "teacher_burden"]
    assert len(burden) == 8 * 3
    assert "qualification" not in rules and "coverage" not in rules
    assert RosterChange.objects.filter(roster=roster, action="assigned").count() == 31 * 6


def test_export_writes_the_schools_layout(demo):
    roster = december(demo)
    apply_roster_import(
        roster=roster, plan=parse_roster_xlsx(roster=roster, content=sample_bytes()), actor=None
    )
    book = openpyxl.load_workbook(io.BytesIO(export_roster_xlsx(roster)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "示范区实验小学2026年12月值班安排表"
    assert list(rows[1]) == SAMPLE_HEADERS
    assert rows[2][:7] == (
        "2026-12-01", "星期二", "余明轩", "冯秀英、刘勇", "刘玉珍", "陈静怡", "高宏伟",
    )  # fmt: skip
    assert rows[6][:2] == ("2026-12-05", "星期六")
    # The weekend's 24-hour duty, written as the sample writes it.
    assert rows[6][2:7] == ("余明轩", "曾桂英、曾磊", "杨勇", "高敏", "韩志强")
    assert "周末" in rows[6][7] and "节假日值班" in rows[6][7]
    assert len([r for r in rows if r[0] and str(r[0]).startswith("2026-12-")]) == 31
    assert "0571-88880000" in rows[-1][0] and "08:00、17:00" in rows[-1][0]
    assert "A1:H1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$2:$2"
    assert sheet.column_dimensions["D"].width == 26
    assert sheet["D3"].border.left.style == "thin"


def test_export_then_import_on_a_fresh_roster_gives_the_same_duties(demo):
    roster = december(demo)
    apply_roster_import(
        roster=roster, plan=parse_roster_xlsx(roster=roster, content=sample_bytes()), actor=None
    )
    # Two people with one name: the export writes the phone, the import needs it.
    twin = Staff.objects.create(school=demo, name="张娟", phone="13800001999", position="教师")
    StaffRole.objects.create(staff=twin, role=Role.TEACHER)
    shift = roster.shifts.get(date=date(2026, 12, 2), shift_type__name="白班")
    Assignment.objects.create(shift=shift, staff=twin, role=Role.TEACHER)
    before = snapshot(roster)
    content = export_roster_xlsx(roster)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["D4"].value == "卢国栋、吴淑芬、张娟(13800001999)"
    assert sheet["D5"].value.startswith("宋文博、张娟(13800001")  # the other 张娟, by phone

    roster.delete()
    fresh = december(demo)
    result = apply_roster_import(
        roster=fresh, plan=parse_roster_xlsx(roster=fresh, content=content), actor=None
    )
    assert snapshot(fresh) == before
    assert result.added == len(before)
    # Importing the same file again changes nothing and records nothing.
    changes = RosterChange.objects.filter(roster=fresh).count()
    again = apply_roster_import(
        roster=fresh, plan=parse_roster_xlsx(roster=fresh, content=content), actor=None
    )
    assert (again.added, again.removed, again.kept) == (0, 0, len(before))
    assert RosterChange.objects.filter(roster=fresh).count() == changes


def test_every_bad_row_is_reported_with_its_row_and_column_and_nothing_is_applied(demo):
    Staff.objects.create(school=demo, name="刘勇", phone="13800001998", position="教师")
    roster = december(demo)

    def break_it(sheet):
        sheet["D3"] = "冯秀英、王小明"  # unknown person
        sheet["A4"] = "2027-01-01"  # outside the roster
        sheet["A5"] = "2026-12-01"  # the same date twice
        sheet["D10"] = "刘勇、刘玉珍"  # 刘勇 is now two people
        sheet["A11"] = "某天"  # not a date, with names on the row

    with pytest.raises(RosterFileError) as caught:
        parse_roster_xlsx(roster=roster, content=edited_sample(break_it))
    found = {(e.line, e.column) for e in caught.value.errors}
    assert found >= {
        (3, "白班值班教师(08:00-17:00)"), (4, "日期"), (5, "日期"),
        (10, "白班值班教师(08:00-17:00)"), (11, "日期"),
    }  # fmt: skip
    messages = " ".join(e.message for e in caught.value.errors)
    assert "王小明" in messages and "13800001" in messages  # asks for the phone
    assert not Assignment.objects.filter(shift__roster=roster).exists()


def test_a_guard_in_a_teacher_column_is_a_qualification_violation_after_apply(demo):
    roster = december(demo)
    content = edited_sample(lambda s: s.cell(row=3, column=4, value="冯秀英、陈磊"))  # 陈磊: 保安
    result = apply_roster_import(
        roster=roster, plan=parse_roster_xlsx(roster=roster, content=content), actor=None
    )
    wrong = [v for v in result.violations if v.rule == "qualification"]
    assert len(wrong) == 1 and "陈磊" in wrong[0].message
    assert Assignment.objects.get(
        shift__roster=roster, shift__date=date(2026, 12, 1), staff__name="陈磊",
        shift__shift_type__name="白班",
    ).role == Role.TEACHER  # fmt: skip


def test_headers_are_matched_without_their_time_suffix_and_unknown_columns_are_refused(demo):
    roster = december(demo)

    def rename(sheet):
        sheet["D2"] = "白班值班教师（8:00—17:00）"
        sheet["E2"] = "夜班值班教师"

    assert parse_roster_xlsx(roster=roster, content=edited_sample(rename)).duties

    with pytest.raises(RosterFileError) as caught:
        parse_roster_xlsx(roster=roster, content=edited_sample(lambda s: s.__setitem__("F2", "x")))
    assert {e.column for e in caught.value.errors} == {"x", "白班保安"}
    assert all(e.line == 2 for e in caught.value.errors)


def test_a_published_roster_is_replaced_only_with_a_reason_and_changes_are_recorded(demo):
    admin = User.objects.get(username="admin")
    roster = december(demo)
    plan = parse_roster_xlsx(roster=roster, content=sample_bytes())
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    roster.refresh_from_db()
    with pytest.raises(RosterError):
        apply_roster_import(roster=roster, plan=plan, actor=admin)
    assert not Assignment.objects.filter(shift__roster=roster).exists()
    apply_roster_import(roster=roster, plan=plan, actor=admin, reason="按校务会调整")
    changes = RosterChange.objects.filter(roster=roster, action="assigned")
    assert changes.count() == len(plan.duties)
    assert all(c.after_publishing and c.reason == "按校务会调整" for c in changes)

    fewer = parse_roster_xlsx(
        roster=roster, content=edited_sample(lambda s: s.cell(row=3, column=4, value="冯秀英"))
    )
    result = apply_roster_import(roster=roster, plan=fewer, actor=admin, reason="调整")
    assert (result.added, result.removed) == (0, 1)
    gone = RosterChange.objects.get(roster=roster, action="unassigned")
    assert gone.staff.name == "刘勇" and gone.actor == admin


def test_a_plan_read_for_another_roster_is_refused(demo):
    roster = december(demo)
    plan = parse_roster_xlsx(roster=roster, content=sample_bytes())
    other = services.create_roster(
        school=demo, name="2027年1月", start=date(2027, 1, 1), end=date(2027, 1, 31), actor=None
    )
    with pytest.raises(RosterError):
        apply_roster_import(roster=other, plan=plan, actor=None)
