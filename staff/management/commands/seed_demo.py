from datetime import datetime
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from staff.demo import DEMO_PASSWORD, SCHOOL_NAME, seed_demo
from staff.models import School


def parse_now(value: str) -> datetime:
    """An ISO 8601 instant with its offset ("2027-02-06T00:30+08:00"); a naive or unparsable
    value is refused (a wall-clock time alone does not say which instant it is)."""
    try:
        moment = parse_datetime(value.strip())
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(
            f"--now {value!r} is not a date and time; write e.g. 2027-02-06T00:30+08:00."
        )
    if timezone.is_naive(moment):
        raise CommandError(f"--now {value!r} has no UTC offset; write e.g. 2027-02-06T00:30+08:00.")
    return moment


class Command(BaseCommand):
    help = "Create (or refresh) the demo school with one login per role. Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            default=None,
            help="Lay the demo out as if it were this instant (ISO 8601 with an offset, e.g. "
            "2027-02-06T00:30+08:00). Default: the real now.",
        )

    def handle(self, *args, **options):
        now = parse_now(options["now"]) if options.get("now") else timezone.now()
        logins = seed_demo()
        school = School.objects.get(name=SCHOOL_NAME)
        # Higher apps add their demo data through a ``<app>.demo.seed(school, now=...)`` hook,
        # so this lower app never imports them. One clock: every hook gets the same ``now``.
        for config in apps.get_app_configs():
            if config.name == "staff":
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            for line in module.seed(school, now=now) or []:
                self.stdout.write(f"  {config.verbose_name}: {line}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo school ready. Logins (password: {DEMO_PASSWORD}):")
        )
        for login, who in logins.items():
            self.stdout.write(f"  {login:<10} {who}")
