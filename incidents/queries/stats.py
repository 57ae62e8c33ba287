"""Incident statistics for a year: counts per month by category and by severity, and median
times to acknowledge and to contain. One query, whatever the number of incidents; the
arithmetic is done here so it runs the same on PostgreSQL and on the SQLite demo."""

from __future__ import annotations

import io
import statistics
import zoneinfo
from datetime import datetime

from django.utils.translation import gettext as _

from incidents.categories import Category, Severity
from incidents.models import Incident

MONTHS = range(1, 13)
CHART_WIDTH = 240  # px of the longest bar in the server-drawn SVG charts


def _median_minutes(deltas: list) -> float | None:
    if not deltas:
        return None
    return round(statistics.median(d.total_seconds() / 60 for d in deltas), 1)


def incident_stats(school, year: int) -> dict:
    zone = zoneinfo.ZoneInfo(school.time_zone)
    start = datetime(year, 1, 1, tzinfo=zone)
    end = datetime(year + 1, 1, 1, tzinfo=zone)
    rows = Incident.objects.filter(
        school=school, occurred_at__gte=start, occurred_at__lt=end
    ).values_list(
        "occurred_at", "category", "severity", "reported_at", "acknowledged_at", "contained_at"
    )
    by_category = {c: dict.fromkeys(MONTHS, 0) for c in Category.values}
    by_severity = {s: dict.fromkeys(MONTHS, 0) for s in Severity.values}
    to_ack, to_contain = [], []
    for occurred, category, severity, reported, acked, contained in rows:
        month = occurred.astimezone(zone).month
        by_category.setdefault(category, dict.fromkeys(MONTHS, 0))[month] += 1
        by_severity.setdefault(severity, dict.fromkeys(MONTHS, 0))[month] += 1
        if acked:
            to_ack.append(acked - reported)
        if contained:
            to_contain.append(contained - reported)
    tables = [
        (_("By category"), _table(by_category, dict(Category.choices))),
        (_("By severity"), _table(by_severity, dict(Severity.choices))),
    ]
    per_month = [sum(c[m] for c in by_category.values()) for m in MONTHS]
    total = sum(per_month)
    return {
        "year": year,
        "total": total,
        "months": list(MONTHS),
        "per_month": per_month,
        "bars": _bars(per_month),
        "by_category": tables[0][1],
        "by_severity": tables[1][1],
        "tables": tables,
        "category_bars": _labelled_bars(by_category, dict(Category.choices)),
        "severity_bars": _labelled_bars(by_severity, dict(Severity.choices)),
        "category_height": len(by_category) * 22 + 4,
        "severity_height": len(by_severity) * 22 + 4,
        "median_ack_minutes": _median_minutes(to_ack),
        "median_contain_minutes": _median_minutes(to_contain),
        "acknowledged": len(to_ack),
        "contained": len(to_contain),
    }


def _table(counts: dict, labels: dict) -> list[dict]:
    return [
        {
            "code": code,
            "label": labels.get(code, code),
            "months": [row[m] for m in MONTHS],
            "total": sum(row.values()),
        }
        for code, row in counts.items()
    ]


def _bars(values: list[int]) -> list[dict]:
    """Vertical month bars for an SVG 12 × 24 px wide, 100 px high."""
    top = max(values) or 1
    return [
        {
            "month": m,
            "value": v,
            "x": (m - 1) * 24 + 2,
            "height": round(v * 100 / top),
            "y": 100 - round(v * 100 / top),
        }
        for m, v in zip(MONTHS, values, strict=True)
    ]


def _labelled_bars(counts: dict, labels: dict) -> list[dict]:
    totals = {code: sum(row.values()) for code, row in counts.items()}
    top = max(totals.values(), default=0) or 1
    return [
        {
            "label": labels.get(code, code),
            "value": n,
            "width": round(n * CHART_WIDTH / top),
            "y": i * 22,
        }
        for i, (code, n) in enumerate(totals.items())
    ]


def statistics_xlsx(school, year: int) -> bytes:
    from openpyxl import Workbook

    data = incident_stats(school, year)
    book = Workbook()
    sheet = book.active
    sheet.title = str(year)
    month_heads = [_("Month %(m)s") % {"m": m} for m in MONTHS]
    sheet.append([f"{school.name} {year}"])
    for title, table in (
        (_("Category"), data["by_category"]),
        (_("Severity"), data["by_severity"]),
    ):
        sheet.append([])
        sheet.append([title, *month_heads, _("Total")])
        for row in table:
            sheet.append([str(row["label"]), *row["months"], row["total"]])
    sheet.append([])
    sheet.append([_("Incidents"), *data["per_month"], data["total"]])
    sheet.append([_("Median minutes to acknowledge"), data["median_ack_minutes"]])
    sheet.append([_("Median minutes to contain"), data["median_contain_minutes"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
