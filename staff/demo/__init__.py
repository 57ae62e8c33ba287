"""The demo school: the sample staff list plus one login per role. Idempotent."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone

from staff import services
from staff.importing import parse_staff_file
from staff.models import Bureau, BureauOfficial, Role, School, Staff, StaffRole, User

DEMO_PASSWORD = "duty2026"  # noqa: S105 - printed by the run command; demo data only
SCHOOL_NAME = "示范区实验小学"
BUREAU_NAME = "示范区教育局"
STAFF_FILE = Path(__file__).with_name("staff-list.csv")

# login name -> phone of the person in the staff list who gets it (None: the bureau login).
DEMO_LOGINS = {
    "admin": "13800001052",  # 王丽华, 办公室主任
    "principal": "13800001000",  # 丁天宇, 校长
    "leader": "13800001001",  # 余明轩, 副校长
    "teacher": "13800001004",  # 冯秀英, 教师
    "guard": "13800001044",  # 保安
    "tech": "13800001050",  # 黄婷婷, 信息技术教师
    "bureau": None,
}
ADMIN_PERMISSIONS = [
    ("staff", "view_staff"),
    ("staff", "add_staff"),
    ("staff", "change_staff"),
    ("staff", "view_staffrole"),
    ("staff", "add_staffrole"),
    ("staff", "change_staffrole"),
    ("staff", "delete_staffrole"),
    ("staff", "view_school"),
    ("staff", "change_school"),
    ("staff", "view_user"),
    ("staff", "change_user"),
]


def demo_now(now: datetime | None) -> datetime:
    """The demo's one clock: the ``now`` seed_demo passes down (``--now``), else the real now.
    Demo code calls this once at its entry and derives every date from the result."""
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise ValueError("The demo's now must be an aware datetime.")
    return now


def local_today(school: School, now: datetime) -> date:
    """The school's local day at ``now`` (never the UTC day)."""
    return timezone.localtime(now, ZoneInfo(school.time_zone)).date()


def seed_demo(*, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Create or refresh the demo school. Returns {login: description} for printing."""
    bureau, _ = Bureau.objects.get_or_create(name=BUREAU_NAME)
    school = School.objects.filter(name=SCHOOL_NAME, bureau=bureau).first()
    if school is None:
        school = services.create_school(name=SCHOOL_NAME, bureau=bureau)
    School.objects.filter(pk=school.pk).update(
        address="示范区学府路 1 号", duty_phone="0571-88880000"
    )
    rows = parse_staff_file(filename=STAFF_FILE.name, content=STAFF_FILE.read_bytes())
    services.import_staff(school=school, rows=rows, actor=None)

    with transaction.atomic():
        hashed = make_password(password)  # hash once: 50 PBKDF2 rounds would take seconds
        people = Staff.objects.filter(school=school).select_related("user")
        by_phone = {person.phone: person for person in people}
        principal = by_phone[DEMO_LOGINS["principal"]]
        StaffRole.objects.get_or_create(staff=principal, role=Role.PRINCIPAL)
        logins = {}
        for login, phone in DEMO_LOGINS.items():
            if phone is None:
                continue
            person = by_phone[phone]
            User.objects.filter(username=login).exclude(pk=person.user_id).update(
                username=f"{login}-old-{person.user_id}"
            )
            User.objects.filter(pk=person.user_id).update(username=login)
            logins[login] = f"{person.name} · {person.position}"
        User.objects.filter(staff__school=school).update(password=hashed, is_active=True)
        admin_user = User.objects.get(username="admin")
        admin_user.is_staff = True
        admin_user.save(update_fields=["is_staff"])
        admin_user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="staff",
                codename__in=[code for _, code in ADMIN_PERMISSIONS],
            )
        )
        official = BureauOfficial.objects.filter(user__username="bureau").first()
        if official is None:
            official = services.create_bureau_official(
                bureau=bureau, username="bureau", name="陈建华", phone="13800001090"
            )
        User.objects.filter(pk=official.user_id).update(password=hashed)
        logins["bureau"] = f"{official.name} · {BUREAU_NAME}"
    return logins
