"""On the day: check-in and its derived states, the missed check-in notice, today's duty board
and the wall-screen kiosk."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import Notice
from roster import board, services
from roster.checkin import attendance, check_in, notify_missed_checkins, rotate_kiosk_token
from roster.models import CheckIn, RosterSettings, RosterStatus, ShiftRequirement, ShiftType
from roster.timing import localize
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import make_staff


@pytest.fixture(autouse=True)
def english(client):
    """These tests read English msgids; the product's default language is Chinese."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

ALL_DAYS = ["school_day", "weekend", "holiday", "vacation"]
DAY = date(2026, 12, 8)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return localize(datetime.combine(day, time(hour, minute, second)), "Asia/Shanghai")


@pytest.fixture
def roster(cast):
    """白班 08:00–17:00 and 夜班 17:00–08:00 on 12-07..12-09, published."""
    for name, start, minutes in (("白班", 8, 540), ("夜班", 17, 900)):
        shift_type = ShiftType.objects.create(school=cast.school, name=name,
            start_time=time(start), duration_minutes=minutes, day_kinds=ALL_DAYS)  # fmt: skip
        for role in (Role.LEADER, Role.GUARD, Role.TEACHER):
            ShiftRequirement.objects.create(shift_type=shift_type, role=role, count=1)
    roster = services.create_roster(school=cast.school, name="十二月", start=date(2026, 12, 7),
                                    end=date(2026, 12, 9), actor=None)  # fmt: skip
    roster.status = RosterStatus.PUBLISHED
    roster.save(update_fields=["status"])
    return roster


def shift(roster, name: str, day: date = DAY):
    return roster.shifts.select_related("roster__school").get(shift_type__name=name, date=day)


def duty(roster, member, role: str, name: str = "白班", day: date = DAY):
    return services.assign_duty(shift=shift(roster, name, day), staff=member, role=role,
                                actor=None, reason="排班调整").assignment  # fmt: skip


def fresh(assignment):
    return type(assignment).objects.select_related("shift__roster__school").get(pk=assignment.pk)


@pytest.fixture
def clock(monkeypatch):
    """Set the time the views see."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


# ---- derived states -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arrived", "state"),
    [((7, 55, 0), "on_time"), ((7, 0, 0), "on_time"), ((7, 55, 1), "late"), ((9, 30, 0), "late")],
)
def test_on_time_means_checked_in_by_five_minutes_before_the_start(cast, roster, arrived, state):
    assignment = duty(roster, cast.guard, Role.GUARD)
    check_in(assignment=assignment, actor=actor_for(cast.guard.user), now=at(DAY, *arrived))
    assert attendance(fresh(assignment), at(DAY, 12)) == state


def test_without_a_check_in_a_duty_is_pending_until_it_ends_then_absent(cast, roster):
    assignment = fresh(duty(roster, cast.guard, Role.GUARD))
    assert attendance(assignment, at(DAY, 7, 54)) == "pending"
    assert attendance(assignment, at(DAY, 16, 59, 59)) == "pending"
    assert attendance(assignment, at(DAY, 17)) == "absent"


def test_a_second_check_in_keeps_the_first_time(cast, roster):
    assignment = duty(roster, cast.guard, Role.GUARD)
    actor = actor_for(cast.guard.user)
    check_in(assignment=assignment, actor=actor, now=at(DAY, 7, 50))
    again = check_in(assignment=fresh(assignment), actor=actor, now=at(DAY, 8, 30))
    assert again.checked_in_at == at(DAY, 7, 50)
    assert CheckIn.objects.count() == 1


def test_check_in_opens_an_hour_before_the_start_and_closes_at_the_end(cast, roster):
    assignment = duty(roster, cast.guard, Role.GUARD)
    actor = actor_for(cast.guard.user)
    for too_soon_or_late in (at(DAY, 6, 59), at(DAY, 17)):
        with pytest.raises(ValidationError):
            check_in(assignment=assignment, actor=actor, now=too_soon_or_late)
    assert check_in(assignment=assignment, actor=actor, now=at(DAY, 7)).checked_in_at == at(DAY, 7)


def test_a_full_time_teacher_has_no_check_in_unless_the_school_switches_it_on(cast, roster):
    assignment = duty(roster, cast.teacher, Role.TEACHER)
    actor = actor_for(cast.teacher.user)
    assert attendance(fresh(assignment), at(DAY, 12)) == "not_required"
    with pytest.raises(ValidationError):
        check_in(assignment=assignment, actor=actor, now=at(DAY, 7, 50))
    RosterSettings.objects.create(school=cast.school, checkin_for_teachers=True)
    check_in(assignment=fresh(assignment), actor=actor, now=at(DAY, 7, 50))
    assert attendance(fresh(assignment), at(DAY, 12)) == "on_time"


def test_a_school_can_switch_check_in_off_for_everyone(cast, roster):
    RosterSettings.objects.create(school=cast.school, checkin_enabled=False)
    assignment = duty(roster, cast.guard, Role.GUARD)
    with pytest.raises(ValidationError):
        check_in(assignment=assignment, actor=actor_for(cast.guard.user), now=at(DAY, 7, 50))
    assert attendance(fresh(assignment), at(DAY, 18)) == "not_required"


def test_a_leader_records_an_arrival_for_someone_else_and_is_named(cast, roster):
    assignment = duty(roster, cast.guard, Role.GUARD)
    record = check_in(assignment=assignment, actor=actor_for(cast.leader.user), now=at(DAY, 8))
    assert record.recorded_by == cast.leader.user
    with pytest.raises(PermissionDenied):
        check_in(assignment=fresh(assignment), actor=actor_for(cast.tech.user), now=at(DAY, 8))


# ---- the check-in view --------------------------------------------------------------------------


def test_the_guard_checks_in_from_the_page(client, cast, roster, clock):
    assignment = duty(roster, cast.guard, Role.GUARD)
    clock(at(DAY, 7, 52))
    client.force_login(cast.guard.user)
    response = client.post(reverse("roster:checkin", args=[assignment.pk]))
    assert response.status_code == 302
    assert CheckIn.objects.get().checked_in_at == at(DAY, 7, 52)


@pytest.mark.parametrize(("who", "status"), [("tech", 403), ("teacher", 403), ("other_admin", 404)])
def test_nobody_else_checks_in_for_a_duty(client, cast, roster, clock, who, status):
    assignment = duty(roster, cast.guard, Role.GUARD)
    clock(at(DAY, 7, 52))
    client.force_login(getattr(cast, who).user)
    assert client.post(reverse("roster:checkin", args=[assignment.pk])).status_code == status
    assert not CheckIn.objects.exists()


def test_check_in_is_a_post(client, cast, roster):
    assignment = duty(roster, cast.guard, Role.GUARD)
    client.force_login(cast.guard.user)
    assert client.get(reverse("roster:checkin", args=[assignment.pk])).status_code == 405


def test_my_duties_offers_check_in_to_a_guard_but_not_to_a_teacher(client, cast, roster, clock):
    duty(roster, cast.guard, Role.GUARD)
    duty(roster, cast.teacher, Role.TEACHER)
    clock(at(DAY, 7, 30))
    client.force_login(cast.guard.user)
    assert "Check in" in client.get(reverse("roster:checkin-mine")).content.decode()
    client.force_login(cast.teacher.user)
    assert "Check in" not in client.get(reverse("roster:checkin-mine")).content.decode()


# ---- missed check-ins ---------------------------------------------------------------------------


def test_the_duty_leader_is_told_once_about_a_missed_check_in(cast, roster):
    missed = duty(roster, cast.guard, Role.GUARD)
    duty(roster, cast.teacher, Role.TEACHER)  # no check-in required: never "missed"
    leading = duty(roster, cast.leader, Role.LEADER)
    check_in(assignment=leading, actor=actor_for(cast.leader.user), now=at(DAY, 7, 40))
    check_in(assignment=duty(roster, cast.tech, Role.TECH), actor=actor_for(cast.tech.user),
             now=at(DAY, 7, 50))  # fmt: skip
    assert notify_missed_checkins(now=at(DAY, 7, 59)) == 0  # not started yet
    assert notify_missed_checkins(now=at(DAY, 9)) == 1
    missed_notices = Notice.objects.filter(event__startswith="checkin.missed:")
    count = missed_notices.count()
    notify_missed_checkins(now=at(DAY, 9, 15))
    assert missed_notices.count() == count > 0
    assert set(missed_notices.values_list("event", "recipient")) == {
        (f"checkin.missed:{missed.pk}", cast.leader.user.pk)
    }


def test_without_a_leader_on_duty_the_schools_leaders_are_told(cast, roster):
    duty(roster, cast.guard, Role.GUARD)
    notify_missed_checkins(now=at(DAY, 9))
    missed_notices = Notice.objects.filter(event__startswith="checkin.missed:")
    told = set(missed_notices.values_list("recipient", flat=True))
    assert told == {cast.leader.user.pk, cast.principal.user.pk}


# ---- today's board ------------------------------------------------------------------------------


def test_the_board_shows_who_is_on_duty_with_phones(client, cast, roster, clock):
    cast.school.duty_phone = "010-12345678"
    cast.school.save(update_fields=["duty_phone"])
    duty(roster, cast.guard, Role.GUARD)
    duty(roster, cast.leader, Role.LEADER, name="夜班")
    clock(at(DAY, 10))
    client.force_login(cast.teacher.user)
    page = client.get(reverse("roster:today")).content.decode()
    assert cast.guard.name in page and f'href="tel:{cast.guard.phone}"' in page
    assert cast.leader.name in page  # the night shift is next
    assert 'href="tel:010-12345678"' in page
    assert "Not checked in yet" not in page  # teachers see only who is on duty


def test_leaders_see_attendance_on_the_board(client, cast, roster, clock):
    duty(roster, cast.guard, Role.GUARD)
    clock(at(DAY, 10))
    client.force_login(cast.leader.user)
    assert "Not checked in yet" in client.get(reverse("roster:today")).content.decode()


def test_a_night_shift_crossing_midnight_is_on_at_two_in_the_morning(cast, roster):
    duty(roster, cast.guard, Role.GUARD, name="夜班", day=DAY)
    current = board.duty_board(cast.school, at(DAY + timedelta(days=1), 2))["current"]
    assert [(row["shift"].shift_type.name, row["shift"].date) for row in current] == [("夜班", DAY)]


def test_the_board_uses_the_same_queries_for_more_staff(client, cast, roster, clock):
    clock(at(DAY, 10))
    duty(roster, cast.guard, Role.GUARD)
    client.force_login(cast.leader.user)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("roster:today")).status_code == 200
        return len(ctx.captured_queries)

    queries()  # the first request after logging in also writes the session
    few = queries()
    for n in range(8):
        extra = make_staff(cast.school, Role.GUARD, name=f"保安{n}")
        duty(roster, extra, Role.GUARD)
        duty(roster, extra, Role.GUARD, name="夜班")
    assert queries() == few


# ---- the kiosk ----------------------------------------------------------------------------------


def test_the_kiosk_works_without_login_and_shows_no_attendance(client, cast, roster, clock):
    duty(roster, cast.guard, Role.GUARD)
    check_in(assignment=duty(roster, cast.tech, Role.TECH), actor=actor_for(cast.tech.user),
             now=at(DAY, 7, 50))  # fmt: skip
    token = rotate_kiosk_token(school=cast.school, actor=actor_for(cast.admin.user))
    clock(at(DAY, 10))
    response = client.get(reverse("roster:kiosk", args=[token]))
    page = response.content.decode()
    assert response.status_code == 200
    assert cast.guard.name in page and f"tel:{cast.guard.phone}" in page
    assert 'hx-trigger="every 60s"' in page
    for state in ("On time", "Late", "Absent", "Not checked in", "Checked in", "07:50"):
        assert state not in page
    assert "navbar" not in page
    partial = client.get(reverse("roster:kiosk", args=[token]), headers={"HX-Request": "true"})
    assert cast.guard.name in partial.content.decode()
    assert "<html" not in partial.content.decode()


@pytest.mark.parametrize("token", ["wrong", "x" * 43])
def test_a_wrong_kiosk_token_is_not_found(client, cast, roster, token):
    rotate_kiosk_token(school=cast.school, actor=actor_for(cast.admin.user))
    assert client.get(reverse("roster:kiosk", args=[token])).status_code == 404


def test_a_school_without_a_token_has_no_kiosk(client, cast, roster):
    RosterSettings.objects.create(school=cast.school)  # kiosk_token ""
    assert client.get("/roster/kiosk//").status_code == 404


def test_rotating_the_token_invalidates_the_old_link(client, cast, roster):
    client.force_login(cast.admin.user)
    client.post(reverse("roster:kiosk-token-rotate"))
    old = RosterSettings.objects.get(school=cast.school).kiosk_token
    assert old in client.get(reverse("roster:kiosk-token")).content.decode()
    client.post(reverse("roster:kiosk-token-rotate"))
    new = RosterSettings.objects.get(school=cast.school).kiosk_token
    client.logout()
    assert client.get(reverse("roster:kiosk", args=[old])).status_code == 404
    assert client.get(reverse("roster:kiosk", args=[new])).status_code == 200


@pytest.mark.parametrize("who", ["leader", "teacher", "principal"])
def test_only_the_office_manages_the_kiosk_link(client, cast, who):
    client.force_login(getattr(cast, who).user)
    assert client.post(reverse("roster:kiosk-token-rotate")).status_code == 403
    assert client.get(reverse("roster:kiosk-token")).status_code == 403
    assert not RosterSettings.objects.exclude(kiosk_token="").exists()
