"""The day's incidents as a section of the logbook's daily report (logbook.report.DAILY_SECTIONS).

The logbook app sits below incidents and never imports it; this app adds its section when it
starts (IncidentsConfig.ready). One query per school and day.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident


def incidents_section(school, day: date) -> dict | None:
    zone = zoneinfo.ZoneInfo(school.time_zone)
    start = datetime.combine(day, time.min, tzinfo=zone)
    rows = list(
        Incident.objects.filter(
            school=school, occurred_at__gte=start, occurred_at__lt=start + timedelta(days=1)
        ).order_by("occurred_at")
    )
    header = [_("Time"), _("Category"), _("Severity"), _("Place"), _("Status")]
    table = [
        [
            f"{timezone.localtime(incident.occurred_at, zone):%H:%M}",
            f"{incident.get_category_display()} · {incident.get_subcategory_display()}",
            incident.get_severity_display(),
            incident.location,
            incident.get_status_display(),
        ]
        for incident in rows
    ]
    return {
        "title": _("Incidents"),
        "rows": [header, *table] if table else [],
        "event_count": len(rows),
        "empty": _("No incidents were reported on this day.") if not rows else "",
    }
