"""Re-encrypt visitor ID numbers under the first VISITOR_ID_KEYS key and recompute their lookup
HMACs with the current VISITOR_LOOKUP_KEY. See logbook/crypto.py for the rotation steps."""

from django.core.management.base import BaseCommand

from logbook.services.visit import rotate_visit_keys


class Command(BaseCommand):
    help = (
        "Re-encrypt stored visitor ID numbers with the first key in VISITOR_ID_KEYS and "
        "recompute their lookup keys. Run after putting a new key first; then drop the old one."
    )

    def handle(self, *args, **options):
        done = rotate_visit_keys()
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {done} visitor ID numbers."))
