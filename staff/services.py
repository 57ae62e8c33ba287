"""Every write to schools, staff and logins goes through these functions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from staff.importing import StaffRow
from staff.models import Bureau, BureauOfficial, School, Staff, StaffRole, User


@dataclass
class ImportResult:
    created: int
    updated: int


def create_school(
    *, name: str, bureau: Bureau | None = None, time_zone: str = "Asia/Shanghai", address: str = ""
) -> School:
    school = School(name=name, bureau=bureau, time_zone=time_zone, address=address)
    school.full_clean()
    school.save()
    return school


def set_staff_roles(*, staff: Staff, roles: list[str]) -> None:
    with transaction.atomic(savepoint=False):
        staff.roles.exclude(role__in=roles).delete()
        existing = set(staff.roles.values_list("role", flat=True))
        StaffRole.objects.bulk_create(
            [StaffRole(staff=staff, role=role) for role in roles if role not in existing]
        )


def import_staff(*, school: School, rows: list[StaffRow], actor: User | None) -> ImportResult:
    """Create or update staff from validated rows, all or nothing.

    People are matched by phone within the school, so importing the same list twice changes
    nothing. A new person gets a login named by their phone number with no usable password:
    the office sets one (Django admin) before the person first logs in.
    """
    created = updated = 0
    with transaction.atomic(durable=True):
        existing = {s.phone: s for s in Staff.objects.select_for_update().filter(school=school)}
        taken = set(
            User.objects.filter(username__in=[row.phone for row in rows]).values_list(
                "username", flat=True
            )
        )
        for row in rows:
            staff = existing.get(row.phone)
            fields = {
                "name": row.name,
                "position": row.position,
                "emergency_contact_name": row.emergency_contact_name,
                "emergency_contact_phone": row.emergency_contact_phone,
            }
            if staff is None:
                user = None
                if row.phone not in taken:
                    user = User(username=row.phone)
                    user.set_unusable_password()
                    user.save()
                staff = Staff.objects.create(school=school, phone=row.phone, user=user, **fields)
                created += 1
            else:
                changed = [key for key, value in fields.items() if getattr(staff, key) != value]
                if changed or not staff.active:
                    for key in changed:
                        setattr(staff, key, fields[key])
                    staff.active = True
                    staff.save(update_fields=[*changed, "active"])
                    updated += 1
            set_staff_roles(staff=staff, roles=row.roles)
    return ImportResult(created=created, updated=updated)


def create_bureau_official(
    *, bureau: Bureau, username: str, name: str, phone: str = ""
) -> BureauOfficial:
    with transaction.atomic():
        user = User(username=username)
        user.set_unusable_password()
        user.save()
        return BureauOfficial.objects.create(bureau=bureau, user=user, name=name, phone=phone)
