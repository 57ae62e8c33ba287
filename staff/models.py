"""Schools, people and the roles they may act in.

Every record in DutySchool belongs to a School. A person working at a school is a ``Staff`` row
linked to a login; an education-bureau official is a ``BureauOfficial`` who oversees the bureau's
schools read-only.
"""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from staff.phones import validate_phone


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class Role(models.TextChoices):
    ADMIN = "admin", _("Office administrator")
    PRINCIPAL = "principal", _("Principal")
    LEADER = "leader", _("Duty leader")
    TEACHER = "teacher", _("Duty teacher")
    GUARD = "guard", _("Security guard")
    TECH = "tech", _("Technical support")


class User(AbstractUser):
    """The login. Personal and school data live on Staff / BureauOfficial, not here."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("login account")
        verbose_name_plural = _("login accounts")


class Bureau(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("education bureau")
        verbose_name_plural = _("education bureaus")

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    name = models.CharField(_("name"), max_length=100)
    bureau = models.ForeignKey(
        Bureau,
        verbose_name=_("education bureau"),
        on_delete=models.PROTECT,
        related_name="schools",
        null=True,
        blank=True,
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    duty_phone = models.CharField(
        _("duty landline"),
        max_length=30,
        blank=True,
        help_text=_("The duty-room phone the bureau calls to check who is on duty."),
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.UniqueConstraint(fields=["bureau", "name"], name="school_name_unique_in_bureau")
        ]

    def __str__(self) -> str:
        return self.name


class StaffQuerySet(models.QuerySet):
    def for_school(self, school: School | int) -> StaffQuerySet:
        return self.filter(school=school)

    def active(self) -> StaffQuerySet:
        return self.filter(active=True)

    def with_role(self, role: str) -> StaffQuerySet:
        return self.filter(roles__role=role)


class Staff(models.Model):
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="staff"
    )
    user = models.OneToOneField(
        User,
        verbose_name=_("login account"),
        on_delete=models.SET_NULL,
        related_name="staff",
        null=True,
        blank=True,
    )
    name = models.CharField(_("full name"), max_length=50)
    position = models.CharField(_("position"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, validators=[validate_phone])
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=50, blank=True)
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    active = models.BooleanField(_("active"), default=True)

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        ordering = ["name", "pk"]
        constraints = [
            # The import matches people by phone: one person per phone number in a school.
            models.UniqueConstraint(fields=["school", "phone"], name="staff_phone_unique_in_school")
        ]
        indexes = [
            # The directory lists one school's staff by name.
            models.Index(fields=["school", "name"], name="staff_school_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def role_codes(self) -> set[str]:
        return {r.role for r in self.roles.all()}

    def role_labels(self) -> list[str]:
        codes = self.role_codes
        return [label for value, label in Role.choices if value in codes]


class StaffRole(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="staff_role_known"
            ),
        ]
        indexes = [
            # "Who in this school may serve as leader?" filters by role.
            models.Index(fields=["role", "staff"], name="staffrole_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_role_display()}"


class BureauOfficial(models.Model):
    """An education-bureau account: reads its schools, receives serious escalations."""

    bureau = models.ForeignKey(
        Bureau,
        verbose_name=_("education bureau"),
        on_delete=models.PROTECT,
        related_name="officials",
    )
    user = models.OneToOneField(
        User,
        verbose_name=_("login account"),
        on_delete=models.CASCADE,
        related_name="bureau_official",
    )
    name = models.CharField(_("full name"), max_length=50)
    phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_phone]
    )

    class Meta:
        verbose_name = _("bureau official")
        verbose_name_plural = _("bureau officials")

    def __str__(self) -> str:
        return self.name
