"""The hazard ledger (安全隐患排查整改台账) as an Excel workbook, in the paper form's columns."""

from __future__ import annotations

import io
import zoneinfo

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from logbook.models import DueKind, HazardStatus


def _when(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def ledger_xlsx(school, rows) -> bytes:
    zone = zoneinfo.ZoneInfo(school.time_zone)
    headers = [
        _("No."), _("Found at"), _("Found by"), _("Location"), _("Category"),
        _("Description"), _("Photos"), _("Severity"), _("Measures"), _("Cost (yuan)"),
        _("Responsible department"), _("Responsible person"), _("Time limit"),
        _("Interim protection"), _("Result"), _("Fixed at"), _("Verified by"),
        _("Verified at"), _("Closed out"), _("Closed out on"), _("Status"),
        _("Reported to the bureau"),
    ]  # fmt: skip
    book = Workbook()
    sheet = book.active
    sheet.title = _("Hazard ledger")
    sheet.append([f"{school.name} {_('Hazard ledger')}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for h in rows:
        limit = h.get_due_kind_display()
        if h.due_kind == DueKind.DEADLINE and h.due_date:
            limit = f"{limit} {h.due_date:%Y-%m-%d}"
        sheet.append([
            h.code, _when(h.found_at, zone), h.found_by.name, h.location,
            h.get_category_display(), h.description, len(h.photos.all()),
            h.get_severity_display(), h.measures, float(h.cost) if h.cost is not None else None,
            h.department, h.responsible.name if h.responsible else "", limit,
            h.interim_protection, h.result, _when(h.fixed_at, zone),
            h.verified_by.name if h.verified_by else "", _when(h.verified_at, zone),
            _("Yes") if h.status == HazardStatus.CLOSED else _("No"), _when(h.closed_at, zone),
            h.get_status_display(), _("Yes") if h.reported_up else _("No"),
        ])  # fmt: skip
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # typed text like "=HYPERLINK(...)" stays text
                cell.data_type = "s"
    for column, width in zip("ABCDEFGHIJKLMNOPQRSTUV", [10, 17, 10, 18, 10, 36, 6, 8, 28, 10,
                                                        12, 10, 16, 24, 28, 17, 10, 17, 6, 17,
                                                        8, 8], strict=True):  # fmt: skip
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
