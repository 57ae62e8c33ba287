"""Reading a roster file back: every problem with its row and column; never writes."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from roster.excel.common import (
    DATE_HEADER,
    MAX_BYTES,
    MAX_ROWS,
    NAME_TOKEN,
    NAME_WITH_PHONE,
    NOTE_HEADER,
    WEEKDAY_HEADER,
    Column,
    ImportPlan,
    PlannedDuty,
    RosterFileError,
    header_key,
)
from roster.excel.layout import _layout
from roster.models import Roster, Shift
from staff.importing import RowError
from staff.models import Staff
from staff.phones import normalize_phone


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value: object, roster: Roster) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value).replace(" ", "")
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    match = re.fullmatch(r"(\d{1,2})[月/.-](\d{1,2})日?", text)
    if match:  # "12月1日": the roster's year (the later one if the roster spans New Year)
        month, day = int(match[1]), int(match[2])
        for year in (roster.start_date.year, roster.end_date.year):
            try:
                candidate = date(year, month, day)
            except ValueError:
                return None
            if roster.start_date <= candidate <= roster.end_date:
                return candidate
        try:
            return date(roster.start_date.year, month, day)
        except ValueError:
            return None
    return None


def _read_sheet(content: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    if len(content) > MAX_BYTES:
        raise RosterFileError([RowError(0, "", _("The file is larger than 2 MB."))])
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise RosterFileError([RowError(0, "", _("The Excel file cannot be read."))]) from exc
    sheet = book.worksheets[0]
    table = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS)]
    book.close()
    return table


def parse_roster_xlsx(*, roster: Roster, content: bytes) -> ImportPlan:
    """Read a 值班安排表 for ``roster``; raise RosterFileError listing every problem."""
    table = _read_sheet(content)
    header_at = next(
        (i for i, row in enumerate(table[:10]) if DATE_HEADER in {_cell_text(c) for c in row}),
        None,
    )
    if header_at is None:
        raise RosterFileError(
            [RowError(1, "", _("No header row with “日期” was found in the first 10 rows."))]
        )
    header_line = header_at + 1
    layout = _layout(roster)
    by_key = {c.key: c for c in layout.columns}
    errors: list[RowError] = []
    positions: dict[int, Column] = {}
    date_index: int | None = None
    for index, raw in enumerate(table[header_at]):
        text = _cell_text(raw)
        key = header_key(text)
        if not key:
            continue
        if key == DATE_HEADER:
            date_index = index
        elif key in (WEEKDAY_HEADER, NOTE_HEADER):
            continue
        elif key in by_key:
            positions[index] = by_key[key]
        else:
            errors.append(
                RowError(
                    header_line,
                    text,
                    _("Unknown column “%(column)s”; this roster's columns are: %(known)s.")
                    % {"column": text, "known": "、".join(c.header for c in layout.columns)},
                )
            )
    found = {c.key for c in positions.values()}
    errors.extend(
        RowError(
            header_line, column.header, _("The header row has no column “%s”.") % column.header
        )
        for column in layout.columns
        if column.key not in found
    )
    if errors:
        raise RosterFileError(errors)

    shifts: dict[tuple[date, int], Shift] = {
        (s.date, s.shift_type_id): s for s in roster.shifts.select_related("shift_type")
    }
    staff_by_name: dict[str, list[Staff]] = defaultdict(list)
    inactive: set[str] = set()
    for person in Staff.objects.filter(school=roster.school_id):
        if person.active:
            staff_by_name[person.name].append(person)
        else:
            inactive.add(person.name)

    plan = ImportPlan(roster_id=roster.pk)
    seen_dates: dict[date, int] = {}
    for offset, row in enumerate(table[header_at + 1 :]):
        line = header_line + 1 + offset
        name_cells = {i: _cell_text(row[i]) for i in positions if i < len(row)}
        first = row[date_index] if date_index < len(row) else None
        if _cell_text(first) == "" and not any(name_cells.values()):
            continue  # blank line
        day = _parse_date(first, roster)
        if day is None:
            if any(name_cells.values()):
                errors.append(
                    RowError(line, DATE_HEADER, _("“%s” is not a date.") % _cell_text(first)[:30])
                )
            continue  # the footer line (值班电话…) or a note under the table
        if not roster.start_date <= day <= roster.end_date:
            errors.append(
                RowError(
                    line,
                    DATE_HEADER,
                    _("%(date)s is outside this roster (%(start)s to %(end)s).")
                    % {"date": day, "start": roster.start_date, "end": roster.end_date},
                )
            )
            continue
        if day in seen_dates:
            errors.append(
                RowError(
                    line,
                    DATE_HEADER,
                    _("%(date)s is already on row %(other)d.")
                    % {"date": day, "other": seen_dates[day]},
                )
            )
            continue
        seen_dates[day] = line
        plan.dates.append(day)
        on_shift: dict[tuple[int, int], str] = {}  # (shift, person) → column
        for index, column in positions.items():
            text = name_cells.get(index, "")
            if not text:
                continue
            header = _cell_text(table[header_at][index])
            shift = _target_shift(column, day, shifts)
            if shift is None:
                names = "、".join(layout.types[t].name for t in (column.main_type,) if t)
                errors.append(
                    RowError(
                        line,
                        header,
                        _("There is no %(shift)s on %(date)s in this roster; leave this cell "
                          "empty.") % {"shift": names or header, "date": day},
                    )
                )  # fmt: skip
                continue
            for token in NAME_TOKEN.findall(text):
                person, problem = _match_person(token, staff_by_name, inactive)
                if problem:
                    errors.append(RowError(line, header, problem))
                    continue
                key = (shift.pk, person.pk)
                if key in on_shift:
                    errors.append(
                        RowError(
                            line,
                            header,
                            _("%(name)s is already on this shift (column “%(other)s”).")
                            % {"name": person.name, "other": on_shift[key]},
                        )
                    )
                    continue
                on_shift[key] = header
                plan.duties.append(PlannedDuty(shift.pk, person.pk, column.role, line, header))
    if errors:
        raise RosterFileError(errors)
    if not seen_dates:
        raise RosterFileError([RowError(0, "", _("The file has no date rows."))])
    return plan


def _target_shift(column: Column, day: date, shifts: dict[tuple[date, int], Shift]):
    if column.main_type is not None and (day, column.main_type) in shifts:
        return shifts[(day, column.main_type)]
    for type_id in column.folded_types:
        if (day, type_id) in shifts:
            return shifts[(day, type_id)]
    return None


def _match_person(
    token: str, staff_by_name: dict[str, list[Staff]], inactive: set[str]
) -> tuple[Staff | None, str]:
    match = NAME_WITH_PHONE.match(token.strip())
    name = (match["name"] if match else token).strip()
    phone = (match["phone"] or "").strip() if match else ""
    candidates = staff_by_name.get(name, [])
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            return None, _("“%s”: the number in brackets is not a phone number.") % token[:40]
        candidates = [p for p in candidates if p.phone == phone]
        if not candidates:
            return None, _("No active staff member %(name)s has the phone %(phone)s.") % {
                "name": name,
                "phone": phone,
            }
    if not candidates:
        if name in inactive:
            return None, _("%s is no longer active in the staff directory.") % name[:40]
        return None, _("“%s” is not in the staff directory.") % name[:40]
    if len(candidates) > 1:
        return None, _(
            "%(count)d people are called %(name)s: write the mobile number after the name, "
            "e.g. %(name)s(%(phone)s)."
        ) % {"count": len(candidates), "name": name, "phone": candidates[0].phone}
    return candidates[0], ""
