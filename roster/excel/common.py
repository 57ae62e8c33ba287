"""Constants and plain data shared by export, import and print."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from roster.calendar import HOLIDAY_NAMES  # noqa: F401 — the Excel layout's holiday words
from roster.rules import Violation
from staff.importing import RowError
from staff.models import Role

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
LEADER_HEADER = ROLE_WORDS[Role.LEADER]
DATE_HEADER, WEEKDAY_HEADER, NOTE_HEADER = "日期", "星期", "备注"
JOIN = "、"
NAME_TOKEN = re.compile(r"[^、,，;；/\s（(）)]+(?:\s*[（(][^）)]*[）)])?")
NAME_WITH_PHONE = re.compile(r"^(?P<name>[^（(]+?)\s*(?:[（(](?P<phone>[^）)]*)[）)])?$")
SUFFIX = re.compile(r"[（(][^）)]*[）)]")
# Header spellings seen in school files, mapped onto ours (after the time suffix is dropped).
HEADER_ALIASES = (("值班领导", "带班领导"), ("领导带班", "带班领导"), ("门卫", "保安"))


def header_key(text: str) -> str:
    """ "白班值班教师(08:00-17:00)" → "白班值班教师": spaces and time suffixes dropped."""
    key = re.sub(r"\s+", "", SUFFIX.sub("", str(text or "")))
    for seen, ours in HEADER_ALIASES:
        key = key.replace(seen, ours)
    return key


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
