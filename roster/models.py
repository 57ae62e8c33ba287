"""Who is on duty when: shift types, the school calendar, rosters, shifts and assignments.

Times: a shift belongs to the date it starts on. Its aware start and end are computed once
(roster/timing.py), in the school's time zone, by wall-clock arithmetic: a night shift is
17:00 + 15 h, so it ends at 08:00 the next morning, which is 15 real hours in Shanghai and 14 or
16 on a daylight-saving night elsewhere.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from staff.models import Role


class DayKind(models.TextChoices):
    SCHOOL_DAY = "school_day", _("School day")
    WEEKEND = "weekend", _("Weekend")
    HOLIDAY = "holiday", _("Public holiday")
    VACATION = "vacation", _("Vacation")


class Term(models.Model):
    """A school term; days outside every term are vacation (寒暑假)."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(_("name"), max_length=50)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="term_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CalendarOverride(models.Model):
    """The school's word on one day beats the official calendar (e.g. a sports day, a local
    closure, or a year the holiday data does not cover yet)."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind of day"), max_length=12, choices=DayKind.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        constraints = [
            models.UniqueConstraint(fields=["school", "date"], name="calendar_override_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


def default_day_kinds() -> list[str]:
    return [DayKind.SCHOOL_DAY]


class ShiftType(models.Model):
    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="shift_types")
    name = models.CharField(_("name"), max_length=50)
    start_time = models.TimeField(_("starts at"))
    # Length, not an end time: 08:00 + 24 h (a 24-hour duty day) is unambiguous; 08:00–08:00
    # is not. One minute to 24 hours.
    duration_minutes = models.PositiveIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    weight = models.DecimalField(
        _("load weight"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text=_(
            "How much one duty counts toward fairness: night and holiday duties count more."
        ),
    )
    day_kinds = models.JSONField(_("runs on"), default=default_day_kinds)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shift type")
        verbose_name_plural = _("shift types")
        ordering = ["start_time", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="shift_type_name_unique"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1, duration_minutes__lte=24 * 60),
                name="shift_type_length_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ShiftRequirement(models.Model):
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE, related_name="requirements")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    count = models.PositiveSmallIntegerField(_("people"), default=1)

    class Meta:
        verbose_name = _("staffing requirement")
        verbose_name_plural = _("staffing requirements")
        constraints = [
            models.UniqueConstraint(fields=["shift_type", "role"], name="requirement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.shift_type} {self.role}×{self.count}"


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Roster(models.Model):
    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="rosters")
    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=10, choices=RosterStatus.choices, default=RosterStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    publish_reason = models.TextField(_("reason for late publishing"), blank=True)
    # Published over days whose holidays were not yet official or that no term covered, after
    # the publisher confirmed checking the school calendar: how many such days there were.
    publish_unverified_days = models.PositiveSmallIntegerField(
        _("days published unverified"), default=0
    )

    class Meta:
        verbose_name = _("roster")
        verbose_name_plural = _("rosters")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="roster_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ShiftQuerySet(models.QuerySet):
    def for_school(self, school) -> ShiftQuerySet:
        return self.filter(roster__school=school)


class Shift(models.Model):
    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="shifts")
    shift_type = models.ForeignKey(ShiftType, on_delete=models.PROTECT, related_name="shifts")
    date = models.DateField(_("date"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "shift_type__start_time"]
        constraints = [
            models.UniqueConstraint(fields=["shift_type", "date"], name="shift_one_per_type_day"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_positive_length"
            ),
        ]
        indexes = [
            # "Who is on duty now" and reminders: shifts overlapping a moment.
            models.Index(fields=["starts_at", "ends_at"], name="shift_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.shift_type}"


class Assignment(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey("staff.Staff", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        constraints = [
            models.UniqueConstraint(fields=["shift", "staff"], name="assignment_one_per_person")
        ]
        indexes = [
            # "My duties" and the overlap rule: one person's shifts in time order.
            models.Index(fields=["staff", "shift"], name="assignment_staff_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.shift}: {self.staff} ({self.role})"


class RosterChange(models.Model):
    """Append-only history of a roster: who changed what, when and why."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        ASSIGNED = "assigned", _("Assigned")
        UNASSIGNED = "unassigned", _("Removed")
        PUBLISHED = "published", _("Published")

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    shift = models.ForeignKey(
        Shift, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        "staff.Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    role = models.CharField(_("role"), max_length=16, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    after_publishing = models.BooleanField(_("after publishing"), default=False)

    class Meta:
        verbose_name = _("roster change")
        verbose_name_plural = _("roster changes")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.roster_id} {self.action}"


class RosterSettings(models.Model):
    """A school's duty rules and reminder times. Defaults follow the policy and MOE 2025."""

    school = models.OneToOneField(
        "staff.School", on_delete=models.CASCADE, related_name="roster_settings"
    )
    evening_reminder_at = models.TimeField(_("evening-before reminder at"), default=time(20))
    reminder_minutes_before = models.PositiveSmallIntegerField(
        _("reminder before a duty (minutes)"), default=60
    )
    rest_hours = models.PositiveSmallIntegerField(_("rest after a night duty (hours)"), default=12)
    weekly_cap = models.PositiveSmallIntegerField(_("duties per week at most"), default=3)
    teachers_only_on_school_days = models.BooleanField(
        _("full-time teachers only on days with students"),
        default=True,
        help_text=_("MOE 教师厅〔2025〕2号: switch off only knowingly."),
    )
    fairness_tolerance = models.DecimalField(
        _("fairness tolerance (weight units)"), max_digits=4, decimal_places=1, default=Decimal("2")
    )
    swaps_need_approval = models.BooleanField(
        _("swaps need a duty leader's approval"), default=True
    )
    checkin_enabled = models.BooleanField(_("check-in on duty"), default=True)
    checkin_for_teachers = models.BooleanField(
        _("check-in also for full-time teachers"),
        default=False,
        help_text=_(
            "Off by default: MOE 2025 guidance forbids mandatory app check-in for teachers."
        ),
    )
    # The secret in the wall-screen URL of today's duty board (no login, no other data).
    kiosk_token = models.CharField(_("duty board token"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("duty settings")
        verbose_name_plural = _("duty settings")

    def __str__(self) -> str:
        return f"{self.school_id}"


class SolveJob(models.Model):
    """One run of auto-generation. The row is the record: the worker writes progress here,
    the page polls it, and a cancel request is a flag the solver checks."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="solve_jobs")
    requested_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("auto-generation run")
        verbose_name_plural = _("auto-generation runs")
        constraints = [
            # One run at a time per roster.
            models.UniqueConstraint(
                fields=["roster"],
                condition=models.Q(status__in=["queued", "running"]),
                name="solve_job_one_active_per_roster",
            )
        ]

    def __str__(self) -> str:
        return f"{self.roster_id} {self.status}"

    @property
    def active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return round(self.progress * 100)


class CheckIn(models.Model):
    """The time someone on duty arrived. On time, late and absent are derived, never typed."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="checkin")
    checked_in_at = models.DateTimeField(_("arrived"))
    recorded_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"{self.assignment_id} @ {self.checked_in_at:%Y-%m-%d %H:%M}"


class DutyRequest(models.Model):
    """What swap and leave requests share: who asked, when, and who decided how."""

    requested_by = models.ForeignKey("staff.Staff", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class SwapRequest(DutyRequest):
    """A asks B to take A's duty — in exchange for one of B's (a swap) or not (a hand-over).
    B accepts; a duty leader approves when the school requires it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the colleague")
        ACCEPTED = "accepted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined by the colleague")
        REJECTED = "rejected", _("Rejected by the duty leader")
        CANCELLED = "cancelled", _("Withdrawn")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="swaps_out")
    colleague = models.ForeignKey(
        "staff.Staff", verbose_name=_("colleague"), on_delete=models.CASCADE, related_name="+"
    )
    # The colleague's duty A takes in return; empty: the colleague simply takes A's duty.
    in_return = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, null=True, blank=True, related_name="swaps_in"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )

    class Meta(DutyRequest.Meta):
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        constraints = [
            # One open request per duty at a time.
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(status__in=["requested", "accepted"]),
                name="swap_one_open_per_duty",
            )
        ]

    def __str__(self) -> str:
        return f"swap {self.assignment_id} → {self.colleague_id} ({self.status})"


class LeaveRequest(DutyRequest):
    """请假 for one duty: a reason and a replacement, proposed by the person or found by the
    engine. Approved only once the replacement has accepted; an unfilled slot is flagged."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Waiting for the replacement")
        ACCEPTED = "accepted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Replacement declined")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Withdrawn")
        UNFILLED = "unfilled", _("No replacement: slot open")

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="leave_requests"
    )
    reason = models.CharField(_("reason"), max_length=300)
    replacement = models.ForeignKey(
        "staff.Staff",
        verbose_name=_("replacement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )

    class Meta(DutyRequest.Meta):
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=models.Q(status__in=["requested", "accepted", "unfilled"]),
                name="leave_one_open_per_duty",
            )
        ]

    def __str__(self) -> str:
        return f"leave {self.assignment_id} ({self.status})"


class FilingPolicy(models.Model):
    """A bureau's rule for holiday roster filing (节假日值班表报备): how many days before the
    holiday, by what hour. Bureaus differ; 3 days at 17:00 is the default."""

    bureau = models.OneToOneField(
        "staff.Bureau", on_delete=models.CASCADE, related_name="filing_policy"
    )
    days_before = models.PositiveSmallIntegerField(_("days before the holiday"), default=3)
    deadline_time = models.TimeField(_("by"), default=time(17))

    class Meta:
        verbose_name = _("filing rule")
        verbose_name_plural = _("filing rules")

    def __str__(self) -> str:
        return f"{self.bureau_id}: {self.days_before}d {self.deadline_time}"


class HolidayFiling(models.Model):
    """A frozen copy of a school's holiday duty roster as filed with the bureau. A change after
    filing is a new version (re-filing), which the bureau sees."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="filings")
    holiday = models.CharField(_("holiday"), max_length=50)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    deadline = models.DateTimeField(_("deadline"))
    filed_at = models.DateTimeField(_("filed"))
    filed_by = models.ForeignKey(
        "staff.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    duty_phone = models.CharField(_("duty landline"), max_length=30)
    night_contact = models.CharField(_("night contact"), max_length=100, blank=True)
    filer_name = models.CharField(_("filed by (name)"), max_length=50)
    filer_phone = models.CharField(_("contact phone"), max_length=20)
    rows = models.JSONField(_("duty rows"))  # frozen: [{date, weekday, leader, leader_post, ...}]
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("holiday roster filing")
        verbose_name_plural = _("holiday roster filings")
        ordering = ["-start_date", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "holiday", "start_date", "version"], name="filing_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id} {self.holiday} v{self.version}"


class DutyPreference(models.Model):
    """A person's word on one future date: cannot serve (hard for the solver) or would rather
    not (soft). Only auto-generation reads it; the rules engine does not (leave is the hard
    rule for a published duty)."""

    class Kind(models.TextChoices):
        UNAVAILABLE = "unavailable", _("Unavailable")
        PREFER_NOT = "prefer_not", _("Prefer not")

    # The staff member's school, copied when the row is written, so the overview and the solver
    # read one school's date range from one index without joining staff.
    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(
        "staff.Staff", on_delete=models.CASCADE, related_name="duty_preferences"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("duty preference")
        verbose_name_plural = _("duty preferences")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "date"], name="duty_preference_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["unavailable", "prefer_not"]),
                name="duty_preference_kind_valid",
            ),
        ]
        indexes = [
            # The school overview and auto-generation: one school's preferences in a period.
            models.Index(fields=["school", "date"], name="duty_preference_school_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.date} {self.kind}"
