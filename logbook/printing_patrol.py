"""The printable QR sheet: one QR code per active checkpoint, six to an A4 page, to stick up
along the patrol route. Chinese is set in reportlab's built-in CID font (see roster/printing.py).
"""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas as pdf_canvas

FONT = "STSong-Light"
COLUMNS, ROWS = 2, 3
QR_SIZE = 60 * mm


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _qr(url: str) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x2 - x1), 0, 0,
                                                   QR_SIZE / (y2 - y1), 0, 0])  # fmt: skip
    drawing.add(widget)
    return drawing


def qr_sheet(school, checkpoints, urls: list[str]) -> bytes:
    font = _font()
    out = io.BytesIO()
    page = pdf_canvas.Canvas(out, pagesize=A4)
    page.setTitle(f"{school.name} 安全巡查点二维码")
    page.setAuthor(school.name)
    width, height = A4
    cell_w, cell_h = width / COLUMNS, (height - 20 * mm) / ROWS
    per_page = COLUMNS * ROWS
    for n, (checkpoint, url) in enumerate(zip(checkpoints, urls, strict=True)):
        if n and n % per_page == 0:
            page.showPage()
        if n % per_page == 0:
            page.setFont(font, 14)
            page.drawCentredString(width / 2, height - 12 * mm, f"{school.name} 安全巡查点")
        slot = n % per_page
        x = (slot % COLUMNS) * cell_w
        top = height - 20 * mm - (slot // COLUMNS) * cell_h
        page.setFont(font, 15)
        page.drawCentredString(x + cell_w / 2, top - 10 * mm, checkpoint.area)
        page.setFont(font, 10)
        page.drawCentredString(x + cell_w / 2, top - 16 * mm, checkpoint.location or " ")
        renderPDF.draw(_qr(url), page, x + (cell_w - QR_SIZE) / 2, top - 18 * mm - QR_SIZE)
        page.setFont(font, 8)
        page.drawCentredString(x + cell_w / 2, top - 22 * mm - QR_SIZE, "扫码记录巡查到达时间")
    if not checkpoints:
        page.setFont(font, 12)
        page.drawString(20 * mm, height - 30 * mm, "没有启用的巡查点")
    page.showPage()
    page.save()
    return out.getvalue()
