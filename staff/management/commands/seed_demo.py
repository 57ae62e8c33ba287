from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand

from staff.demo import DEMO_PASSWORD, SCHOOL_NAME, seed_demo
from staff.models import School


class Command(BaseCommand):
    help = "Create (or refresh) the demo school with one login per role. Safe to run repeatedly."

    def handle(self, *args, **options):
        logins = seed_demo()
        school = School.objects.get(name=SCHOOL_NAME)
        # Higher apps add their demo data through a ``<app>.demo.seed(school)`` hook, so this
        # lower app never imports them.
        for config in apps.get_app_configs():
            if config.name == "staff":
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError:
                continue
            for line in module.seed(school) or []:
                self.stdout.write(f"  {config.verbose_name}: {line}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo school ready. Logins (password: {DEMO_PASSWORD}):")
        )
        for login, who in logins.items():
            self.stdout.write(f"  {login:<10} {who}")
