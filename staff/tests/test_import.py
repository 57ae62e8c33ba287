"""Importing a staff list: all rows or none, with each problem named by line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from staff.importing import StaffFileError, parse_staff_file
from staff.models import Role, Staff, StaffRole
from staff.services import import_staff

SAMPLE = Path(__file__).resolve().parents[1] / "demo" / "staff-list.csv"
HEADER = "姓名,职务,手机,紧急联系人,紧急联系电话,可担任值班角色\n"


def csv_bytes(*lines: str, encoding: str = "utf-8-sig") -> bytes:
    return (HEADER + "".join(line + "\n" for line in lines)).encode(encoding)


def test_the_school_office_sample_parses_into_every_person():
    rows = parse_staff_file(filename="staff-list.csv", content=SAMPLE.read_bytes())
    assert len(rows) == 53
    principal = rows[0]
    assert (principal.name, principal.position, principal.phone) == (
        "丁天宇",
        "校长",
        "13800001000",
    )
    assert principal.roles == [Role.LEADER]
    assert {r for row in rows for r in row.roles} == {
        Role.LEADER, Role.TEACHER, Role.GUARD, Role.TECH, Role.ADMIN,
    }  # fmt: skip


def test_a_gbk_csv_from_excel_on_windows_is_read():
    content = csv_bytes("张三,教师,13800001234,李四,13900001234,值班教师", encoding="gb18030")
    rows = parse_staff_file(filename="名单.csv", content=content)
    assert rows[0].name == "张三"


def test_phone_numbers_are_normalised():
    content = csv_bytes(
        "张三,教师,+86 138-0000-1234,,,值班教师", "李四,教师,0086 13900001235,,,值班教师"
    )
    rows = parse_staff_file(filename="a.csv", content=content)
    assert [row.phone for row in rows] == ["13800001234", "13900001235"]


def test_multiple_roles_in_one_cell_are_split():
    rows = parse_staff_file(
        filename="a.csv", content=csv_bytes("张三,主任,13800001234,,,值班领导、值班教师")
    )
    assert rows[0].roles == [Role.LEADER, Role.TEACHER]


def test_every_bad_row_is_reported_with_its_line_number():
    content = csv_bytes(
        "张三,教师,13800001234,,,值班教师",
        ",教师,13800001235,,,值班教师",  # line 3: no name
        "王五,教师,1380000,,,值班教师",  # line 4: short phone
        "赵六,教师,13800001236,,,厨师",  # line 5: unknown role
        "钱七,教师,13800001234,,,值班教师",  # line 6: duplicate of line 2
    )
    with pytest.raises(StaffFileError) as caught:
        parse_staff_file(filename="a.csv", content=content)
    found = {(e.line, e.column) for e in caught.value.errors}
    assert found == {(3, "姓名"), (4, "手机"), (5, "可担任值班角色"), (6, "手机")}


def test_a_file_without_the_required_columns_is_refused():
    with pytest.raises(StaffFileError) as caught:
        parse_staff_file(filename="a.csv", content="姓名,手机\n张三,13800001234\n".encode())
    assert caught.value.errors[0].column == "可担任值班角色"


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("a.pdf", b"%PDF-1.4"),
        ("a.xlsx", b"not a zip file"),
        ("a.csv", b"\x00\x01\x02binary"),
        ("a.csv", b""),
        ("a.csv", b"x" * (2 * 1024 * 1024 + 1)),
    ],
)
def test_unreadable_files_give_an_error_not_a_crash(filename, content):
    with pytest.raises(StaffFileError):
        parse_staff_file(filename=filename, content=content)


def test_an_excel_file_with_a_title_row_and_numeric_phones_is_read():
    book = Workbook()
    sheet = book.active
    sheet.append(["2026年教职工名单"])
    sheet.append(["姓名", "职务", "手机", "紧急联系人", "紧急联系电话", "可担任值班角色"])
    sheet.append(["张三", "教师", 13800001234, "李四", 13900001234, "值班教师"])
    buffer = io.BytesIO()
    book.save(buffer)
    rows = parse_staff_file(filename="名单.xlsx", content=buffer.getvalue())
    assert rows[0].phone == "13800001234"
    assert rows[0].line == 3


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_csv_text_either_parses_or_reports_errors(text):
    try:
        rows = parse_staff_file(filename="fuzz.csv", content=(HEADER + text).encode())
    except StaffFileError as exc:
        assert exc.errors
        assert all(isinstance(e.message, str) and e.message for e in exc.errors)
    else:
        assert all(row.name and row.phone and row.roles for row in rows)


@pytest.mark.django_db
def test_importing_the_sample_twice_creates_then_changes_nothing(cast):
    rows = parse_staff_file(filename="staff-list.csv", content=SAMPLE.read_bytes())
    first = import_staff(school=cast.school, rows=rows, actor=cast.admin.user)
    assert (first.created, first.updated) == (53, 0)
    second = import_staff(school=cast.school, rows=rows, actor=cast.admin.user)
    assert (second.created, second.updated) == (0, 0)
    person = Staff.objects.get(school=cast.school, phone="13800001000")
    assert person.user.username == "13800001000"
    assert not person.user.has_usable_password()
    assert StaffRole.objects.filter(staff__school=cast.school, role=Role.GUARD).count() == 7


def upload(content: bytes, name: str = "名单.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.django_db
def test_the_import_page_imports_a_good_file_into_the_admins_school(client, cast):
    client.force_login(cast.admin.user)
    content = csv_bytes("张三,教师,13800001234,李四,13900001234,值班教师")
    response = client.post(reverse("staff:import"), {"file": upload(content)}, follow=True)
    assert response.status_code == 200
    person = Staff.objects.get(phone="13800001234")
    assert person.school == cast.school
    assert person.role_codes == {Role.TEACHER}
    assert "张三" in response.content.decode()


@pytest.mark.django_db
def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(client, cast):
    client.force_login(cast.admin.user)
    before = Staff.objects.count()
    content = csv_bytes(
        "张三,教师,13800001234,,,值班教师",
        "李四,教师,12345,,,值班教师",
        "王五,教师,13800001236,,,值班教师",
    )
    response = client.post(reverse("staff:import"), {"file": upload(content)})
    assert response.status_code == 200
    assert Staff.objects.count() == before
    errors = response.context["errors"]
    assert [(e.line, e.column) for e in errors] == [(3, "手机")]
    assert "12345" in response.content.decode()


@pytest.mark.django_db
def test_extra_fields_posted_to_the_import_cannot_choose_another_school(client, cast):
    client.force_login(cast.admin.user)
    content = csv_bytes("张三,教师,13800001234,,,值班教师")
    client.post(reverse("staff:import"), {"file": upload(content), "school": cast.other_school.pk})
    assert Staff.objects.get(phone="13800001234").school == cast.school


@pytest.mark.django_db
def test_the_import_refuses_a_file_of_the_wrong_type(client, cast):
    client.force_login(cast.admin.user)
    response = client.post(reverse("staff:import"), {"file": upload(b"<svg/>", "x.svg")})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


@pytest.mark.django_db
def test_a_post_without_csrf_token_is_refused(cast):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin.user)
    content = csv_bytes("张三,教师,13800001234,,,值班教师")
    response = client.post(reverse("staff:import"), {"file": upload(content)})
    assert response.status_code == 403
    assert not Staff.objects.filter(phone="13800001234").exists()


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.binary(max_size=2000), st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a.csv.exe"]))
def test_the_import_page_never_fails_with_a_server_error(client, cast, content, name):
    client.force_login(cast.admin.user)
    response = client.post(reverse("staff:import"), {"file": upload(content, name)})
    assert response.status_code in (200, 302)
