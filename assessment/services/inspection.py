"""Inspections: plan the monthly comprehensive inspection (全面检查), record spot checks (抽查),
score people against the criteria with rules, notes and evidence, complete, and remind the
inspector the day before. Every write is all-or-nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import (
    Criterion,
    EvidenceLink,
    Inspection,
    InspectionKind,
    InspectionScore,
    InspectionStatus,
)
from roster.timing import localize
from staff.models import Role, Staff

INSPECTOR_ROLES = frozenset({Role.LEADER, Role.PRINCIPAL, Role.ADMIN})
MANAGER_ROLES = frozenset({Role.PRINCIPAL, Role.ADMIN})
REMIND_AT = time(16)  # the afternoon before, in the school's zone


def is_inspector(staff: Staff) -> bool:
    return bool(staff.role_codes & INSPECTOR_ROLES) and staff.active


def may_plan(actor, school_id: int) -> bool:
    return school_id in actor.school_ids and actor.has_any(*INSPECTOR_ROLES)


def may_score(actor, inspection: Inspection) -> bool:
    """The inspector, or the school's principal/admin."""
    if inspection.school_id not in actor.school_ids or actor.staff is None:
        return False
    return actor.staff.pk == inspection.inspector_id or actor.has_any(*MANAGER_ROLES)


def school_today(school, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), _zone(school.time_zone)).date()


def _check_inspector(school, inspector: Staff) -> None:
    if inspector.school_id != school.pk or not is_inspector(inspector):
        raise ValidationError(
            {"inspector": _("The inspector must be a duty leader, the principal or an admin.")}
        )


def _check_date(school, kind: str, planned_on: date, now: datetime | None = None) -> None:
    today = school_today(school, now)
    if kind == InspectionKind.SPOT and planned_on > today:
        raise ValidationError(
            {"planned_on": _("A spot check is recorded when it happens, not ahead.")}
        )
    if planned_on < today - timedelta(days=31):
        raise ValidationError({"planned_on": _("The date is more than a month ago.")})


def plan_inspection(
    *,
    school,
    inspector: Staff,
    planned_on: date,
    kind: str = InspectionKind.MONTHLY,
    shift=None,
    notes: str = "",
    actor=None,
    now: datetime | None = None,
) -> Inspection:
    """Plan a monthly inspection (or record a spot check, ``kind=spot``) on ``planned_on``.
    ``now``: the caller's clock (default the real one); the school's today is taken from it."""
    _check_inspector(school, inspector)
    if shift is not None and shift.roster.school_id != school.pk:
        raise ValidationError({"shift": _("That shift is not in this school.")})
    if shift is not None and shift.date.replace(day=1) != planned_on.replace(day=1):
        raise ValidationError({"shift": _("The shift is not in the month of that date.")})
    if kind not in InspectionKind.values:
        raise ValidationError({"kind": _("Choose a kind of inspection.")})
    _check_date(school, kind, planned_on, now)
    return Inspection.objects.create(
        school=school,
        kind=kind,
        month=planned_on.replace(day=1),
        planned_on=planned_on,
        inspector=inspector,
        shift=shift,
        notes=notes,
        created_by=getattr(actor, "user", None),
    )


def month_warning(school, month: date) -> str:
    """The warning shown when a month has no comprehensive inspection planned or done."""
    has = (
        Inspection.objects.filter(school=school, month=month.replace(day=1))
        .filter(kind=InspectionKind.MONTHLY)
        .exclude(status=InspectionStatus.CANCELLED)
        .exists()
    )
    if has:
        return ""
    return _("No comprehensive inspection is planned or done for %(month)s.") % {
        "month": f"{month:%Y-%m}"
    }


@dataclass
class ScoreEntry:
    criterion_id: int
    points: object  # the inspector's base points, before the ticked rules
    rule_ids: list[int] = field(default_factory=list)
    note: str = ""


def _parse_points(raw, criterion: Criterion) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("%(name)s: “%(raw)s” is not a number.") % {"name": criterion.name, "raw": raw}
        ) from None
    if not value.is_finite() or value < 0 or value > criterion.max_points:
        raise ValidationError(
            _("%(name)s: give between 0 and %(max)s points (got %(raw)s).")
            % {"name": criterion.name, "max": criterion.max_points, "raw": raw}
        )
    return value.quantize(Decimal("0.1"))


def base_points(score: InspectionScore, rules: dict[int, object]) -> Decimal:
    """The inspector's base points of a saved score: its points less the ticked rules (exact,
    because a total outside 0..max is refused rather than clipped)."""
    return score.points - sum((rules[r].points for r in score.rules if r in rules), Decimal(0))


def score_person(
    *,
    inspection: Inspection,
    subject: Staff,
    entries: list[ScoreEntry],
    evidence: list[tuple[str, int]] = (),
    actor,
) -> list[InspectionScore]:
    """Write ``subject``'s scores on every active criterion (replacing earlier ones of this
    inspection): base points plus the ticked rules, which must stay within 0..the criterion's
    points; then the evidence, which must be records of this person and month. A completed
    inspection is read-only. Any bad entry: nothing saved."""
    if not may_score(actor, inspection):
        raise PermissionDenied
    if inspection.status == InspectionStatus.DONE:
        raise ValidationError(_("This inspection is completed; its scores are read-only."))
    if subject.school_id != inspection.school_id:
        raise ValidationError(_("That person is not in this school."))
    criteria = {
        c.pk: c
        for c in Criterion.objects.filter(
            school_id=inspection.school_id, active=True
        ).prefetch_related("rules")
    }
    if not criteria:
        raise ValidationError(_("There are no criteria in use; add the criteria first."))
    given = {e.criterion_id: e for e in entries if e.points is not None and str(e.points).strip()}
    missing = [c.name for pk, c in criteria.items() if pk not in given]
    if missing:
        raise ValidationError(
            _("Score every criterion: %(names)s.") % {"names": ", ".join(missing)}
        )
    errors, rows = [], []
    for pk, entry in given.items():
        criterion = criteria.get(pk)
        if criterion is None:
            errors.append(_("A criterion on the form is no longer in use; reload the page."))
            continue
        try:
            base = _parse_points(entry.points, criterion)
        except ValidationError as e:
            errors.extend(e.messages)
            continue
        rules = {r.pk: r for r in criterion.rules.all()}
        ticked = sorted({int(r) for r in entry.rule_ids})
        if any(r not in rules for r in ticked):
            errors.append(_("%(name)s: a rule does not belong here.") % {"name": criterion.name})
            continue
        points = base + sum((rules[r].points for r in ticked), Decimal(0))
        if points < 0 or points > criterion.max_points:
            errors.append(
                _(
                    "%(name)s: with the rules ticked that makes %(total)s points; it must stay "
                    "between 0 and %(max)s. Change the base points."
                )
                % {"name": criterion.name, "total": points, "max": criterion.max_points}
            )
            continue
        rows.append((criterion, points, ticked, (entry.note or "").strip()[:2000]))
    if errors:
        raise ValidationError(errors)
    links = _checked_evidence(inspection, subject, evidence)
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.status == InspectionStatus.DONE:
            raise ValidationError(_("This inspection is completed; its scores are read-only."))
        if locked.status == InspectionStatus.CANCELLED:
            raise ValidationError(_("This inspection was cancelled."))
        # Rows are updated in place so evidence hanging off them survives a re-score.
        InspectionScore.objects.filter(inspection=locked, subject=subject).exclude(
            criterion_id__in=[c.pk for c, *_rest in rows]
        ).delete()
        scores = []
        for criterion, points, ticked, note in rows:
            score, _created = InspectionScore.objects.update_or_create(
                inspection=locked,
                subject=subject,
                criterion=criterion,
                defaults={"points": points, "rules": ticked, "note": note},
            )
            scores.append(score)
        _link_evidence(locked, subject, scores[0], links)
    return scores


def _link_evidence(inspection, subject, anchor: InspectionScore, wanted) -> None:
    """The subject's evidence becomes exactly ``wanted``. A record already linked by another
    person of the same inspection (a shared shift's log) stays theirs; links are per
    inspection, so it is not linked twice."""
    existing = {
        (e.kind, e.object_id): e
        for e in EvidenceLink.objects.filter(inspection=inspection).select_related("score")
    }
    for key, link in existing.items():
        mine = link.score is not None and link.score.subject_id == subject.pk
        if mine and key not in wanted:
            link.delete()
        elif key in wanted and link.score_id is None:
            link.score = anchor
            link.save(update_fields=["score"])
    EvidenceLink.objects.bulk_create(
        EvidenceLink(inspection=inspection, score=anchor, kind=kind, object_id=object_id)
        for kind, object_id in wanted
        if (kind, object_id) not in existing
    )


def _checked_evidence(inspection, subject, evidence) -> list[tuple[str, int]]:
    """Only records offered for this person and month may be linked (no ids from elsewhere)."""
    from assessment.queries.inspection import evidence_choices

    if not evidence:
        return []
    allowed = {(str(k), pk) for k, pk, _label in evidence_choices(inspection, subject)}
    wanted = {(str(k), int(pk)) for k, pk in evidence}
    if wanted - allowed:
        raise ValidationError(_("Some evidence is not a record of this person and month."))
    return sorted(wanted)


def complete_inspection(*, inspection: Inspection, actor, now: datetime | None = None):
    if not may_score(actor, inspection):
        raise PermissionDenied
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if locked.status == InspectionStatus.DONE:
            return locked
        if locked.status == InspectionStatus.CANCELLED:
            raise ValidationError(_("This inspection was cancelled."))
        if not InspectionScore.objects.filter(inspection=locked).exists():
            raise ValidationError(_("Score at least one person before completing."))
        locked.status = InspectionStatus.DONE
        locked.done_at = now or timezone.now()
        locked.save(update_fields=["status", "done_at"])
    return locked


def check_changeable(inspection: Inspection, action: str) -> None:
    """Only a planned inspection may be rescheduled or cancelled (``action``: edit/cancel)."""
    if inspection.status == InspectionStatus.DONE:
        raise ValidationError(
            _("This inspection is completed; it can no longer be changed.")
            if action == "edit"
            else _("This inspection is completed; it can no longer be cancelled.")
        )
    if inspection.status == InspectionStatus.CANCELLED:
        raise ValidationError(_("This inspection was cancelled."))


def may_change_plan(actor, inspection: Inspection) -> bool:
    """Rescheduling and cancelling: the inspector or the school's principal/admin."""
    return may_score(actor, inspection)


def reschedule_inspection(
    *, inspection: Inspection, planned_on: date, inspector: Staff, actor
) -> tuple[Inspection, bool]:
    """Move a planned inspection to ``planned_on`` (in its month or later; it still counts
    for its month) and/or hand it to another inspector. If either changes, the reminder is
    reset so the (new) inspector is reminded the afternoon before the new date. Returns the
    inspection and whether anything changed. A completed or cancelled one: refused."""
    if not may_change_plan(actor, inspection):
        raise PermissionDenied
    check_changeable(inspection, "edit")
    school = inspection.school
    _check_inspector(school, inspector)
    if planned_on < inspection.month:
        raise ValidationError(
            {
                "planned_on": _("Choose a date in %(month)s or later.")
                % {"month": f"{inspection.month:%Y-%m}"}
            }
        )
    _check_date(school, inspection.kind, planned_on)
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        check_changeable(locked, "edit")
        changed = locked.planned_on != planned_on or locked.inspector_id != inspector.pk
        if changed:
            previous = Staff.objects.select_related("user").get(pk=locked.inspector_id)
            old_day = locked.planned_on
            locked.planned_on = planned_on
            locked.inspector = inspector
            locked.reminded_at = None
            locked.save(update_fields=["planned_on", "inspector", "reminded_at"])
            if previous.pk != inspector.pk:
                _tell_handover(locked, previous, old_day, actor)
    return locked, changed


def handover_key(inspection: Inspection, previous: Staff, old_day: date | None) -> str:
    """The hand-over notice's idempotency event: once per inspection, previous inspector and
    the date they had it for."""
    day = f"{old_day:%Y-%m-%d}" if old_day else "-"
    return f"inspection.handover:{inspection.pk}:{previous.pk}:{day}"


def cancel_key(inspection: Inspection) -> str:
    return f"inspection.cancel:{inspection.pk}"


def _told_user(staff: Staff, actor):
    """``staff``'s account, unless they have none or made the change themself."""
    user = staff.user
    if user is None or user.pk == getattr(getattr(actor, "user", None), "pk", None):
        return None
    return user


def _tell_handover(inspection: Inspection, previous: Staff, old_day, actor) -> None:
    """Tell the previous inspector (in the caller's transaction) that the inspection is no
    longer theirs; the new one is told by the reminder."""
    from notifications.fanout import notify

    user = _told_user(previous, actor)
    if user is None:
        return
    day = f"{old_day or inspection.planned_on:%Y-%m-%d}"
    name = inspection.inspector.name
    if old_day == inspection.planned_on:
        body = _("The inspection on %(day)s is now %(name)s's.") % {"day": day, "name": name}
    else:
        body = _("The inspection on %(day)s is now %(name)s's, on %(new_day)s.") % {
            "day": day,
            "name": name,
            "new_day": f"{inspection.planned_on:%Y-%m-%d}",
        }
    notify(
        school=inspection.school,
        recipients=[user],
        event=handover_key(inspection, previous, old_day),
        subject=_("Inspection handed over: %(kind)s") % {"kind": inspection.get_kind_display()},
        body=body,
        url=reverse("assessment:inspection-detail", args=[inspection.pk]),
    )


def _tell_cancel(inspection: Inspection, reason: str, actor) -> None:
    """Tell the inspector (in the caller's transaction) that the inspection was cancelled and
    why, unless they cancelled it themself."""
    from notifications.fanout import notify

    inspector = Staff.objects.select_related("user").get(pk=inspection.inspector_id)
    user = _told_user(inspector, actor)
    if user is None:
        return
    day = f"{inspection.planned_on:%Y-%m-%d}" if inspection.planned_on else "-"
    notify(
        school=inspection.school,
        recipients=[user],
        event=cancel_key(inspection),
        subject=_("Inspection cancelled: %(kind)s") % {"kind": inspection.get_kind_display()},
        body=_("The inspection on %(day)s was cancelled. Reason: %(reason)s")
        % {"day": day, "reason": reason},
        url=reverse("assessment:inspection-detail", args=[inspection.pk]),
    )


CANCEL_REASON_MAX = 500


def cancel_inspection(*, inspection: Inspection, reason: str, actor) -> Inspection:
    """Cancel a planned inspection with a reason (kept in its notes). It then no longer
    counts as the month's comprehensive inspection and is not reminded. A completed one:
    refused."""
    if not may_change_plan(actor, inspection):
        raise PermissionDenied
    check_changeable(inspection, "cancel")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    if len(reason) > CANCEL_REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)s characters.") % {"n": CANCEL_REASON_MAX}}
        )
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        check_changeable(locked, "cancel")
        line = _("Cancelled: %(reason)s") % {"reason": reason}
        locked.notes = f"{locked.notes.rstrip()}\n\n{line}" if locked.notes.strip() else line
        locked.status = InspectionStatus.CANCELLED
        locked.save(update_fields=["notes", "status"])
        _tell_cancel(locked, reason, actor)
    return locked


def remind_key(inspection: Inspection) -> str:
    """The reminder's idempotency event: it carries the date, so a rescheduled inspection is
    reminded once more (a new inspector differs by recipient anyway)."""
    return f"inspection.remind:{inspection.pk}:{inspection.planned_on:%Y-%m-%d}"


def remind_time(inspection: Inspection, tz: str) -> datetime:
    return localize(datetime.combine(inspection.planned_on - timedelta(days=1), REMIND_AT), tz)


def remind_inspectors(*, now: datetime | None = None) -> int:
    """Tell each inspector of a planned inspection the afternoon before (16:00 in the school's
    zone), once: ``reminded_at`` is set in the same transaction as the notice. Returns count."""
    from notifications.fanout import notify

    now = now or timezone.now()
    soon = (now + timedelta(days=2)).date()
    told = 0
    candidates = (
        Inspection.objects.filter(
            kind=InspectionKind.MONTHLY,  # spot checks are unannounced
            status=InspectionStatus.PLANNED,
            reminded_at__isnull=True,
            planned_on__isnull=False,
            planned_on__lte=soon,
            planned_on__gte=(now - timedelta(days=1)).date(),
        )
        .select_related("school", "inspector__user")
        .order_by("planned_on", "pk")
    )
    for inspection in candidates:
        tz = inspection.school.time_zone
        local_today = school_today(inspection.school, now)
        if inspection.planned_on < local_today or now < remind_time(inspection, tz):
            continue
        with transaction.atomic():
            locked = (
                Inspection.objects.select_for_update(skip_locked=True)
                .filter(
                    pk=inspection.pk,
                    reminded_at__isnull=True,
                    status=InspectionStatus.PLANNED,
                    # rescheduled meanwhile: the next run sees the new plan
                    planned_on=inspection.planned_on,
                    inspector_id=inspection.inspector_id,
                )
                .first()
            )
            if locked is None:
                continue
            user = inspection.inspector.user
            if user is not None:
                notify(
                    school=inspection.school,
                    recipients=[user],
                    event=remind_key(inspection),
                    subject=(
                        _("Inspection tomorrow: %(kind)s")
                        if inspection.planned_on > local_today
                        else _("Inspection today: %(kind)s")
                    )
                    % {"kind": inspection.get_kind_display()},
                    body=_("You are the inspector on %(day)s.")
                    % {"day": f"{inspection.planned_on:%Y-%m-%d}"},
                    url=reverse("assessment:inspection-detail", args=[inspection.pk]),
                    now=now,
                )
            locked.reminded_at = now
            locked.save(update_fields=["reminded_at"])
            told += 1
    return told


def _zone(name: str):
    import zoneinfo

    return zoneinfo.ZoneInfo(name)
