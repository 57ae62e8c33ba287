"""Writes for the duty log: open, autosave, submit, sign off, amend; post checks; the
"log not submitted" notices.

Who may write a log: the people assigned to its shift, and the school's duty leaders and
principal. Submission deadline: the duty staff may submit until the shift's end plus the
school's grace (``LogbookSettings.submit_grace_minutes``, default 60); a submission after the end
is marked late and needs a reason. After the grace only a leader or the principal may submit,
with a reason. Sign-off: a leader assigned to the shift, or the principal.

Every change writes a ``LogRevision`` in the same transaction. On PostgreSQL the services mark
their transaction as audited (``dutyschool.audited``) so the history trigger does not write a
second row; changes from anywhere else still leave one (migration 0002_log_guards).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from logbook.models import (
    AMENDABLE_FIELDS,
    CONTENT_FIELDS,
    DutyLog,
    LogAmendment,
    LogbookSettings,
    LogRevision,
    LogStatus,
    PostCheck,
)
from roster.models import RosterStatus, Shift
from staff.models import Role, Staff

OPENS_BEFORE = timedelta(hours=1)  # like check-in: the log opens an hour before the start
TEXT_LIMIT = 5000  # characters per free-text field: a full page of writing, well above use
SHORT_LIMIT = 100
NOTICE_LOOKBACK = timedelta(hours=24)  # older unsubmitted logs are the leaders' business
LOG_LEADERS = frozenset({Role.LEADER, Role.PRINCIPAL})


class LogConflict(ValidationError):
    """The log changed since the writer loaded it (another tab, another person)."""


def settings_for(school) -> LogbookSettings:
    return LogbookSettings.objects.filter(school=school).first() or LogbookSettings(school=school)


@contextmanager
def _audited():
    """Mark this transaction's log changes as written by a service (see module docstring).
    Reset afterwards: in a longer transaction a later bulk change must still be recorded."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('dutyschool.audited', 'on', true)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('dutyschool.audited', 'off', true)")


# ---- who may do what --------------------------------------------------------------------------


def on_shift(actor, shift: Shift) -> bool:
    return actor.staff is not None and any(
        a.staff_id == actor.staff.pk for a in shift.assignments.all()
    )


def leads_school(actor, school_id: int) -> bool:
    return bool(actor.roles & LOG_LEADERS) and school_id in actor.school_ids


def may_write(actor, shift: Shift) -> bool:
    return on_shift(actor, shift) or leads_school(actor, shift.roster.school_id)


def may_sign(actor, shift: Shift) -> bool:
    if actor.staff is None or shift.roster.school_id not in actor.school_ids:
        return False
    if Role.PRINCIPAL in actor.roles:
        return True
    return any(
        a.staff_id == actor.staff.pk and a.role == Role.LEADER for a in shift.assignments.all()
    )


def _require_staff(actor) -> Staff:
    if actor.staff is None:
        raise PermissionDenied
    return actor.staff


# ---- validation -------------------------------------------------------------------------------


def _text(value) -> str:
    """Trimmed text with Windows line ends and NUL characters (PostgreSQL refuses them) gone."""
    return str(value or "").replace("\r\n", "\n").replace("\x00", "").strip()


def clean_content(data: dict) -> dict:
    """Only the content fields, trimmed and within their limits; raises ValidationError with
    per-field messages. Anything else in ``data`` (status, school, ...) is ignored."""
    clean, errors = {}, {}
    for name in CONTENT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "students_present":
            if value in (None, ""):
                clean[name] = None
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                errors[name] = _("Enter a whole number.")
                continue
            if not 0 <= number <= 100_000:
                errors[name] = _("Enter a number between 0 and 100000.")
                continue
            clean[name] = number
            continue
        text = _text(value)
        limit = SHORT_LIMIT if name == "weather" else TEXT_LIMIT
        if len(text) > limit:
            errors[name] = _("At most %(limit)d characters (this text has %(length)d).") % {
                "limit": limit,
                "length": len(text),
            }
            continue
        clean[name] = text
    if errors:
        raise ValidationError(errors)
    return clean


# ---- the log ----------------------------------------------------------------------------------


def open_log(*, shift: Shift, actor, now: datetime | None = None) -> DutyLog:
    """The shift's log, created as a draft on first open. Idempotent: two people opening at
    once get the same log (the unique constraint decides)."""
    now = now or timezone.now()
    staff = _require_staff(actor)
    if not may_write(actor, shift):
        raise PermissionDenied
    existing = DutyLog.objects.filter(shift=shift).first()
    if existing is not None:
        return existing
    if shift.roster.status != RosterStatus.PUBLISHED:
        raise ValidationError(_("This duty is not in a published roster."))
    if now < shift.starts_at - OPENS_BEFORE:
        raise ValidationError(_("The duty log opens an hour before the duty starts."))
    try:
        with transaction.atomic(durable=True), _audited():
            log = DutyLog.objects.create(
                shift=shift, school_id=shift.roster.school_id, date=shift.date, author=staff,
                updated_at=now,
            )  # fmt: skip
            LogRevision.objects.create(log=log, actor=actor.user, at=now, action="opened")
    except IntegrityError:
        return DutyLog.objects.get(shift=shift)
    return log


def _diff(log: DutyLog, clean: dict) -> dict:
    return {k: [getattr(log, k), v] for k, v in clean.items() if getattr(log, k) != v}


def _write_draft(*, log: DutyLog, actor, clean: dict, version: int, now: datetime) -> DutyLog:
    """Inside a transaction: apply ``clean`` to a draft at ``version`` or raise LogConflict.
    A stale version whose text already matches (a retried save) is not a conflict."""
    current = DutyLog.objects.select_for_update().get(pk=log.pk)
    if current.status != LogStatus.DRAFT:
        raise ValidationError(
            _("This log has been submitted and is read-only: add an amendment instead.")
        )
    changes = _diff(current, clean)
    if not changes:
        return current
    if current.version != version:
        when = timezone.localtime(current.updated_at, _zone(log))
        raise LogConflict(
            _(
                "This log was changed elsewhere (another tab or a colleague) at %(time)s. "
                "Your latest text was not saved: copy it, then reload the page."
            )
            % {"time": f"{when:%H:%M}"}
        )
    updated = DutyLog.objects.filter(pk=log.pk, status=LogStatus.DRAFT, version=version).update(
        **{k: v for k, (_before, v) in changes.items()}, version=F("version") + 1, updated_at=now
    )
    if updated != 1:  # the row is locked above, so this only happens if the rules change
        raise LogConflict(_("This log was changed elsewhere. Reload the page."))
    LogRevision.objects.create(log=log, actor=actor.user, at=now, action="saved", changes=changes)
    return DutyLog.objects.get(pk=log.pk)


def autosave_log(
    *, log: DutyLog, actor, data: dict, version: int, now: datetime | None = None
) -> DutyLog:
    """Save a draft's text. Raises LogConflict when the log changed since ``version``."""
    now = now or timezone.now()
    if not may_write(actor, log.shift):
        raise PermissionDenied
    clean = clean_content(data)
    with transaction.atomic(durable=True), _audited():
        return _write_draft(log=log, actor=actor, clean=clean, version=version, now=now)


def submit_deadline(log: DutyLog) -> datetime:
    grace = settings_for(log.school).submit_grace_minutes
    return log.shift.ends_at + timedelta(minutes=grace)


def submit_log(
    *,
    log: DutyLog,
    actor,
    version: int,
    data: dict | None = None,
    late_reason: str = "",
    now: datetime | None = None,
) -> DutyLog:
    """Save the last text (if given) and submit. Weather and the summary are required."""
    now = now or timezone.now()
    staff = _require_staff(actor)
    if not may_write(actor, log.shift):
        raise PermissionDenied
    clean = clean_content(data or {})
    late_reason = _text(late_reason)[:TEXT_LIMIT]
    if now > log.shift.ends_at and not late_reason:
        raise ValidationError(
            {"late_reason": _("The shift has ended: say why the log is submitted late.")}
        )
    if now > submit_deadline(log) and not leads_school(actor, log.school_id):
        raise ValidationError(
            _("The time to submit this log has passed: ask the duty leader to submit it.")
        )
    with transaction.atomic(durable=True), _audited():
        current = _write_draft(log=log, actor=actor, clean=clean, version=version, now=now)
        missing = {
            name: _("Required before submitting.")
            for name in ("weather", "summary")
            if not getattr(current, name)
        }
        if missing:
            raise ValidationError(missing)
        moved = DutyLog.objects.filter(
            pk=log.pk, status=LogStatus.DRAFT, version=current.version
        ).update(
            status=LogStatus.SUBMITTED, submitted_at=now, submitted_by=staff,
            late_reason=late_reason, version=F("version") + 1, updated_at=now,
        )  # fmt: skip
        if moved != 1:
            raise LogConflict(_("This log was changed elsewhere. Reload the page."))
        LogRevision.objects.create(
            log=log, actor=actor.user, at=now, action="submitted",
            changes={"status": [LogStatus.DRAFT, LogStatus.SUBMITTED],
                     **({"late_reason": ["", late_reason]} if late_reason else {})},
        )  # fmt: skip
    return DutyLog.objects.get(pk=log.pk)


def sign_log(*, log: DutyLog, actor, comment: str = "", now: datetime | None = None) -> DutyLog:
    """The shift's leader (or the principal) signs a submitted log off."""
    now = now or timezone.now()
    staff = _require_staff(actor)
    if not may_sign(actor, log.shift):
        raise PermissionDenied
    comment = _text(comment)
    if len(comment) > TEXT_LIMIT:
        raise ValidationError(
            {"comment": _("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}}
        )
    with transaction.atomic(durable=True), _audited():
        moved = DutyLog.objects.filter(pk=log.pk, status=LogStatus.SUBMITTED).update(
            status=LogStatus.SIGNED, signed_at=now, signed_by=staff, sign_comment=comment,
            version=F("version") + 1, updated_at=now,
        )  # fmt: skip
        if moved != 1:
            status = DutyLog.objects.values_list("status", flat=True).get(pk=log.pk)
            if status == LogStatus.SIGNED:
                raise ValidationError(_("This log has already been signed off."))
            raise ValidationError(_("Only a submitted log can be signed off."))
        LogRevision.objects.create(
            log=log, actor=actor.user, at=now, action="signed",
            changes={"status": [LogStatus.SUBMITTED, LogStatus.SIGNED],
                     **({"sign_comment": ["", comment]} if comment else {})},
        )  # fmt: skip
    return DutyLog.objects.get(pk=log.pk)


def amend_log(
    *, log: DutyLog, actor, field: str, text: str, reason: str, now: datetime | None = None
) -> LogAmendment:
    """A correction to a submitted log, kept beside the original; the reason is required."""
    now = now or timezone.now()
    staff = _require_staff(actor)
    if not may_write(actor, log.shift):
        raise PermissionDenied
    errors = {}
    if field not in AMENDABLE_FIELDS:
        errors["field"] = _("Choose which part of the log to correct.")
    text, reason = _text(text), _text(reason)
    if not text:
        errors["text"] = _("Write the corrected text.")
    elif len(text) > TEXT_LIMIT:
        errors["text"] = _("At most %(limit)d characters.") % {"limit": TEXT_LIMIT}
    if not reason:
        errors["reason"] = _("Say why the log is corrected.")
    elif len(reason) > 1000:
        errors["reason"] = _("At most %(limit)d characters.") % {"limit": 1000}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(durable=True), _audited():
        current = DutyLog.objects.select_for_update().get(pk=log.pk)
        if current.status == LogStatus.DRAFT:
            raise ValidationError(_("This log is still a draft: edit it directly."))
        before = _latest_text(current, field)
        amendment = LogAmendment.objects.create(
            log=current, field=field, text=text, reason=reason, author=staff, created_at=now
        )
        LogRevision.objects.create(
            log=current, actor=actor.user, at=now, action="amended",
            changes={field: [before, text], "reason": [None, reason]},
        )  # fmt: skip
    return amendment


def _latest_text(log: DutyLog, field: str):
    last = log.amendments.filter(field=field).order_by("-created_at", "-pk").first()
    return last.text if last else getattr(log, field)


# ---- post checks (查岗) ------------------------------------------------------------------------


def record_post_check(
    *,
    shift: Shift,
    actor,
    remarks: str = "",
    checked_at: datetime | None = None,
    now: datetime | None = None,
) -> PostCheck:
    """A leader records that they checked the posts during ``shift``."""
    now = now or timezone.now()
    staff = _require_staff(actor)
    if not leads_school(actor, shift.roster.school_id):
        raise PermissionDenied
    checked_at = checked_at or now
    remarks = _text(remarks)
    if len(remarks) > 500:
        raise ValidationError({"remarks": _("At most %(limit)d characters.") % {"limit": 500}})
    if checked_at > now + timedelta(minutes=1):
        raise ValidationError(_("A post check cannot be in the future."))
    if not shift.starts_at - OPENS_BEFORE <= checked_at <= shift.ends_at:
        raise ValidationError(_("A post check is recorded during the shift."))
    with transaction.atomic(durable=True):
        return PostCheck.objects.create(
            shift=shift, school_id=shift.roster.school_id, leader=staff, checked_at=checked_at,
            remarks=remarks,
        )  # fmt: skip


# ---- "log not submitted" notices ----------------------------------------------------------------


def notify_unsubmitted_logs(*, now: datetime | None = None) -> int:
    """For each shift that ended in the last 24 hours without a submitted log: tell the
    author (or, with no log, the duty staff) at the end of the shift, then the shift's leaders
    ``leader_notice_minutes`` later. Event keys make a rerun add nothing. Returns notices told."""
    from notifications.fanout import notify

    now = now or timezone.now()
    shifts = (
        Shift.objects.filter(
            roster__status=RosterStatus.PUBLISHED,
            ends_at__lte=now,
            ends_at__gt=now - NOTICE_LOOKBACK,
        )
        .exclude(duty_logs__status__in=[LogStatus.SUBMITTED, LogStatus.SIGNED])
        .select_related("roster__school", "shift_type")
        .prefetch_related("assignments__staff__user", "duty_logs__author__user")
        .order_by("ends_at", "pk")
    )
    told = 0
    settings: dict[int, LogbookSettings] = {}
    for shift in shifts:
        school = shift.roster.school
        if school.pk not in settings:
            settings[school.pk] = settings_for(school)
        log = next(iter(shift.duty_logs.all()), None)
        assignments = list(shift.assignments.all())
        if not assignments:
            continue  # nobody was on duty: the roster's problem, not a missing log
        label = f"{shift.date:%m-%d} {shift.shift_type.name}"
        url = reverse("logbook:log", args=[log.pk]) if log else reverse("logbook:now")
        writers = [log.author] if log else [a.staff for a in assignments if a.role != Role.LEADER]
        users = [s.user for s in writers if s.user_id]
        if users:
            notify(
                school=school, recipients=users, event=f"log.unsubmitted:{shift.pk}",
                subject=_("Duty log not submitted: %(shift)s") % {"shift": label},
                body=_("The shift has ended. Please submit its duty log."), url=url,
                now=now,
            )  # fmt: skip
            told += 1
        wait = timedelta(minutes=settings[school.pk].leader_notice_minutes)
        if now < shift.ends_at + wait:
            continue
        leaders = [a.staff for a in assignments if a.role == Role.LEADER] or list(
            Staff.objects.for_school(school).active().with_role(Role.PRINCIPAL)
        )
        users = [s.user for s in leaders if s.user_id]
        if users:
            notify(
                school=school, recipients=users, event=f"log.unsubmitted.leader:{shift.pk}",
                subject=_("Duty log still missing: %(shift)s") % {"shift": label},
                body=_("The duty log of this shift has not been submitted."), url=url,
                now=now,
            )  # fmt: skip
            told += 1
    return told


def _zone(log: DutyLog):
    import zoneinfo

    return zoneinfo.ZoneInfo(log.shift.roster.school.time_zone)
