"""Exports of the duty record: a day or a month as PDF (reportlab) and Excel (openpyxl) in the
layout of the paper 值班记录表, and the bureau's month of daily reports as one sheet.

Both formats are built from the same rows (``shift_form``), so they cannot disagree. Chinese is
set in reportlab's CID font STSong-Light, as the printed roster is (roster/printing.py).
"""

from __future__ import annotations

import io
import zoneinfo
from datetime import datetime
from xml.sax.saxutils import escape

from logbook.report import JOIN, DayRecord, ShiftRecord, handover_state

HEADER = ["日期", "星期", "天气", "值班时段", "带班领导", "值班人员", "到岗时间", "离岗时间"]
PATROL_HEADER = ["时间", "地点/区域", "检查内容", "正常/异常", "处理情况"]
VISIT_HEADER = ["进校时间", "姓名", "工作单位", "来访事由", "被访人", "离校时间"]
CHECK_HEADER = ["时间", "领导", "意见"]
HANDOVER_HEADER = ["交接状态", "未完成事项", "钥匙与物品", "接班人"]
LOG_STATUS = {"draft": "草稿", "submitted": "已提交", "signed": "已审阅", "missing": "未填写"}
HANDOVER_STATUS = {"accepted": "已接收", "refused": "拒签", "pending": "待接收"}
REPORT_STATUS = {"reported": "已报送", "zero": "零报告", "late": "逾期报送", "missing": "未报送",
                 "due": "待报送"}  # fmt: skip
TITLE = "值班记录表"


def _hm(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).strftime("%H:%M") if moment else ""


def _text(value) -> str:
    return "" if value is None else str(value)


def shift_form(record: ShiftRecord, day: DayRecord) -> dict:
    """One shift as the paper form's sections: {"header": [...], "patrol": [[...]], ...}."""
    zone = zoneinfo.ZoneInfo(day.school.time_zone)
    shift, log = record.shift, record.log
    period = f"{shift.shift_type.name} {_hm(shift.starts_at, zone)}–{_hm(shift.ends_at, zone)}"
    if shift.ends_at.astimezone(zone).date() != shift.date:
        period = (
            f"{shift.shift_type.name} {_hm(shift.starts_at, zone)}–次日{_hm(shift.ends_at, zone)}"
        )
    arrivals = JOIN.join(
        f"{d.staff.name} {_hm(d.checked_in_at, zone)}" for d in record.duties if d.checked_in_at
    )
    accepted = [h for h in record.handovers if handover_state(h) == "accepted"]
    left = _hm(accepted[-1].decided_at, zone) if accepted else ""
    header = [
        f"{day.day:%Y-%m-%d}", day.weekday, _text(log.weather if log else ""), period,
        record.leader_names, record.other_names, arrivals, left or _hm(shift.ends_at, zone),
    ]  # fmt: skip
    patrol = [
        [_hm(r.recorded_at, zone), str(r.item.checkpoint), r.item.text,
         "正常" if r.status == "ok" else "异常", _patrol_handling(r)]
        for r in record.results
    ]  # fmt: skip
    visits = [
        [_hm(v.time_in, zone), v.name, v.organisation, v.purpose,
         v.host.name if v.host_id else v.host_text, _hm(v.time_out, zone) or "在校"]
        for v in record.visits
    ]  # fmt: skip
    checks = [[_hm(c.checked_at, zone), c.leader.name, c.remarks] for c in record.post_checks]
    handovers = [
        [HANDOVER_STATUS[handover_state(h)], _open_items(h), _items(h), _receiver(h)]
        for h in record.handovers
    ]
    signed = ""
    if log is not None and log.signed_by_id:
        signed = f"{log.signed_by.name} {log.signed_at.astimezone(zone):%m-%d %H:%M}"
    return {
        "header": header,
        "status": LOG_STATUS.get(record.log_status, record.log_status),
        "patrol": patrol,
        "calls": _text(log.calls if log else ""),
        "visits": visits,
        "events": _text(log.events_and_handling if log else ""),
        "summary": _text(log.summary if log else ""),
        "checks": checks,
        "handovers": handovers,
        "signer": log.submitted_by.name if log is not None and log.submitted_by_id else "",
        "leader_signed": signed,
    }


def _open_items(handover) -> str:
    hazards = JOIN.join(
        f"隐患{h.get('code', '')} {h.get('location', '')}" if isinstance(h, dict) else str(h)
        for h in handover.carried_hazards or []
    )
    return "\n".join(text for text in (handover.follow_ups, hazards) if text)


def _items(handover) -> str:
    counts = f"钥匙{handover.keys} 对讲机{handover.radios} 登记本{handover.registers} " \
             f"报刊信件{handover.mail}"  # fmt: skip
    return f"{counts} {handover.items_note}".strip()


def _receiver(handover) -> str:
    user = handover.decided_by
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    name = staff.name if staff is not None else user.get_username()
    if handover.status == "refused":
        return f"{name}（拒签：{handover.refusal_reason}）"
    return name


def _patrol_handling(result) -> str:
    hazard = getattr(result, "hazard", None) if hasattr(result, "hazard") else None
    note = result.note or ""
    if hazard is not None:
        note = f"{note} 隐患{hazard.code}".strip()
    return note


def _blocks(day: DayRecord) -> list[tuple[str, list[list[str]]]]:
    """The day as titled tables, in the paper form's order."""
    blocks: list[tuple[str, list[list[str]]]] = []
    for record in day.shifts:
        form = shift_form(record, day)
        blocks += [
            (f"{TITLE}（{form['status']}）", [HEADER, form["header"]]),
            ("巡查记录", [PATROL_HEADER, *form["patrol"]]),
            ("来电来文", [[form["calls"] or "无"]]),
            ("来访", [VISIT_HEADER, *form["visits"]]),
            ("突发事件及处置", [[form["events"] or "无"]]),
            ("情况汇总", [[form["summary"]]]),
            ("领导查岗", [CHECK_HEADER, *form["checks"]]),
            ("交接事项", [HANDOVER_HEADER, *form["handovers"]]),
            ("签字", [["值班人签字", form["signer"], "带班领导审阅签字", form["leader_signed"]]]),
        ]
    hazards = [[h.code, h.location, h.description, h.get_status_display()]
               for h in day.hazards_found]  # fmt: skip
    blocks.append(("当日发现隐患", [["编号", "地点", "描述", "状态"], *hazards]))
    for section in day.sections:
        if section.get("rows"):
            blocks.append((_text(section.get("title")), section["rows"]))
    return blocks


# ---- Excel -----------------------------------------------------------------------------------


def days_workbook(days: list[DayRecord]) -> bytes:
    """One sheet per day that has shifts (a day with none still gets its sheet if alone)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    shown = [d for d in days if d.shifts] or days[:1]
    for day in shown:
        sheet = book.create_sheet(f"{day.day:%m-%d}")
        sheet.append([f"{day.school.name} {TITLE} {day.day:%Y-%m-%d} {day.weekday}"])
        sheet["A1"].font = Font(bold=True, size=14)
        if not day.shifts:
            sheet.append(["当日无排班"])
        for title, rows in _blocks(day):
            sheet.append([])
            sheet.append([title])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
            for row in rows:
                sheet.append(row)
        for column, width in zip("ABCDEFGH", (12, 14, 24, 22, 12, 22, 18, 12), strict=True):
            sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BUREAU_HEADER = [
    "单位", "日期", "星期", "报送期间", "状态", "带班领导", "值班人员", "是否在岗", "零报告",
    "事件数", "事件情况", "今日发现隐患", "今日整改隐患", "天气或汛期等预警", "报送人", "报送时间",
    "截止时间", "版本", "更正原因",
]  # fmt: skip


def bureau_workbook(rows: list[dict]) -> bytes:
    """The bureau's month: one row per school per day, the latest version of each report."""
    from openpyxl import Workbook

    from roster.excel import WEEKDAYS

    book = Workbook()
    sheet = book.active
    sheet.title = "值班日报"
    sheet.append(BUREAU_HEADER)
    for entry in rows:
        school, row, report = entry["school"], entry["row"], entry["row"].latest
        zone = zoneinfo.ZoneInfo(school.time_zone)
        values = [school.name, f"{row.day:%Y-%m-%d}", WEEKDAYS[row.day.weekday()],
                  entry["period"].name, REPORT_STATUS[row.status]]  # fmt: skip
        if report is None:
            values += [""] * 11 + [f"{row.deadline.astimezone(zone):%m-%d %H:%M}", "", ""]
        else:
            values += [
                report.leader, report.on_duty, "是" if report.on_post else "否",
                "是" if report.no_incident else "否", report.event_count, report.events,
                report.hazards_found, report.hazards_fixed, report.warnings, report.reporter_name,
                f"{report.submitted_at.astimezone(zone):%Y-%m-%d %H:%M}",
                f"{report.deadline.astimezone(zone):%m-%d %H:%M}", report.version,
                report.correction_reason,
            ]  # fmt: skip
        sheet.append(values)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- PDF -------------------------------------------------------------------------------------


def days_pdf(days: list[DayRecord]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from roster.printing import _font

    font = _font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=10.5, wordWrap="CJK")
    head = ParagraphStyle("head", parent=cell, fontSize=10, leading=13)
    title = ParagraphStyle("title", parent=cell, fontSize=15, leading=19, alignment=1)
    grid = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
    ])  # fmt: skip
    width = A4[0] - 24 * mm
    story: list = []
    shown = [d for d in days if d.shifts] or days[:1]
    for n, day in enumerate(shown):
        if n:
            story.append(PageBreak())
        story.append(Paragraph(escape(f"{day.school.name} {TITLE}"), title))
        story.append(Paragraph(escape(f"{day.day:%Y-%m-%d} {day.weekday}"), head))
        if not day.shifts:
            story.append(Paragraph("当日无排班", cell))
        for caption, rows in _blocks(day):
            story += [Spacer(1, 3 * mm), Paragraph(escape(caption), head)]
            columns = max(len(r) for r in rows)
            body = [[Paragraph(escape(_text(v)), cell) for v in r] + [""] * (columns - len(r))
                    for r in rows]  # fmt: skip
            table = Table(body, colWidths=[width / columns] * columns, repeatRows=1)
            table.setStyle(grid)
            story.append(table)
    out = io.BytesIO()
    school = days[0].school if days else None
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
        bottomMargin=12 * mm, title=TITLE, author=school.name if school else "",
        creator="DutySchool",
    )  # fmt: skip
    doc.build(story)
    return out.getvalue()


def filename(school, first, last, ext: str) -> str:
    span = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m}"
    return f"duty-record-{school.pk}-{span}.{ext}"
