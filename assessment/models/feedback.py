"""Peer review (互评) among staff who shared shifts, and student/parent feedback through a QR link.

A peer review is anonymous to the reviewed person (views never show ``reviewer`` to them) and
visible to the principal; one review per pair per month. Feedback arrives without login, is
rate-limited per client (``client_key`` is a keyed hash of the address, never the address) and
counts only once a moderator has approved it."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Feedback", "FeedbackSource", "FeedbackStatus", "PeerReview"]

RATING = [MinValueValidator(1), MaxValueValidator(5)]


class PeerReview(models.Model):
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    reviewer = models.ForeignKey(
        "staff.Staff", verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    reviewee = models.ForeignKey(
        "staff.Staff", verbose_name=_("colleague"), on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"), validators=RATING)
    strengths = models.TextField(_("what went well"), blank=True)
    improvements = models.TextField(_("what could be better"), blank=True)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        verbose_name = _("peer review")
        verbose_name_plural = _("peer reviews")
        ordering = ["-month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reviewer", "reviewee", "month"], name="peer_review_once_a_month"
            ),
            models.CheckConstraint(
                condition=~models.Q(reviewer=models.F("reviewee")), name="peer_review_not_self"
            ),
            models.CheckConstraint(condition=models.Q(month__day=1), name="peer_review_month"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="peer_review_rating"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewee_id} {self.month:%Y-%m}"


class FeedbackSource(models.TextChoices):
    STUDENT = "student", _("Student")
    PARENT = "parent", _("Parent")
    OTHER = "other", _("Other")


class FeedbackStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Feedback(models.Model):
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    about = models.ForeignKey(
        "staff.Staff",
        verbose_name=_("about"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: about duty at the school in general."),
    )
    source = models.CharField(_("from"), max_length=8, choices=FeedbackSource.choices)
    rating = models.PositiveSmallIntegerField(_("rating (1–5)"), validators=RATING)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    client_key = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=FeedbackStatus.choices,
        default=FeedbackStatus.PENDING,
    )
    moderated_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        ordering = ["-submitted_at", "pk"]
        indexes = [models.Index(fields=["school", "status"], name="feedback_school_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.rating}"
