"""Writes for peer review (互评) and student/parent feedback (学生反馈).

Peer review: a member of staff reviews a colleague they shared a shift with (the same shift of a
published roster, started by now) in the current or the previous month, once per colleague per
month (the database's unique constraint is the last word), never themself and never for a month
whose scores the principal has finalised. The reviewed person never sees who wrote a review.

Feedback: anyone holding the school's QR link may send a short rating and comment without
logging in. Each client (a keyed hash of its address; the address itself is never stored) may
send ``feedback_per_hour`` in any hour: the count is taken in the database under a lock on the
school's settings row, so parallel requests or several web processes cannot slip past it.
Feedback counts toward a score only after the office or the principal approves it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import (
    AssessmentSettings,
    Feedback,
    FeedbackSource,
    FeedbackStatus,
    MonthScore,
    PeerReview,
)
from assessment.queries.people import (
    open_review_months,
    shared_shifts,
)
from assessment.services.config import settings_for
from staff.models import Role, Staff
from staff.queries import Actor

MODERATORS = (Role.ADMIN, Role.PRINCIPAL)
RATE_WINDOW = timedelta(hours=1)


# ---- peer review ----------------------------------------------------------------------------
def _month_is_final(reviewee: Staff, month: date) -> bool:
    return MonthScore.objects.filter(
        staff=reviewee, month=month, finalized_at__isnull=False
    ).exists()


def write_review(
    *,
    actor: Actor,
    reviewee: Staff,
    month: date,
    rating: int,
    strengths: str = "",
    improvements: str = "",
    now: datetime | None = None,
) -> PeerReview:
    reviewer = actor.staff
    if reviewer is None or reviewee.school_id != reviewer.school_id:
        raise PermissionDenied
    month = month.replace(day=1)
    now = now or timezone.now()
    if reviewee.pk == reviewer.pk:
        raise ValidationError(_("You cannot review yourself."))
    if month not in open_review_months(reviewer.school, now):
        raise ValidationError(_("Reviews are written for the current or the previous month."))
    if not shared_shifts(reviewer, reviewee, month, now):
        raise ValidationError(
            _("You did not share a shift with %(name)s in %(month)s.")
            % {"name": reviewee.name, "month": f"{month:%Y-%m}"}
        )
    if _month_is_final(reviewee, month):
        raise ValidationError(_("The scores of %(month)s are final; it takes no more reviews.")
                              % {"month": f"{month:%Y-%m}"})  # fmt: skip
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Give a rating from 1 to 5.")]})
    try:
        with transaction.atomic():
            return PeerReview.objects.create(
                school=reviewer.school,
                month=month,
                reviewer=reviewer,
                reviewee=reviewee,
                rating=rating,
                strengths=(strengths or "").strip(),
                improvements=(improvements or "").strip(),
            )
    except IntegrityError:
        raise ValidationError(
            _("You have already reviewed %(name)s for %(month)s: one review per colleague a month.")
            % {"name": reviewee.name, "month": f"{month:%Y-%m}"}
        ) from None


def withdraw_review(*, actor: Actor, review: PeerReview, now: datetime | None = None) -> None:
    """The reviewer deletes their own review while its month is still open."""
    if actor.staff is None or review.reviewer_id != actor.staff.pk:
        raise PermissionDenied
    now = now or timezone.now()
    if review.month not in open_review_months(review.school, now) or _month_is_final(
        review.reviewee, review.month
    ):
        raise ValidationError(_("The review's month is closed; it can no longer be withdrawn."))
    with transaction.atomic():
        PeerReview.objects.filter(pk=review.pk).delete()


# ---- feedback ------------------------------------------------------------------------------
def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, or behind the project's nginx (BEHIND_PROXY) the last
    address in X-Forwarded-For, which nginx appends itself and a client cannot forge."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    if getattr(django_settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = forwarded.split(",")[-1].strip() or address
    return address


def client_key(address: str) -> str:
    """A keyed hash of the address (64 hex characters): stable for counting, not reversible
    without the server's secret."""
    secret = django_settings.SECRET_KEY.encode()
    return hmac.new(secret, b"feedback:" + address.encode(), hashlib.sha256).hexdigest()


def submit_feedback(
    *,
    school,
    source: str,
    rating: int,
    comment: str = "",
    about: Staff | None = None,
    key: str,
    now: datetime | None = None,
) -> Feedback:
    """Store one feedback, pending moderation, unless this client has reached the school's
    hourly limit (then a ValidationError says so and nothing is stored)."""
    now = now or timezone.now()
    if source not in FeedbackSource.values:
        raise ValidationError({"source": [_("Choose who you are.")]})
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": [_("Give a rating from 1 to 5.")]})
    if about is not None and (about.school_id != school.pk or not about.active):
        raise ValidationError({"about": [_("Choose someone from the list.")]})
    settings_for(school)  # the row to lock exists
    with transaction.atomic():
        limits = AssessmentSettings.objects.select_for_update().get(school=school)
        sent = Feedback.objects.filter(
            school=school, client_key=key, submitted_at__gt=now - RATE_WINDOW
        ).count()
        if sent >= limits.feedback_per_hour:
            raise ValidationError(
                _("You have already sent %(n)s messages in the last hour, the most we accept. "
                  "Please try again later.") % {"n": limits.feedback_per_hour},
                code="rate_limited",
            )  # fmt: skip
        row = Feedback.objects.create(
            school=school,
            about=about,
            source=source,
            rating=rating,
            comment=(comment or "").strip()[:1000],
            client_key=key,
        )
        if row.submitted_at != now:  # tests pass ``now``; auto_now_add stamps the real time
            Feedback.objects.filter(pk=row.pk).update(submitted_at=now)
            row.submitted_at = now
    return row


def can_moderate(actor: Actor, school_id: int) -> bool:
    return (
        actor.staff is not None
        and actor.has_any(*MODERATORS)
        and actor.staff.school_id == school_id
    )


def moderate(*, actor: Actor, feedback: Feedback, approve: bool) -> Feedback:
    """Approve a feedback (it counts) or hide it (it does not); either can be changed later."""
    if not can_moderate(actor, feedback.school_id):
        raise PermissionDenied
    status = FeedbackStatus.APPROVED if approve else FeedbackStatus.REJECTED
    with transaction.atomic():
        Feedback.objects.filter(pk=feedback.pk).update(
            status=status, moderated_by=actor.user, moderated_at=timezone.now()
        )
    feedback.refresh_from_db()
    return feedback


def rotate_feedback_token(*, actor: Actor, school) -> str:
    """A new secret for the feedback link; printed codes with the old one stop working."""
    if not can_moderate(actor, school.pk):
        raise PermissionDenied
    token = secrets.token_urlsafe(24)
    settings = settings_for(school)
    with transaction.atomic():
        AssessmentSettings.objects.filter(pk=settings.pk).update(feedback_token=token)
    return token
