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

from roster.excel.apply import apply_roster_import
from roster.excel.common import (
    HOLIDAY_NAMES,
    WEEKDAYS,
    Column,
    Grid,
    ImportPlan,
    ImportResult,
    PlannedDuty,
    RosterFileError,
    header_key,
)
from roster.excel.export import export_roster_xlsx
from roster.excel.layout import roster_grid
from roster.excel.parse import parse_roster_xlsx

__all__ = [
    "HOLIDAY_NAMES",
    "WEEKDAYS",
    "Column",
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
