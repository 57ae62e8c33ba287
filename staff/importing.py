"""Read a staff list as school offices export it (CSV or Excel) into validated rows.

Parsing never writes. Every problem is collected with its line number so the office can fix the
whole file at once; the service imports only a file with no errors at all.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from staff.models import Role
from staff.phones import normalize_phone

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000

# Header spellings seen in office exports, Chinese first; English for exports from other tools.
HEADERS = {
    "name": ("姓名", "name"),
    "position": ("职务", "position"),
    "phone": ("手机", "手机号", "电话", "phone", "mobile"),
    "emergency_contact_name": ("紧急联系人", "emergency contact", "emergency_contact"),
    "emergency_contact_phone": ("紧急联系电话", "emergency phone", "emergency_contact_phone"),
    "roles": ("可担任值班角色", "值班角色", "角色", "roles", "role"),
}
REQUIRED = ("name", "phone", "roles")

ROLE_WORDS = {
    "值班领导": Role.LEADER,
    "带班领导": Role.LEADER,
    "领导": Role.LEADER,
    "值班教师": Role.TEACHER,
    "教师": Role.TEACHER,
    "保安": Role.GUARD,
    "门卫": Role.GUARD,
    "技术支持": Role.TECH,
    "校长": Role.PRINCIPAL,
    "管理员": Role.ADMIN,
    "办公室": Role.ADMIN,
    "教务处": Role.ADMIN,
}
ROLE_WORDS.update({role.value: role for role in Role})
ROLE_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class StaffRow:
    line: int
    name: str
    position: str
    phone: str
    emergency_contact_name: str
    emergency_contact_phone: str
    roles: list[str] = field(default_factory=list)


class StaffFileError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s) in the staff file")
        self.errors = errors


def parse_staff_file(*, filename: str, content: bytes) -> list[StaffRow]:
    """Return validated rows, or raise StaffFileError listing every problem found."""
    if len(content) > MAX_BYTES:
        raise StaffFileError([RowError(0, "", _("The file is larger than 2 MB."))])
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        table = _read_xlsx(content)
    elif lower.endswith((".csv", ".txt")):
        table = _read_csv(content)
    else:
        raise StaffFileError([RowError(0, "", _("Upload a .csv or .xlsx file."))])
    return _rows_from_table(table)


def _read_csv(content: bytes) -> list[list[str]]:
    # Excel on Chinese Windows saves CSV as GB18030 (GBK); newer exports use UTF-8 with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise StaffFileError([RowError(0, "", _("The file is not UTF-8 or GBK text."))])
    if "\x00" in text:
        raise StaffFileError([RowError(0, "", _("The file is not a CSV text file."))])
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise StaffFileError([RowError(0, "", _("The CSV file cannot be read: %s") % exc)]) from exc


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise StaffFileError([RowError(0, "", _("The Excel file cannot be read."))]) from exc
    sheet = book.worksheets[0]
    table = [
        ["" if cell is None else _cell_text(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)
    ]
    book.close()
    return table


def _cell_text(cell: object) -> str:
    # Excel stores a phone number typed as a number as 13800001000.0 or an int.
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _header_map(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    positions: dict[str, int] = {}
    normalized = [str(cell).strip().lower() for cell in header]
    for key, spellings in HEADERS.items():
        for index, cell in enumerate(normalized):
            if cell in spellings:
                positions[key] = index
                break
    errors = [
        RowError(1, HEADERS[key][0], _("The header row has no column “%s”.") % HEADERS[key][0])
        for key in REQUIRED
        if key not in positions
    ]
    return positions, errors


def _rows_from_table(table: list[list[str]]) -> list[StaffRow]:
    # Skip leading blank lines and a title row above the header (offices add them).
    start = 0
    while start < len(table) and not _looks_like_header(table[start]):
        start += 1
        if start > 5:
            break
    if start >= len(table) or not _looks_like_header(table[start]):
        raise StaffFileError([RowError(1, "", _("No header row with 姓名 / 手机 was found."))])
    positions, errors = _header_map(table[start])
    if errors:
        raise StaffFileError(errors)
    data = table[start + 1 :]
    if len(data) > MAX_ROWS:
        raise StaffFileError([RowError(0, "", _("The file has more than %d rows.") % MAX_ROWS)])

    rows: list[StaffRow] = []
    seen_phones: dict[str, int] = {}
    for offset, raw in enumerate(data):
        line = start + 2 + offset
        if not any(str(cell).strip() for cell in raw):
            continue
        row, row_errors = _parse_row(line, raw, positions)
        if row is not None and row.phone in seen_phones:
            row_errors.append(
                RowError(
                    line,
                    "手机",
                    _("Phone %(phone)s is already used on line %(other)d.")
                    % {"phone": row.phone, "other": seen_phones[row.phone]},
                )
            )
        if row_errors:
            errors.extend(row_errors)
        elif row is not None:
            seen_phones[row.phone] = line
            rows.append(row)
    if errors:
        raise StaffFileError(errors)
    if not rows:
        raise StaffFileError([RowError(0, "", _("The file has no staff rows."))])
    return rows


def _looks_like_header(row: list[str]) -> bool:
    cells = {str(cell).strip().lower() for cell in row}
    return bool(cells & set(HEADERS["name"])) and bool(cells & set(HEADERS["phone"]))


def _parse_row(
    line: int, raw: list[str], positions: dict[str, int]
) -> tuple[StaffRow | None, list[RowError]]:
    def cell(key: str) -> str:
        index = positions.get(key)
        if index is None or index >= len(raw):
            return ""
        return str(raw[index]).strip()

    errors: list[RowError] = []
    name = cell("name")
    if not name:
        errors.append(RowError(line, "姓名", _("Name is empty.")))
    elif len(name) > 50:
        errors.append(RowError(line, "姓名", _("Name is longer than 50 characters.")))
    position = cell("position")
    if len(position) > 50:
        errors.append(RowError(line, "职务", _("Position is longer than 50 characters.")))
    phone = _phone(line, "手机", cell("phone"), required=True, errors=errors)
    contact = cell("emergency_contact_name")
    if len(contact) > 50:
        errors.append(RowError(line, "紧急联系人", _("Contact name is longer than 50 characters.")))
    contact_phone = _phone(
        line, "紧急联系电话", cell("emergency_contact_phone"), required=False, errors=errors
    )
    roles: list[str] = []
    for word in ROLE_SPLIT.split(cell("roles")):
        if not word:
            continue
        role = ROLE_WORDS.get(word) or ROLE_WORDS.get(word.lower())
        if role is None:
            errors.append(
                RowError(line, "可担任值班角色", _("Unknown duty role “%s”.") % word[:30])
            )
        elif role not in roles:
            roles.append(str(role))
    if not roles and not any(e.column == "可担任值班角色" for e in errors):
        errors.append(RowError(line, "可担任值班角色", _("No duty role is given.")))
    if errors:
        return None, errors
    return (
        StaffRow(
            line=line,
            name=name,
            position=position,
            phone=phone,
            emergency_contact_name=contact,
            emergency_contact_phone=contact_phone,
            roles=roles,
        ),
        errors,
    )


def _phone(line: int, column: str, value: str, *, required: bool, errors: list) -> str:
    if not value:
        if required:
            errors.append(RowError(line, column, _("Phone number is empty.")))
        return ""
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        errors.append(RowError(line, column, " ".join(exc.messages)))
        return ""
