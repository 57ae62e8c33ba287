from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        # The daily report (logbook) shows the day's incidents; logbook never imports incidents.
        from incidents.daily import incidents_section
        from logbook.report import DAILY_SECTIONS

        if incidents_section not in DAILY_SECTIONS:
            DAILY_SECTIONS.append(incidents_section)
