"""Plain factory functions for staff records (every write still goes through the models'
validation where it matters; these exist to make tests short)."""

from __future__ import annotations

import itertools

from django.contrib.auth.hashers import make_password

from staff.models import Bureau, BureauOfficial, School, Staff, StaffRole, User

PASSWORD = "Correct-Horse-42"
# Hash once per test session: PBKDF2 is slow on purpose.
_HASH: list[str] = []
_numbers = itertools.count(1)


def password_hash() -> str:
    if not _HASH:
        _HASH.append(make_password(PASSWORD))
    return _HASH[0]


def make_school(name: str | None = None, bureau: Bureau | None = None) -> School:
    n = next(_numbers)
    return School.objects.create(name=name or f"第{n}小学", bureau=bureau)


def make_user(username: str | None = None) -> User:
    n = next(_numbers)
    return User.objects.create(username=username or f"user{n}", password=password_hash())


def make_staff(
    school: School,
    *roles: str,
    name: str | None = None,
    username: str | None = None,
    active: bool = True,
) -> Staff:
    n = next(_numbers)
    staff = Staff.objects.create(
        school=school,
        user=make_user(username),
        name=name or f"测试{n}",
        position="教师",
        phone=f"1390000{n:04d}",
        active=active,
    )
    StaffRole.objects.bulk_create([StaffRole(staff=staff, role=role) for role in roles])
    return staff


def make_official(bureau: Bureau, username: str | None = None) -> BureauOfficial:
    return BureauOfficial.objects.create(
        bureau=bureau, user=make_user(username), name="督导员", phone=""
    )
