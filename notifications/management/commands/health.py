"""Print the readiness report as JSON; exit status 1 when any check fails (for cron/monitors)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from dutyschool.health import readiness


class Command(BaseCommand):
    help = "Print database, broker and notification pipeline health as JSON; exit 1 if unhealthy."

    def handle(self, *args, **options):
        status = readiness()
        self.stdout.write(json.dumps(status.as_dict(), ensure_ascii=False, indent=2))
        if not status.ok:
            raise CommandError("unhealthy", returncode=1)
