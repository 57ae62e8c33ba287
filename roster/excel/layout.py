"""The columns of the sheet, from the school's shift types; the grid the file and the PDF print."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from roster.calendar import school_calendar
from roster.excel.common import (
    DATE_HEADER,
    FULL_DAY,
    HOLIDAY_NAMES,
    JOIN,
    LEADER_HEADER,
    NOTE_HEADER,
    ROLE_ORDER,
    ROLE_WORDS,
    WEEKDAY_HEADER,
    WEEKDAYS,
    Column,
    Grid,
)
from roster.models import (
    Assignment,
    DayKind,
    Roster,
    Shift,
    ShiftType,
)
from staff.models import Role, Staff


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
