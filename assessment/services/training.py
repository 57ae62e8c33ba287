"""Training sessions (岗前培训, 在岗培训) and who attended; all-or-nothing writes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessment.models import TrainingAttendance, TrainingSession
from staff.models import Role

MANAGERS = frozenset({Role.ADMIN, Role.PRINCIPAL, Role.LEADER})


def may_manage(actor, school_id: int) -> bool:
    return school_id in actor.school_ids and actor.has_any(*MANAGERS)


def save_session(
    *, school, data: dict, attendees, session: TrainingSession | None = None, actor=None
) -> TrainingSession:
    """Create or update a session and set its attendance to exactly ``attendees`` (present);
    people listed before and no longer ticked are kept as absent."""
    people = list(attendees)
    if any(p.school_id != school.pk for p in people):
        raise ValidationError(_("Attendees must be staff of this school."))
    with transaction.atomic():
        if session is None:
            session = TrainingSession(school=school, created_by=getattr(actor, "user", None))
        for f in ("kind", "title", "held_on", "hours", "trainer", "notes"):
            setattr(session, f, data.get(f, getattr(session, f)))
        session.full_clean(exclude=["created_by", "school"])
        session.save()
        present = {p.pk for p in people}
        for p in people:
            TrainingAttendance.objects.update_or_create(
                session=session, staff=p, defaults={"attended": True}
            )
        TrainingAttendance.objects.filter(session=session).exclude(staff_id__in=present).update(
            attended=False
        )
    return session
