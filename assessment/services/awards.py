"""Writes for rewards and penalties (奖惩) and review flags.

A leader, the office or the principal proposes a reward (通报表扬, 物质奖励/奖金, 荣誉证书,
优秀值班人员) or a measure on the penalty ladder (口头警告 → 通报批评 / 警告处分 → 停职检查 /
调离岗位) with the reason and the evidence; only the principal approves or rejects, with a note;
the person is told once it is approved and may write a response, which is kept beside the
decision. Nothing here acts by itself: there is no one-strike veto (一票否决) and a review flag is
a prompt for the principal to look, never a penalty.

Every write takes the row with ``SELECT … FOR UPDATE`` and checks its status again, so a double
click or two principals at once decide a proposal once; notices go out in the same transaction
(outbox) with idempotency keys, so each is sent once.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import (
    FlagStatus,
    Proposal,
    ProposalKind,
    ProposalStatus,
    ReviewFlag,
)
from assessment.models.awards import PENALTY_LADDER, REWARDS
from notifications.fanout import notify
from staff.models import Role, Staff, User
from staff.queries import Actor

PROPOSERS = (Role.LEADER, Role.ADMIN, Role.PRINCIPAL)


# ---- who may do what (shared with the queries and the templates) ----------------------------
def can_propose(actor: Actor) -> bool:
    return actor.staff is not None and actor.has_any(*PROPOSERS)


def is_principal_of(actor: Actor, school_id: int) -> bool:
    return (
        actor.staff is not None
        and actor.has_any(Role.PRINCIPAL)
        and actor.staff.school_id == school_id
    )


def kind_of(action: str) -> str:
    if action in REWARDS:
        return ProposalKind.REWARD
    if action in PENALTY_LADDER:
        return ProposalKind.PENALTY
    raise ValidationError(_("Choose a reward or a measure on the penalty ladder."))


def principals_of(school) -> list[User]:
    return list(
        User.objects.filter(
            staff__school=school, staff__active=True, staff__roles__role=Role.PRINCIPAL
        ).distinct()
    )


def _tell(school, users, event: str, subject: str, body: str = "", url: str = "") -> None:
    users = [u for u in users if u is not None]
    if users:
        notify(school=school, recipients=users, event=event, subject=subject[:200], body=body,
               url=url)  # fmt: skip


# ---- proposals ----------------------------------------------------------------------------
def propose(
    *,
    actor: Actor,
    subject: Staff,
    action: str,
    reason: str,
    evidence: str = "",
    amount=None,
    month: date | None = None,
    flag: ReviewFlag | None = None,
) -> Proposal:
    """A leader, the office or the principal proposes a reward or a penalty for a colleague of
    their school; the principals are told that it waits for them."""
    if not can_propose(actor):
        raise PermissionDenied
    school = actor.staff.school
    if subject.school_id != school.pk:
        raise PermissionDenied
    kind = kind_of(action)
    errors: dict[str, list[str]] = {}
    if subject.pk == actor.staff.pk:
        errors.setdefault("subject", []).append(_("You cannot propose a measure about yourself."))
    if not subject.active:
        errors.setdefault("subject", []).append(_("This person is no longer active."))
    if subject.roles.filter(role=Role.PRINCIPAL).exists():
        errors.setdefault("subject", []).append(
            _("The principal decides here, so measures about a principal are not proposed here.")
        )
    if not (reason or "").strip():
        errors.setdefault("reason", []).append(_("Give the reason."))
    if kind == ProposalKind.PENALTY and not (evidence or "").strip():
        errors.setdefault("evidence", []).append(
            _("A penalty needs its evidence: the inspection, log, patrol or incident it rests on.")
        )
    if amount is not None and action != "bonus":
        errors.setdefault("amount", []).append(_("An amount goes with a bonus only."))
    if amount is not None and amount <= 0:
        errors.setdefault("amount", []).append(_("The amount must be more than zero."))
    if flag is not None and (flag.school_id != school.pk or flag.staff_id != subject.pk):
        errors.setdefault("subject", []).append(_("The review flag is about someone else."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        proposal = Proposal.objects.create(
            school=school,
            subject=subject,
            kind=kind,
            action=action,
            reason=reason.strip(),
            evidence=(evidence or "").strip(),
            amount=amount,
            month=month.replace(day=1) if month else None,
            proposed_by=actor.user,
            flag=flag,
        )
        _tell(
            school,
            [u for u in principals_of(school) if u.pk != actor.user.pk],
            f"assessment:proposal:{proposal.pk}:proposed",
            _("%(measure)s proposed for %(name)s") % {
                "measure": proposal.get_action_display(), "name": subject.name},
            proposal.reason,
            reverse("assessment:proposal", args=[proposal.pk]),
        )  # fmt: skip
    return proposal


def _locked(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("subject__user", "school")
        .get(pk=proposal.pk)
    )


def decide(
    *,
    proposal: Proposal,
    actor: Actor,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> Proposal:
    """The principal approves or rejects a proposal with a note. On approval the person is told
    (in-app and their channels) and may respond; the proposer hears either way. ``now``: the
    caller's clock (default the real one)."""
    if not is_principal_of(actor, proposal.school_id):
        raise PermissionDenied
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"decision_note": [_("Say why the proposal is rejected.")]})
    with transaction.atomic():
        row = _locked(proposal)
        if row.status != ProposalStatus.PROPOSED:
            raise ValidationError(_("This proposal has already been decided or withdrawn."))
        if row.subject_id == actor.staff.pk:
            raise PermissionDenied
        row.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
        row.decided_by = actor.user
        row.decided_at = now or timezone.now()
        row.decision_note = note
        row.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        url = reverse("assessment:proposal", args=[row.pk])
        label = {"measure": row.get_action_display(), "name": row.subject.name}
        if approve:
            _tell(
                row.school,
                [row.subject.user],
                f"assessment:proposal:{row.pk}:approved",
                _("Decided: %(measure)s") % label,
                _("The principal approved this measure. You can read the reason and the "
                  "evidence and write your response on the page.") + (f"\n{note}" if note else ""),
                url,
            )  # fmt: skip
        if row.proposed_by_id and row.proposed_by_id != actor.user.pk:
            _tell(
                row.school,
                [row.proposed_by],
                f"assessment:proposal:{row.pk}:decided",
                (_("Approved: %(measure)s for %(name)s") if approve
                 else _("Rejected: %(measure)s for %(name)s")) % label,
                note,
                url,
            )  # fmt: skip
    return row


def withdraw(*, proposal: Proposal, actor: Actor) -> Proposal:
    """The proposer takes back a proposal the principal has not decided yet."""
    if proposal.proposed_by_id != actor.user.pk or proposal.school_id not in actor.school_ids:
        raise PermissionDenied
    with transaction.atomic():
        row = _locked(proposal)
        if row.status != ProposalStatus.PROPOSED:
            raise ValidationError(
                _("Only a proposal still awaiting the principal can be withdrawn.")
            )
        row.status = ProposalStatus.WITHDRAWN
        row.save(update_fields=["status"])
    return row


def respond(
    *, proposal: Proposal, actor: Actor, text: str, now: datetime | None = None
) -> Proposal:
    """The person an approved measure is about writes (or rewrites) their response. ``now``:
    the caller's clock (default the real one)."""
    if actor.staff is None or proposal.subject_id != actor.staff.pk:
        raise PermissionDenied
    text = (text or "").strip()
    if not text:
        raise ValidationError({"response": [_("Write your response.")]})
    with transaction.atomic():
        row = _locked(proposal)
        if row.status != ProposalStatus.APPROVED:
            raise ValidationError(_("You can respond once the principal has approved the measure."))
        first = not row.response
        row.response = text
        row.responded_at = now or timezone.now()
        row.save(update_fields=["response", "responded_at"])
        if first:
            _tell(
                row.school,
                principals_of(row.school),
                f"assessment:proposal:{row.pk}:response",
                _("%(name)s responded to %(measure)s") % {
                    "name": row.subject.name, "measure": row.get_action_display()},
                text,
                reverse("assessment:proposal", args=[row.pk]),
            )  # fmt: skip
    return row


# ---- review flags -------------------------------------------------------------------------
def raise_flag(*, school, staff: Staff, first_month: date, last_month: date) -> ReviewFlag:
    """Flag ``staff`` for the principal's review after failing months ``first_month`` to
    ``last_month``. Idempotent: the same run again returns the same flag; a run that continues
    an open flag extends it rather than raising another; the principals are told once, when
    the flag is raised."""
    with transaction.atomic():
        same = ReviewFlag.objects.filter(staff=staff, last_month=last_month).first()
        if same is not None:
            return same
        ongoing = (
            ReviewFlag.objects.select_for_update()
            .filter(staff=staff, status=FlagStatus.OPEN, last_month__gte=_month_before(first_month))
            .order_by("-last_month")
            .first()
        )
        if ongoing is not None:
            if last_month > ongoing.last_month:
                ongoing.last_month = last_month
                ongoing.save(update_fields=["last_month"])
            return ongoing
        try:
            with transaction.atomic():
                flag = ReviewFlag.objects.create(
                    school=school, staff=staff, first_month=first_month, last_month=last_month
                )
        except IntegrityError:  # raised at the same moment by another process
            return ReviewFlag.objects.get(staff=staff, last_month=last_month)
        _tell(
            school,
            principals_of(school),
            f"assessment:flag:{flag.pk}",
            _("Review flag: %(name)s failed %(first)s to %(last)s") % {
                "name": staff.name, "first": f"{first_month:%Y-%m}", "last": f"{last_month:%Y-%m}"},
            _("A prompt to look at the person's months, not a penalty."),
            reverse("assessment:flags"),
        )  # fmt: skip
    return flag


def _month_before(month: date) -> date:
    return (month.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)


def close_flag(*, flag: ReviewFlag, actor: Actor, note: str) -> ReviewFlag:
    """The principal records the outcome of the review and closes the flag."""
    if not is_principal_of(actor, flag.school_id):
        raise PermissionDenied
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Write the outcome of the review.")]})
    with transaction.atomic():
        row = ReviewFlag.objects.select_for_update().get(pk=flag.pk)
        if row.status != FlagStatus.OPEN:
            raise ValidationError(_("This flag has already been reviewed."))
        row.status = FlagStatus.CLOSED
        row.closed_by = actor.user
        row.closed_at = timezone.now()
        row.note = note
        row.save(update_fields=["status", "closed_by", "closed_at", "note"])
    return row
