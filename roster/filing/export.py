"""All filings in one sheet for the bureau."""

from __future__ import annotations

import zoneinfo

from roster.filing.periods import is_late
from roster.filing.rows import people_text
from roster.models import HolidayFiling

SHEET_HEADERS = [
    "填报单位", "假期名称", "起止日期", "日期", "星期", "带班领导", "职务", "手机", "值班人员",
    "值班固定电话", "夜间值班", "填报人", "联系电话", "版本", "填报时间", "是否逾期", "备注",
]  # fmt: skip


def filings_workbook(filings: list[HolidayFiling]) -> bytes:
    """All filings in one sheet: one row per school per date, every field of the form."""
    import io

    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "节假日值班表"
    sheet.append(SHEET_HEADERS)
    for f in filings:
        zone = zoneinfo.ZoneInfo(f.school.time_zone)
        period = f"{f.start_date:%Y-%m-%d}至{f.end_date:%Y-%m-%d}"
        filed = f"{f.filed_at.astimezone(zone):%Y-%m-%d %H:%M}"
        for row in f.rows:
            night = people_text(row["night"]) or f.night_contact
            sheet.append([
                f.school.name, f.holiday, period, row["date"], row["weekday"], row["leader"],
                row["leader_post"], row["leader_phone"], people_text(row["staff"]),
                f.duty_phone, night, f.filer_name, f.filer_phone, f.version, filed,
                "是" if is_late(f) else "否", f.note,
            ])  # fmt: skip
    for n, width in enumerate([16, 8, 24, 12, 8, 10, 10, 14, 40, 14, 30, 8, 14, 6, 17, 8, 20], 1):
        sheet.column_dimensions[get_column_letter(n)].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
