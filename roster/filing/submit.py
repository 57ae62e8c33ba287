"""Filing (and re-filing, as the next version) a school's holiday duty roster."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from roster.filing.periods import MAX_PERIOD_DAYS, deadline_for, filing_policy, is_late
from roster.filing.rows import build_rows
from roster.models import HolidayFiling
from staff.models import Role, School, User

FILER_ROLES = frozenset({Role.ADMIN, Role.PRINCIPAL})


def can_file(actor, school_id: int) -> bool:
    return bool(actor.roles & FILER_ROLES) and school_id in actor.school_ids


def file_holiday_roster(
    *,
    school: School,
    holiday: str,
    start: date,
    end: date,
    duty_phone: str,
    night_contact: str,
    filer_name: str,
    filer_phone: str,
    note: str = "",
    actor,
    now: datetime | None = None,
) -> HolidayFiling:
    """File (or re-file, as the next version) the school's holiday duty roster."""
    if not can_file(actor, school.pk):
        raise PermissionDenied
    if end < start or (end - start).days >= MAX_PERIOD_DAYS:
        raise ValidationError(_("A holiday period is one to %(n)s days.") % {"n": MAX_PERIOD_DAYS})
    if not duty_phone.strip():
        raise ValidationError(_("Give the duty landline the bureau will call."))
    now = now or timezone.now()
    rows = build_rows(school, start, end)
    deadline = deadline_for(school, start, filing_policy(school))
    with transaction.atomic(durable=True):
        School.objects.select_for_update().filter(pk=school.pk).first()  # serialise versions
        previous = (
            HolidayFiling.objects.filter(school=school, holiday=holiday, start_date=start)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        )
        filing = HolidayFiling.objects.create(
            school=school, holiday=holiday, start_date=start, end_date=end,
            version=(previous or 0) + 1, deadline=deadline, filed_at=now, filed_by=actor.user,
            duty_phone=duty_phone.strip(), night_contact=night_contact.strip(),
            filer_name=filer_name.strip(), filer_phone=filer_phone.strip(), rows=rows,
            note=note.strip(),
        )  # fmt: skip
        _tell_bureau(filing, previous)
    return filing


def _tell_bureau(filing: HolidayFiling, previous: int | None) -> None:
    from notifications.fanout import notify

    school = filing.school
    officials = User.objects.filter(bureau_official__bureau_id=school.bureau_id)
    values = {"school": school.name, "holiday": filing.holiday, "v": filing.version}
    if previous:
        subject = _("%(school)s re-filed its %(holiday)s duty roster (v%(v)s)") % values
        body = _("Version %(v)s replaces version %(old)s.") % {**values, "old": previous}
    else:
        subject = _("%(school)s filed its %(holiday)s duty roster") % values
        body = ""
    if is_late(filing):
        body = f"{body} {_('Filed after the deadline.')}".strip()
    notify(
        school=school, recipients=officials, event=f"filing:{filing.pk}", subject=subject,
        body=body, url=reverse("roster:filing-detail", args=[filing.pk]),
    )  # fmt: skip
