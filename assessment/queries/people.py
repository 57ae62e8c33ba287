"""Reads for peer review, feedback, rewards and penalties and review flags, and who may open
which record.

Choke points: ``get_review_for_user``, ``get_feedback_for_user``, ``get_proposal_for_user`` and
``get_flag_for_user`` answer 404 for a record of another school (ids reveal nothing) and 403 for
one of the actor's school they may not see. Reviewers' names reach only the principal; the
reviewed person gets the count and the mean, and the comments (without names, in no particular
order) once at least ``ANONYMITY_MIN`` colleagues have written, so a lone review cannot be
matched to the one colleague on that shift.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from assessment.models import (
    AssessmentSettings,
    Feedback,
    FeedbackStatus,
    FlagStatus,
    PeerReview,
    Proposal,
    ProposalStatus,
    ReviewFlag,
)
from assessment.models.awards import PENALTY_LADDER
from roster.models import Assignment, RosterStatus
from staff.models import Role, Staff
from staff.queries import Actor

ANONYMITY_MIN = 2
DUTY_DAYS = 14  # feedback may name someone on duty in the last two weeks (the gate's duty sheet)
PAGE_SIZE = 20


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _previous(month: date) -> date:
    return _month_start(month - timedelta(days=1))


def local_today(school, now: datetime | None = None) -> date:
    now = now or timezone.now()
    return now.astimezone(zoneinfo.ZoneInfo(school.time_zone)).date()


def open_review_months(school, now: datetime | None = None) -> list[date]:
    """The months reviews may be written for: the previous one and the current one."""
    this = _month_start(local_today(school, now))
    return [_previous(this), this]


def is_principal(actor: Actor) -> bool:
    return actor.staff is not None and actor.has_any(Role.PRINCIPAL)


def is_office(actor: Actor) -> bool:
    return actor.staff is not None and actor.has_any(Role.ADMIN, Role.PRINCIPAL)


def staff_of(actor: Actor) -> Staff:
    """Pages of this part are for members of staff (not bureau officials)."""
    if actor.staff is None:
        raise PermissionDenied
    return actor.staff


# ---- peer review ----------------------------------------------------------------------------
def _duties(staff_ids, month: date, now: datetime):
    after = _month_start(month + timedelta(days=32))
    return Assignment.objects.filter(
        staff_id__in=staff_ids,
        shift__roster__status=RosterStatus.PUBLISHED,
        shift__date__gte=month,
        shift__date__lt=after,
        shift__starts_at__lte=now,
    )


def shared_shifts(reviewer: Staff, reviewee: Staff, month: date, now: datetime | None = None):
    """The shifts of ``month`` (started by ``now``) both people were on."""
    now = now or timezone.now()
    mine = _duties([reviewer.pk], month, now).values("shift_id")
    return list(
        _duties([reviewee.pk], month, now)
        .filter(shift_id__in=mine)
        .values_list("shift__date", flat=True)
        .order_by("shift__date")
    )


@dataclass
class Colleague:
    staff: Staff
    shifts: int
    last: date
    reviewed: PeerReview | None = None


def colleagues_to_review(reviewer: Staff, month: date, now: datetime | None = None):
    """Everyone ``reviewer`` shared a shift with in ``month``, with the review written (if)."""
    now = now or timezone.now()
    shift_ids = _duties([reviewer.pk], month, now).values("shift_id")
    rows = (
        Assignment.objects.filter(shift_id__in=shift_ids, staff__active=True)
        .exclude(staff=reviewer)
        .values("staff_id")
        .annotate(n=Count("shift_id", distinct=True), last=Max("shift__date"))
    )
    counts = {r["staff_id"]: (r["n"], r["last"]) for r in rows}
    people = Staff.objects.filter(pk__in=counts, school=reviewer.school).order_by("name")
    written = {
        r.reviewee_id: r
        for r in PeerReview.objects.filter(reviewer=reviewer, month=month, reviewee__in=counts)
    }
    return [Colleague(p, counts[p.pk][0], counts[p.pk][1], written.get(p.pk)) for p in people]


def reviews_written(reviewer: Staff) -> QuerySet[PeerReview]:
    return (
        PeerReview.objects.filter(reviewer=reviewer)
        .select_related("reviewee")
        .order_by("-month", "reviewee__name")
    )


@dataclass
class Received:
    """What the reviewed person sees of a month: never who wrote what."""

    month: date
    count: int
    mean: Decimal
    comments: list[tuple[str, str]] = field(default_factory=list)
    withheld: bool = False


def received_summary(reviewee: Staff, months: int = 12) -> list[Received]:
    """The person's reviews by month, newest first: count, mean rating, and the comments
    without names (sorted by their text, not by time) when ANONYMITY_MIN or more wrote."""
    since = _month_start(local_today(reviewee.school)) - timedelta(days=31 * (months - 1))
    rows = (
        PeerReview.objects.filter(reviewee=reviewee, month__gte=_month_start(since))
        .values("month")
        .annotate(n=Count("pk"), mean=Avg("rating"))
        .order_by("-month")
    )
    found = []
    for row in rows:
        mean = Decimal(row["mean"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        item = Received(row["month"], row["n"], mean)
        if row["n"] >= ANONYMITY_MIN:
            texts = PeerReview.objects.filter(reviewee=reviewee, month=row["month"]).values_list(
                "strengths", "improvements"
            )
            item.comments = sorted((s, i) for s, i in texts if s or i)
        else:
            item.withheld = True
        found.append(item)
    return found


def school_reviews(school, month: date) -> QuerySet[PeerReview]:
    """The principal's view: every review of the month with both names."""
    return (
        PeerReview.objects.filter(school=school, month=month)
        .select_related("reviewer", "reviewee")
        .order_by("reviewee__name", "reviewer__name")
    )


def school_review_means(school, month: date) -> list[dict]:
    return list(
        PeerReview.objects.filter(school=school, month=month)
        .values("reviewee_id", "reviewee__name")
        .annotate(n=Count("pk"), mean=Avg("rating"))
        .order_by("reviewee__name")
    )


def get_review_for_user(actor: Actor, pk: int) -> PeerReview:
    review = PeerReview.objects.select_related("reviewee", "school").filter(pk=pk).first()
    if review is None or review.school_id not in actor.school_ids:
        raise Http404
    if actor.staff is None or review.reviewer_id != actor.staff.pk:
        raise PermissionDenied
    return review


def get_colleague_for_user(actor: Actor, pk: int) -> Staff:
    """A colleague of the actor's school (to review); another school's is 404."""
    person = Staff.objects.select_related("school").filter(pk=pk, active=True).first()
    if person is None or actor.staff is None or person.school_id != actor.staff.school_id:
        raise Http404
    return person


# ---- feedback ------------------------------------------------------------------------------
def school_for_feedback_token(token: str):
    """The school whose printed QR code carries ``token``; an unknown or retired one is 404."""
    if not token:
        raise Http404
    found = AssessmentSettings.objects.select_related("school").filter(feedback_token=token).first()
    if found is None:
        raise Http404
    return found.school


def people_on_duty_lately(school, today: date | None = None) -> list[Staff]:
    """Who a student or parent may name: people on duty in the last DUTY_DAYS days (the names
    on the duty sheet at the gate), nobody else."""
    today = today or local_today(school)
    ids = (
        Assignment.objects.filter(
            shift__roster__school=school,
            shift__roster__status=RosterStatus.PUBLISHED,
            shift__date__gte=today - timedelta(days=DUTY_DAYS),
            shift__date__lte=today,
        )
        .values_list("staff_id", flat=True)
        .distinct()
    )
    return list(Staff.objects.filter(pk__in=list(ids), active=True).order_by("name"))


def feedback_list(school, status: str | None) -> QuerySet[Feedback]:
    rows = Feedback.objects.filter(school=school).select_related("about", "moderated_by")
    if status in FeedbackStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-submitted_at", "-pk")


def feedback_counts(school) -> dict[str, int]:
    rows = Feedback.objects.filter(school=school).values("status").annotate(n=Count("pk"))
    return {r["status"]: r["n"] for r in rows}


def get_feedback_for_user(actor: Actor, pk: int) -> Feedback:
    row = Feedback.objects.filter(pk=pk).first()
    if row is None or row.school_id not in actor.school_ids:
        raise Http404
    if not (is_office(actor) and actor.staff.school_id == row.school_id):
        raise PermissionDenied
    return row


def moderation_school(actor: Actor):
    if not is_office(actor):
        raise PermissionDenied
    return actor.staff.school


# ---- rewards and penalties -----------------------------------------------------------------
def proposals_for(actor: Actor, status: str | None = None) -> QuerySet[Proposal]:
    """The proposals the actor may see: the principal and the office see the school's; a leader
    the ones they proposed and approved ones about themself; everyone else approved ones about
    themself."""
    me = staff_of(actor)
    rows = Proposal.objects.filter(school=me.school).select_related("subject", "proposed_by")
    if not is_office(actor):
        rows = rows.filter(
            Q(proposed_by=actor.user) | Q(subject=me, status=ProposalStatus.APPROVED)
        )
    if status in ProposalStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-proposed_at", "-pk")


def may_see_proposal(actor: Actor, proposal: Proposal) -> bool:
    if actor.staff is None or actor.staff.school_id != proposal.school_id:
        return False
    if is_office(actor) or proposal.proposed_by_id == actor.user.pk:
        return True
    return proposal.subject_id == actor.staff.pk and proposal.status == ProposalStatus.APPROVED


def get_proposal_for_user(actor: Actor, pk: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("subject", "proposed_by", "decided_by", "flag", "school")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or proposal.school_id not in actor.school_ids:
        raise Http404
    if not may_see_proposal(actor, proposal):
        raise PermissionDenied
    return proposal


def ladder_history(person: Staff, exclude: int | None = None) -> list[Proposal]:
    """The person's approved penalties, oldest first: where they stand on the ladder (context
    for the principal; nothing follows from it automatically)."""
    rows = Proposal.objects.filter(
        subject=person, kind="penalty", status=ProposalStatus.APPROVED
    ).order_by("decided_at", "pk")
    if exclude:
        rows = rows.exclude(pk=exclude)
    return list(rows)


def ladder_step(action: str) -> int | None:
    """1-based position of a penalty on the ladder (通报批评 and 警告处分 share a rung, as do
    停职检查 and 调离岗位, as in the policy)."""
    rungs = {"verbal": 1, "criticism": 2, "warning": 2, "suspension": 3, "transfer": 3}
    return rungs.get(action) if action in PENALTY_LADDER else None


# ---- review flags --------------------------------------------------------------------------
def flags_for(school, status: str | None = FlagStatus.OPEN) -> QuerySet[ReviewFlag]:
    rows = ReviewFlag.objects.filter(school=school).select_related("staff", "closed_by")
    if status in FlagStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-last_month", "staff__name", "pk")


def principal_school(actor: Actor):
    if not is_principal(actor):
        raise PermissionDenied
    return actor.staff.school


def get_flag_for_user(actor: Actor, pk: int) -> ReviewFlag:
    flag = ReviewFlag.objects.select_related("staff").filter(pk=pk).first()
    if flag is None or flag.school_id not in actor.school_ids:
        raise Http404
    if not (is_principal(actor) and actor.staff.school_id == flag.school_id):
        raise PermissionDenied
    return flag
