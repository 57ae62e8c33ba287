"""Holiday roster filing with the bureau (节假日值班表报备): the periods to file, the frozen copy.

A holiday period is a run of consecutive public-holiday and weekend days holding at least one
named holiday (from the official calendar, or the school's own ``holiday`` overrides in years the
calendar has no data for). Its deadline is the bureau's rule — N days before the first day, by a
set hour — in the school's time zone.

A filing copies the published duty of each day into plain rows (names, posts and mobiles as
they were), so a later roster change never alters what the bureau received: a change is filed
again as the next version, and the bureau sees every version with the latest marked.
"""

from roster.filing.export import SHEET_HEADERS, filings_workbook
from roster.filing.periods import (
    FilingStatus,
    HolidayPeriod,
    deadline_for,
    filing_policy,
    is_late,
    upcoming_holidays,
)
from roster.filing.reads import (
    BureauHoliday,
    bureau_dashboard,
    find_period,
    get_filing_for_user,
    latest_filings,
    require_filer,
    school_filing_statuses,
    versions_of,
)
from roster.filing.rows import build_rows, people_text
from roster.filing.submit import can_file, file_holiday_roster

__all__ = [
    "SHEET_HEADERS",
    "BureauHoliday",
    "FilingStatus",
    "HolidayPeriod",
    "build_rows",
    "bureau_dashboard",
    "can_file",
    "deadline_for",
    "file_holiday_roster",
    "filing_policy",
    "filings_workbook",
    "find_period",
    "get_filing_for_user",
    "is_late",
    "latest_filings",
    "people_text",
    "require_filer",
    "school_filing_statuses",
    "upcoming_holidays",
    "versions_of",
]
