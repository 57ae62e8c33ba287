from django.core.management.base import BaseCommand

from staff.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo school with one login per role. Safe to run repeatedly."

    def handle(self, *args, **options):
        logins = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(f"Demo school ready. Logins (password: {DEMO_PASSWORD}):")
        )
        for login, who in logins.items():
            self.stdout.write(f"  {login:<10} {who}")
