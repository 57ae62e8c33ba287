"""Writes for post-incident reports (事后总结): drafting, submitting to the principal, accepting
or sending back with a comment, corrective actions and the daily overdue notice."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import (
    ActionStatus,
    CorrectiveAction,
    EventKind,
    Incident,
    IncidentEvent,
    PostIncidentReport,
    ReportStatus,
    ReportVersion,
)
from incidents.queries.review import may_review, may_write_report, report_is_open
from notifications.fanout import notify
from staff.models import Role, School, Staff, User
from staff.queries import Actor

TEXT_FIELDS = ("process", "outcome", "causes", "lessons")


@dataclass(frozen=True)
class ActionInput:
    """One corrective action row of the form: ``pk`` None for a new one."""

    text: str
    owner: Staff
    due_on: date
    pk: int | None = None
    delete: bool = False


def can_close(incident: Incident) -> bool:
    """An incident closes only once its post-incident report has been accepted."""
    return PostIncidentReport.objects.filter(
        incident=incident, status=ReportStatus.ACCEPTED
    ).exists()


def _event(incident: Incident, actor: User | None, now: datetime, text: str, **data) -> None:
    event = IncidentEvent.objects.create(
        incident=incident, kind=EventKind.REVIEW, actor=actor, text=text, data=data
    )
    # ``at`` is auto_now_add; the service's clock (tests, demo) is the one that counts.
    IncidentEvent.objects.filter(pk=event.pk).update(at=now)


def _url(incident: Incident) -> str:
    return reverse("incidents:review", args=[incident.pk])


def save_report(
    *, incident: Incident, actor: Actor, fields: dict[str, str], actions: list[ActionInput]
) -> PostIncidentReport:
    """Save the draft (creating the report on first save) and its corrective actions."""
    if not may_write_report(actor, incident):
        raise PermissionDenied
    with transaction.atomic():
        Incident.objects.select_for_update().filter(pk=incident.pk).first()
        report = PostIncidentReport.objects.filter(incident=incident).first()
        if not report_is_open(incident, report):
            raise ValidationError(_("The report cannot be edited now."))
        if report is None:
            report = PostIncidentReport(incident=incident, school_id=incident.school_id)
        for name in TEXT_FIELDS:
            setattr(report, name, fields.get(name, "").strip())
        report.author = report.author or actor.user
        report.save()
        _save_actions(report, actions)
    return report


def _save_actions(report: PostIncidentReport, actions: list[ActionInput]) -> None:
    existing = {a.pk: a for a in report.actions.all()}
    for row in actions:
        if row.owner.school_id != report.school_id:
            raise ValidationError(_("The owner must be staff of this school."))
        current = existing.get(row.pk) if row.pk else None
        if row.pk and current is None:
            continue  # an id from elsewhere: ignored, never re-parented
        if current is not None and current.status == ActionStatus.DONE:
            continue  # done actions are history
        if current is not None and row.delete:
            current.delete()
        elif current is not None:
            current.text, current.owner, current.due_on = row.text.strip(), row.owner, row.due_on
            current.save(update_fields=["text", "owner", "due_on"])
        elif not row.delete:
            CorrectiveAction.objects.create(
                report=report,
                school_id=report.school_id,
                text=row.text.strip(),
                owner=row.owner,
                due_on=row.due_on,
            )


def submit_report(
    *, report: PostIncidentReport, actor: Actor, now: datetime | None = None
) -> ReportVersion:
    """Send the draft to the principal as a new numbered version."""
    now = now or timezone.now()
    incident = report.incident
    if not may_write_report(actor, incident):
        raise PermissionDenied
    missing = [name for name in TEXT_FIELDS if not getattr(report, name).strip()]
    if missing:
        raise ValidationError(_("Fill in every part of the report before submitting it."))
    with transaction.atomic():
        updated = PostIncidentReport.objects.filter(
            pk=report.pk, status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED]
        ).update(status=ReportStatus.SUBMITTED, updated_at=now)
        if not updated:
            raise ValidationError(_("The report has already been submitted."))
        number = ReportVersion.objects.filter(report=report).count() + 1
        version = ReportVersion.objects.create(
            report=report,
            number=number,
            **{name: getattr(report, name) for name in TEXT_FIELDS},
            actions=[
                {"text": a.text, "owner": a.owner.name, "due_on": a.due_on.isoformat()}
                for a in CorrectiveAction.objects.filter(report=report).select_related("owner")
            ],
            submitted_at=now,
            submitted_by=actor.user,
        )
        _event(
            incident,
            actor.user,
            now,
            _("Post-incident report v%(n)s submitted") % {"n": number},
            version=number,
        )
        principals = User.objects.filter(
            staff__school=incident.school_id, staff__roles__role=Role.PRINCIPAL, staff__active=True
        )
        notify(
            school=incident.school,
            recipients=principals,
            event=f"incident-review:{report.pk}:v{number}:submitted",
            subject=_("Post-incident report to review: %(incident)s") % {"incident": incident},
            url=_url(incident),
            now=now,
        )
    report.status = ReportStatus.SUBMITTED
    return version


def decide_report(
    *,
    report: PostIncidentReport,
    actor: Actor,
    accept: bool,
    comment: str = "",
    now: datetime | None = None,
) -> ReportVersion:
    """The principal accepts the submitted version, or sends it back with a comment."""
    now = now or timezone.now()
    incident = report.incident
    if not may_review(actor, incident):
        raise PermissionDenied
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError(_("Say what needs to change when sending a report back."))
    status = ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED
    with transaction.atomic():
        updated = PostIncidentReport.objects.filter(
            pk=report.pk, status=ReportStatus.SUBMITTED
        ).update(status=status, updated_at=now)
        if not updated:
            raise ValidationError(_("This report is not awaiting review."))
        version = (
            ReportVersion.objects.select_for_update()
            .filter(report=report)
            .order_by("-number")
            .first()
        )
        version.decision = status
        version.comment = comment
        version.decided_at = now
        version.decided_by = actor.user
        version.save(update_fields=["decision", "comment", "decided_at", "decided_by"])
        if accept:
            text = _("Post-incident report v%(n)s accepted") % {"n": version.number}
        else:
            text = _("Post-incident report v%(n)s sent back: %(comment)s") % {
                "n": version.number,
                "comment": comment,
            }
        _event(incident, actor.user, now, text, version=version.number, decision=status)
        if report.author_id:
            notify(
                school=incident.school,
                recipients=User.objects.filter(pk=report.author_id),
                event=f"incident-review:{report.pk}:v{version.number}:{status}",
                subject=text,
                body=comment,
                url=_url(incident),
                now=now,
            )
    report.status = status
    return version


def complete_action(
    *, action: CorrectiveAction, actor: Actor, now: datetime | None = None
) -> CorrectiveAction:
    now = now or timezone.now()
    with transaction.atomic():
        updated = CorrectiveAction.objects.filter(pk=action.pk, status=ActionStatus.OPEN).update(
            status=ActionStatus.DONE, done_at=now, done_by=actor.user
        )
        if not updated:
            raise ValidationError(_("This corrective action is already done."))
        _event(
            action.report.incident,
            actor.user,
            now,
            _("Corrective action done: %(text)s") % {"text": action.text},
            action=action.pk,
        )
    action.refresh_from_db()
    return action


def notify_overdue_actions(*, now: datetime | None = None) -> int:
    """Tell the owner (and the principal) of each open corrective action past its due date,
    once per school day. Safe to run any number of times: the day is claimed with a
    conditional update and the notice's event key is per action and day."""
    now = now or timezone.now()
    told = 0
    candidates = CorrectiveAction.objects.filter(
        status=ActionStatus.OPEN, due_on__lt=now.date() + timedelta(days=1)
    ).select_related("school", "owner__user", "report__incident")
    for action in candidates:
        today = now.astimezone(zoneinfo.ZoneInfo(action.school.time_zone)).date()
        if action.due_on >= today or action.reminded_on == today:
            continue
        with transaction.atomic():
            claimed = (
                CorrectiveAction.objects.filter(pk=action.pk, status=ActionStatus.OPEN)
                .exclude(reminded_on=today)
                .update(reminded_on=today)
            )
            if not claimed:
                continue
            _notify_overdue(action, action.school, today, now)
            told += 1
    return told


def _notify_overdue(action: CorrectiveAction, school: School, today: date, now: datetime) -> None:
    recipients = list(
        User.objects.filter(
            staff__school=school, staff__roles__role=Role.PRINCIPAL, staff__active=True
        )
    )
    if action.owner.user is not None:
        recipients.append(action.owner.user)
    notify(
        school=school,
        recipients={u.pk: u for u in recipients}.values(),
        event=f"incident-action:{action.pk}:overdue:{today.isoformat()}",
        subject=_("Corrective action overdue: %(text)s") % {"text": action.text},
        body=_("Owner: %(owner)s · due %(due)s")
        % {"owner": action.owner.name, "due": action.due_on},
        url=_url(action.report.incident),
        now=now,
    )
