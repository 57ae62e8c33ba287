from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from roster.availability import school_today
from roster.calendar import calendar_status, computed_holidays, official_years, period_gaps
from staff.models import School

HORIZON_DAYS = 120


class Command(BaseCommand):
    help = (
        "Which years have official public-holiday data, and for each school how far its terms "
        "reach and how many days of the next 120 are guessed."
    )

    def handle(self, *args, **options):
        first, last = official_years()
        self.stdout.write(f"official holiday data (chinese-calendar): {first}–{last}")
        today = timezone.localdate()
        for year in range(today.year, today.year + 3):
            if year > last:
                computed = computed_holidays(year) or {}
                self.stdout.write(
                    f"{year}: not yet official — {len(computed)} holiday days computed "
                    "(holidays package), no 调休 known"
                )
        for school in School.objects.order_by("name"):
            status = calendar_status(school)
            local = school_today(school)
            gaps = period_gaps(school, local, local + timedelta(days=HORIZON_DAYS - 1))
            terms = (
                f"terms up to {status.terms_until:%Y-%m-%d}"
                if status.terms_until
                else "no terms entered"
            )
            self.stdout.write(
                f"{school.name}: {terms}; {gaps.days} of the next {HORIZON_DAYS} days unverified "
                f"({gaps.not_official} not official, {gaps.outside_terms} outside every term; "
                "a day can be both)"
            )
