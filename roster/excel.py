"""The month roster as schools post it (值班安排表): export to Excel, import it back.

Layout (``../shared/samples/roster-2026-12.xlsx``): a title row "XX小学2026年12月值班安排表", a
header row, one row per date, a blank row and a footer line with the duty phone and handover
times. Columns come from the school's shift types and their staffing requirements:

- 日期, 星期 (in Chinese), then
- 带班领导: the leader of the duty day (one column per shift type only if several types need a
  leader);
- per role (teachers, then guards, then any other role), one column per shift type that needs
  it: "白班值班教师(08:00-17:00)", "夜班值班教师(17:00-次日08:00)", "白班保安", "夜班保安";
- 备注: the kind of day (周末, the holiday's name, 调休上班) and a 24-hour duty named.

A 24-hour shift type that never runs on the same kind of day as the shorter ones (the default
节假日值班 on weekends and holidays) has no columns of its own: on its days its leader is written
in 带班领导 and its other people in the columns of their role, spread over them in order (two
guards: one under 白班保安, one under 夜班保安), and 备注 names it. Any of those columns may hold
its people on its days, whether or not the type requires that role. Reading the file back maps
those cells to that shift again.

Several people in a cell are joined by 、. A name that more than one active person in the
school has is written with the mobile number: 张娟(13800001011); the import needs that form
for such names.

Import policy. Parsing never writes, and reports every problem with its row number and column
(like the staff import); nothing is applied unless the whole file is clean. Parse errors are
what the file cannot express: an unknown or ambiguous name, a date outside the roster or
twice, a cell for a shift that does not run that day, a person twice on one shift, unknown or
missing columns. Whether a person *may* serve where the file puts them (a guard under a teacher
column, a full-time teacher on a weekend, someone on leave, a night shift followed by a day
shift) is the rules engine's call: the role is taken from the column, the import is applied
like any edit of a draft, and ``apply_roster_import`` returns the same violations the editor
shows. Applying replaces the roster's assignments with the file's, in one transaction,
recording each removal and addition.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from roster.calendar import school_calendar
from roster.models import (
    Assignment,
    DayKind,
    Roster,
    RosterChange,
    RosterStatus,
    Shift,
    ShiftType,
)
from roster.queries import build_plan
from roster.rules import Violation, check
from staff.importing import RowError
from staff.models import Role, Staff, User
from staff.phones import normalize_phone

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 400
FULL_DAY = 24 * 60

WEEKDAYS = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
ROLE_ORDER = [Role.LEADER, Role.TEACHER, Role.GUARD, Role.TECH, Role.PRINCIPAL, Role.ADMIN]
ROLE_WORDS = {
    Role.LEADER: "带班领导",
    Role.TEACHER: "值班教师",
    Role.GUARD: "保安",
    Role.TECH: "技术支持",
    Role.PRINCIPAL: "值班校长",
    Role.ADMIN: "值班人员",
}
# The calendar stores chinese-calendar's English holiday names; the sheet shows them in Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
LEADER_HEADER = ROLE_WORDS[Role.LEADER]
DATE_HEADER, WEEKDAY_HEADER, NOTE_HEADER = "日期", "星期", "备注"
JOIN = "、"
NAME_TOKEN = re.compile(r"[^、,，;；/\s（(）)]+(?:\s*[（(][^）)]*[）)])?")
NAME_WITH_PHONE = re.compile(r"^(?P<name>[^（(]+?)\s*(?:[（(](?P<phone>[^）)]*)[）)])?$")
SUFFIX = re.compile(r"[（(][^）)]*[）)]")
# Header spellings seen in school files, mapped onto ours (after the time suffix is dropped).
HEADER_ALIASES = (("值班领导", "带班领导"), ("领导带班", "带班领导"), ("门卫", "保安"))


class RosterFileError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s) in the roster file")
        self.errors = errors


@dataclass(frozen=True)
class Column:
    header: str  # as written in the file
    role: str
    main_type: int | None  # the shift type whose shift this column is on that day
    folded_types: tuple[int, ...] = ()  # 24-hour types written here on their days

    @property
    def key(self) -> str:
        return header_key(self.header)


@dataclass
class Grid:
    """The table both the Excel file and the PDF print: strings only."""

    title: str
    sheet_title: str
    headers: list[str]
    rows: list[list[str]]
    footer: str
    widths: list[float]


@dataclass(frozen=True)
class PlannedDuty:
    shift_id: int
    staff_id: int
    role: str
    line: int
    column: str


@dataclass
class ImportPlan:
    roster_id: int
    duties: list[PlannedDuty] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)


@dataclass
class ImportResult:
    added: int
    removed: int
    kept: int
    violations: list[Violation]


# ---------------------------------------------------------------- layout


@dataclass
class _Layout:
    columns: list[Column]
    types: dict[int, ShiftType]
    folded: set[int]


def _time_range(shift_type: ShiftType) -> str:
    start = datetime.combine(date(2000, 1, 1), shift_type.start_time)
    end = start + timedelta(minutes=shift_type.duration_minutes)
    next_day = "次日" if end.date() > start.date() else ""
    return f"{start:%H:%M}-{next_day}{end:%H:%M}"


def _layout(roster: Roster) -> _Layout:
    used_type_ids = set(roster.shifts.values_list("shift_type_id", flat=True))
    types = list(
        ShiftType.objects.filter(school=roster.school_id)
        .prefetch_related("requirements")
        .order_by("start_time", "name", "pk")
    )
    types = [t for t in types if t.active or t.pk in used_type_ids]
    roles_of: dict[int, set[str]] = {t.pk: {r.role for r in t.requirements.all()} for t in types}
    # Roles people actually hold in this roster get a column too (a teacher on 节假日值班).
    for type_id, role in (
        Assignment.objects.filter(shift__roster=roster)
        .values_list("shift__shift_type_id", "role")
        .distinct()
    ):
        roles_of.setdefault(type_id, set()).add(role)

    short = [t for t in types if t.duration_minutes < FULL_DAY]
    short_kinds = {k for t in short for k in t.day_kinds}
    folded = {
        t.pk
        for t in types
        if short and t.duration_minutes >= FULL_DAY and not set(t.day_kinds) & short_kinds
    }
    main = [t for t in types if t.pk not in folded]

    columns: list[Column] = []
    for role in ROLE_ORDER:
        owners = [t for t in main if role in roles_of.get(t.pk, ())]
        # A 24-hour duty covers the whole day: every column of a role can hold its people on
        # its days (a teacher written on a weekend lands on 节假日值班, and the rules engine
        # then says whether a teacher may be there).
        guests = tuple(t.pk for t in types if t.pk in folded and (owners or role in roles_of[t.pk]))
        if role == Role.LEADER and len(owners) == 1:
            columns.append(Column(LEADER_HEADER, role, owners[0].pk, guests))
            continue
        for t in owners:
            header = f"{t.name}{ROLE_WORDS[role]}"
            if role == Role.TEACHER:
                header += f"({_time_range(t)})"
            columns.append(Column(header, role, t.pk, guests))
        if not owners and guests:
            if role == Role.LEADER:
                columns.append(Column(LEADER_HEADER, role, None, guests))
            else:
                for type_id in guests:  # no column of this role yet: the 24-h type gets one
                    t = next(x for x in types if x.pk == type_id)
                    columns.append(Column(f"{t.name}{ROLE_WORDS[role]}", role, t.pk, ()))
    return _Layout(columns=columns, types={t.pk: t for t in types}, folded=folded)


def header_key(text: str) -> str:
    """ "白班值班教师(08:00-17:00)" → "白班值班教师": spaces and time suffixes dropped."""
    key = re.sub(r"\s+", "", SUFFIX.sub("", str(text or "")))
    for seen, ours in HEADER_ALIASES:
        key = key.replace(seen, ours)
    return key


def _period(roster: Roster) -> str:
    start, end = roster.start_date, roster.end_date
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.year}年{start.month}月"
    return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"


def _person_label(staff: Staff, ambiguous: set[str]) -> str:
    return f"{staff.name}({staff.phone})" if staff.name in ambiguous else staff.name


def _ambiguous_names(school_id: int) -> set[str]:
    names: dict[str, int] = defaultdict(int)
    for name in Staff.objects.filter(school=school_id, active=True).values_list("name", flat=True):
        names[name] += 1
    return {name for name, n in names.items() if n > 1}


def roster_grid(roster: Roster) -> Grid:
    """The roster as the schools' table (shared by the Excel export and the PDF)."""
    school = roster.school
    layout = _layout(roster)
    shifts = list(roster.shifts.select_related("shift_type").order_by("date", "starts_at"))
    by_date: dict[date, list[Shift]] = defaultdict(list)
    for shift in shifts:
        by_date[shift.date].append(shift)
    people: dict[int, list[Assignment]] = defaultdict(list)
    for a in Assignment.objects.filter(shift__roster=roster).select_related("staff").order_by("pk"):
        people[a.shift_id].append(a)
    ambiguous = _ambiguous_names(school.pk)
    days = school_calendar(school, roster.start_date, roster.end_date)

    rows: list[list[str]] = []
    day = roster.start_date
    while day <= roster.end_date:
        cells: dict[int, list[str]] = defaultdict(list)
        notes: list[str] = []
        info = days[day]
        if info.kind == DayKind.HOLIDAY:
            notes.append(HOLIDAY_NAMES.get(info.holiday_name, info.holiday_name or "节假日"))
        elif info.kind == DayKind.WEEKEND:
            notes.append("周末")
        elif info.kind == DayKind.VACATION:
            notes.append("假期")
        elif info.makeup_workday:
            notes.append("调休上班")
        for shift in by_date.get(day, []):
            type_id = shift.shift_type_id
            if type_id in layout.folded:
                notes.append(f"{shift.shift_type.name} {_time_range(shift.shift_type)}")
            by_role: dict[str, list[Assignment]] = defaultdict(list)
            for a in people.get(shift.pk, []):
                by_role[a.role].append(a)
            for role, items in by_role.items():
                if type_id in layout.folded:
                    targets = [
                        i for i, c in enumerate(layout.columns)
                        if c.role == role and type_id in c.folded_types
                    ]  # fmt: skip
                else:
                    targets = [
                        i for i, c in enumerate(layout.columns)
                        if c.role == role and c.main_type == type_id
                    ]  # fmt: skip
                # n people over k columns, in order, the first columns taking the extra ones:
                # three teachers on a 24-hour duty → 白班 "A、B", 夜班 "C", as schools write it.
                k = len(targets)
                for j, target in enumerate(targets):
                    first = j * (len(items) // k) + min(j, len(items) % k)
                    size = len(items) // k + (1 if j < len(items) % k else 0)
                    cells[target].extend(
                        _person_label(a.staff, ambiguous) for a in items[first : first + size]
                    )
        rows.append(
            [day.isoformat(), WEEKDAYS[day.weekday()]]
            + [JOIN.join(cells[i]) for i in range(len(layout.columns))]
            + ["，".join(notes)]
        )
        day += timedelta(days=1)

    starts = sorted({t.start_time for t in layout.types.values() if t.pk not in layout.folded})
    handover = "、".join(f"{s:%H:%M}" for s in starts) or "—"
    footer = f"值班电话：{school.duty_phone or '—'}  交接班时间：每日{handover}，提前5分钟到岗"
    headers = [DATE_HEADER, WEEKDAY_HEADER] + [c.header for c in layout.columns] + [NOTE_HEADER]
    widths = [12.0, 8.0] + [
        26.0 if c.role == Role.TEACHER else 10.0 if c.role in (Role.LEADER, Role.GUARD) else 14.0
        for c in layout.columns
    ] + [26.0]  # fmt: skip
    return Grid(
        title=f"{school.name}{_period(roster)}值班安排表",
        sheet_title=f"{_period(roster)}值班表"[:31],
        headers=headers,
        rows=rows,
        footer=footer,
        widths=widths,
    )


# ---------------------------------------------------------------- export


def export_roster_xlsx(roster: Roster) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    grid = roster_grid(roster)
    book = Workbook()
    sheet = book.active
    sheet.title = re.sub(r"[\[\]:*?/\\]", "-", grid.sheet_title)
    last = get_column_letter(len(grid.headers))

    sheet.append([grid.title])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30

    sheet.append(grid.headers)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    sheet.row_dimensions[2].height = 32
    for row in grid.rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.append([])
    sheet.append([grid.footer])
    sheet.merge_cells(f"A{sheet.max_row}:{last}{sheet.max_row}")

    for index, width in enumerate(grid.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- import


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


# ---------------------------------------------------------------- apply


def apply_roster_import(
    *, roster: Roster, plan: ImportPlan, actor: User | None, reason: str = ""
) -> ImportResult:
    """Make the roster's assignments exactly the file's, in one transaction; unchanged duties
    are kept (so their reminders and check-ins stay). Returns the rules engine's violations."""
    from notifications.fanout import notify
    from roster.reminders import schedule_reminders, withdraw_reminders
    from roster.services import RosterError, rule_settings

    if plan.roster_id != roster.pk:
        raise RosterError(_("This import was read for another roster."))
    published = roster.status == RosterStatus.PUBLISHED
    if published and not reason.strip():
        raise RosterError(_("The roster is published: give a reason for the import."))
    wanted = {(d.shift_id, d.staff_id): d.role for d in plan.duties}
    with transaction.atomic(durable=True):
        Roster.objects.select_for_update().filter(pk=roster.pk).first()  # serialise edits
        shift_ids = set(roster.shifts.values_list("pk", flat=True))
        if not {shift_id for shift_id, _staff in wanted} <= shift_ids:
            raise RosterError(
                _("The roster's shifts changed since the file was read; read it again.")
            )
        current = list(
            Assignment.objects.filter(shift__roster=roster).select_related(
                "staff", "shift__shift_type", "shift__roster__school"
            )
        )
        removed = [a for a in current if wanted.get((a.shift_id, a.staff_id)) != a.role]
        kept = {(a.shift_id, a.staff_id) for a in current} - {
            (a.shift_id, a.staff_id) for a in removed
        }
        changes = [
            RosterChange(roster=roster, actor=actor, action=RosterChange.Action.UNASSIGNED,
                         shift_id=a.shift_id, staff_id=a.staff_id, role=a.role, reason=reason,
                         after_publishing=published)
            for a in removed
        ]  # fmt: skip
        Assignment.objects.filter(pk__in=[a.pk for a in removed]).delete()
        added = Assignment.objects.bulk_create(
            [
                Assignment(shift_id=shift_id, staff_id=staff_id, role=role)
                for (shift_id, staff_id), role in wanted.items()
                if (shift_id, staff_id) not in kept
            ]
        )
        changes += [
            RosterChange(roster=roster, actor=actor, action=RosterChange.Action.ASSIGNED,
                         shift_id=a.shift_id, staff_id=a.staff_id, role=a.role, reason=reason,
                         after_publishing=published)
            for a in added
        ]  # fmt: skip
        RosterChange.objects.bulk_create(changes)
        if published and changes:
            for a in removed:
                withdraw_reminders(a.pk)
            fresh = list(
                Assignment.objects.filter(pk__in=[a.pk for a in added]).select_related(
                    "staff", "shift__shift_type", "shift__roster__school"
                )
            )
            schedule_reminders(fresh)
            affected = Staff.objects.filter(
                pk__in={a.staff_id for a in removed} | {a.staff_id for a in added},
                user__isnull=False,
            ).select_related("user")
            batch = max(c.pk or 0 for c in changes) if changes else 0
            notify(
                school=roster.school,
                recipients=[p.user for p in affected],
                event=f"roster:imported:{roster.pk}:{batch}",
                subject=_("Your duties in %(name)s changed") % {"name": roster.name},
                body=reason,
            )
    violations = check(build_plan(roster), rule_settings(roster.school))
    return ImportResult(
        added=len(added), removed=len(removed), kept=len(kept), violations=violations
    )


__all__ = [
    "Grid",
    "ImportPlan",
    "ImportResult",
    "PlannedDuty",
    "RosterFileError",
    "apply_roster_import",
    "export_roster_xlsx",
    "header_key",
    "parse_roster_xlsx",
    "roster_grid",
]
