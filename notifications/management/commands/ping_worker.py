import time

from django.core.management.base import BaseCommand, CommandError

from notifications.models import Heartbeat
from notifications.services import request_heartbeat


class Command(BaseCommand):
    help = "Send a task through the broker and wait until a worker has run it."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, timeout: float, **options):
        before = Heartbeat.objects.filter(name="ping").values_list("beats", flat=True).first() or 0
        started = time.monotonic()
        request_heartbeat(name="ping")
        while time.monotonic() - started < timeout:
            beats = Heartbeat.objects.filter(name="ping").values_list("beats", flat=True).first()
            if beats and beats > before:
                elapsed = time.monotonic() - started
                self.stdout.write(self.style.SUCCESS(f"worker answered in {elapsed:.2f}s"))
                return
            time.sleep(0.2)
        raise CommandError(f"no worker ran the task within {timeout:.0f}s")
