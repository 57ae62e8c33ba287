"""The printable roster: an A4-landscape PDF of the month table, in the Excel layout.

Chinese is set in reportlab's built-in CID font ``STSong-Light`` (Adobe-GB1): the PDF names the
font and the viewer supplies the glyphs, so no font file is shipped or embedded and the file
stays small. Every page repeats the title and the header row and carries at most
``ROWS_PER_PAGE`` dates (a month fits on one sheet), the duty phone and the page number.
"""

from __future__ import annotations

import io
import zoneinfo
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from roster.excel import roster_grid
from roster.models import Roster

FONT = "STSong-Light"
ROWS_PER_PAGE = 31
PAGE = landscape(A4)
MARGIN_X = 12 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 14 * mm


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def roster_pdf(roster: Roster) -> bytes:
    font = _font()
    grid = roster_grid(roster)
    cell = ParagraphStyle(
        "cell", fontName=font, fontSize=9, leading=11, alignment=TA_CENTER, wordWrap="CJK"
    )
    head = ParagraphStyle("head", parent=cell, fontSize=9.5, leading=11.5)
    zone = zoneinfo.ZoneInfo(roster.school.time_zone)
    printed = timezone.localtime(timezone=zone).strftime("%Y-%m-%d %H:%M")

    def decorate(canvas, doc) -> None:
        width, height = PAGE
        canvas.saveState()
        canvas.setFont(font, 16)
        canvas.drawCentredString(width / 2, height - 13 * mm, grid.title)
        canvas.setFont(font, 9)
        canvas.drawString(MARGIN_X, 8 * mm, grid.footer)
        canvas.drawRightString(width - MARGIN_X, 8 * mm, f"第 {doc.page} 页  打印时间 {printed}")
        canvas.restoreState()

    usable = PAGE[0] - 2 * MARGIN_X
    total = sum(grid.widths)
    widths = [usable * w / total for w in grid.widths]
    header = [Paragraph(escape(h), head) for h in grid.headers]
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), font, 9),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDDDDD")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    story = []
    for start in range(0, max(len(grid.rows), 1), ROWS_PER_PAGE):
        chunk = grid.rows[start : start + ROWS_PER_PAGE]
        body = [[Paragraph(escape(text), cell) for text in row] for row in chunk]
        table = Table([header, *body], colWidths=widths, repeatRows=1)
        table.setStyle(style)
        if story:
            story.append(PageBreak())
        story.append(table)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=grid.title,
        author=roster.school.name,
        subject=roster.name,
        creator="DutySchool",
    )
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return out.getvalue()
