"""Rewards (通报表扬, 物质奖励/奖金, 荣誉证书, 优秀值班人员) and the penalty ladder
(口头警告 → 通报批评 / 警告处分 → 停职检查 / 调离岗位): proposed with reason and evidence, approved
or rejected by the principal, told to the person, who can respond. Consecutive failing months
raise a ``ReviewFlag`` for the principal — a prompt to look, never an automatic penalty."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Action",
    "FlagStatus",
    "Proposal",
    "ProposalKind",
    "ProposalStatus",
    "ReviewFlag",
]


class ProposalKind(models.TextChoices):
    REWARD = "reward", _("Reward")
    PENALTY = "penalty", _("Penalty")


class Action(models.TextChoices):
    # Rewards
    PRAISE = "praise", _("Public commendation")
    BONUS = "bonus", _("Material reward / bonus")
    CERTIFICATE = "certificate", _("Certificate of honour")
    OUTSTANDING = "outstanding", _("Outstanding duty staff")
    # The penalty ladder, in order
    VERBAL = "verbal", _("Verbal warning")
    CRITICISM = "criticism", _("Public criticism")
    WARNING = "warning", _("Disciplinary warning")
    SUSPENSION = "suspension", _("Suspension for review")
    TRANSFER = "transfer", _("Removal from the post")


REWARDS = (Action.PRAISE, Action.BONUS, Action.CERTIFICATE, Action.OUTSTANDING)
PENALTY_LADDER = (
    Action.VERBAL,
    Action.CRITICISM,
    Action.WARNING,
    Action.SUSPENSION,
    Action.TRANSFER,
)


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting the principal")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Proposal(models.Model):
    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.ForeignKey(
        "staff.Staff", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ProposalKind.choices)
    action = models.CharField(_("measure"), max_length=12, choices=Action.choices)
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"), blank=True)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    month = models.DateField(_("month it concerns"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PROPOSED,
    )
    proposed_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("principal's note"), blank=True)
    response = models.TextField(_("response of the person"), blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    flag = models.ForeignKey(
        "assessment.ReviewFlag",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposals",
    )

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        ordering = ["-proposed_at", "pk"]
        indexes = [models.Index(fields=["school", "status"], name="proposal_school_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="reward", action__in=[a.value for a in REWARDS])
                    | models.Q(kind="penalty", action__in=[a.value for a in PENALTY_LADDER])
                ),
                name="proposal_action_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["proposed", "withdrawn"])
                | models.Q(decided_at__isnull=False),
                name="proposal_decision_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.subject_id}"


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Reviewed")


class ReviewFlag(models.Model):
    """Raised when a person's month scores fail ``failing_months_flag`` months in a row."""

    school = models.ForeignKey(
        "staff.School", verbose_name=_("school"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "staff.Staff", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    first_month = models.DateField(_("from month"))
    last_month = models.DateField(_("to month"))
    status = models.CharField(
        _("status"), max_length=8, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    closed_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.TextField(_("outcome of the review"), blank=True)

    class Meta:
        verbose_name = _("review flag")
        verbose_name_plural = _("review flags")
        ordering = ["-raised_at", "pk"]
        constraints = [
            # A run of failing months raises one flag (re-running the check is harmless).
            models.UniqueConstraint(fields=["staff", "last_month"], name="review_flag_once"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.first_month:%Y-%m}–{self.last_month:%Y-%m}"
