"""Nobody reaches another school's or another person's records by changing an id.

Every URL pattern of the project (django.urls.get_resolver) must have an entry in TABLE saying
how to build its arguments for an object of school A and which members of the cast may open it.
The test opens every URL as every member of the cast (and anonymously): those listed get a page
or a redirect, everyone else 403 or 404 — a teacher of school B, an official of another bureau,
a teacher asking for a colleague's notice. URLs that only accept POST are checked with POST for
those who may not use them (a refusal, before anything is written) and answer GET with 405.

A new URL without an entry fails ``test_every_url_has_an_entry``: add it to TABLE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
# "colleague": a second teacher of school A, asked to take the teacher's duty.
SCHOOL_A = frozenset({"admin", "principal", "leader", "teacher", "guard", "tech", "colleague"})
SCHOOL_B = frozenset({"other_teacher", "other_admin"})
BUREAUS = frozenset({"official", "other_official"})
STAFF = SCHOOL_A | SCHOOL_B
LOGGED_IN = STAFF | BUREAUS
EVERYONE = LOGGED_IN | {ANONYMOUS}
ADMINS = frozenset({"admin", "other_admin"})
OFFICE_A = frozenset({"admin", "principal", "leader"})  # the cast's principal is also a leader
# A published roster: everyone of its school, and its bureau ("read-only across its schools").
READERS_A = SCHOOL_A | {"official"}


@dataclass(frozen=True)
class Entry:
    """``allowed``: who may open the URL built by ``kwargs`` (from the world of school A).
    ``post``: the view accepts only POST (GET answers 405)."""

    allowed: frozenset[str]
    kwargs: Callable[[SimpleNamespace], dict] = field(default=lambda w: {})
    query: Callable[[SimpleNamespace], str] = field(default=lambda w: "")
    post: bool = False


def get(allowed, kwargs=None, query=None) -> Entry:
    return Entry(frozenset(allowed), kwargs or (lambda w: {}), query or (lambda w: ""))


def post(allowed, kwargs=None) -> Entry:
    return Entry(frozenset(allowed), kwargs or (lambda w: {}), post=True)


def roster_kw(**extra) -> Callable:
    return lambda w: {"pk": w.roster.pk, **{k: f(w) for k, f in extra.items()}}


TABLE: dict[str, Entry] = {
    # ---- the frame
    "home": get(LOGGED_IN),
    "healthz": get(EVERYONE),
    "readyz": get(EVERYONE),
    "system-status": get(ADMINS),
    "login": get(EVERYONE),
    "logout": post(LOGGED_IN),
    "password_change": get(LOGGED_IN),
    "password_change_done": get(LOGGED_IN),
    "set_language": post(EVERYONE),
    # ---- staff
    "staff:list": get(OFFICE_A | {"other_admin"} | BUREAUS),
    "staff:detail": get(OFFICE_A | {"teacher", "official"}, lambda w: {"pk": w.teacher.pk}),
    "staff:import": get(ADMINS),
    "staff:schools": get(BUREAUS),
    # ---- rosters (a published roster of school A; its shift, duty, auto-generation run)
    "roster:list": get(LOGGED_IN),
    "roster:create": post(ADMINS),
    "roster:mine": get(LOGGED_IN),
    "roster:detail": get(READERS_A, roster_kw()),
    "roster:week": get(READERS_A, roster_kw()),
    "roster:settings": get(ADMINS),
    "roster:publish": post({"admin"}, roster_kw()),
    "roster:export": get(READERS_A, roster_kw()),
    "roster:pdf": get(READERS_A, roster_kw()),
    "roster:import": get({"admin"}, roster_kw()),
    "roster:undo": post({"admin"}, roster_kw()),
    "roster:autogen": post({"admin"}, roster_kw()),
    "roster:autogen-status": get({"admin"}, roster_kw(job_id=lambda w: w.job.pk)),
    "roster:autogen-cancel": post({"admin"}, roster_kw(job_id=lambda w: w.job.pk)),
    "roster:candidates": get({"admin"}, roster_kw(shift_id=lambda w: w.duty.shift_id)),
    "roster:assign": post({"admin"}, roster_kw(shift_id=lambda w: w.duty.shift_id)),
    "roster:unassign": post({"admin"}, roster_kw(assignment_id=lambda w: w.duty.pk)),
    # A secret token is the permission: anyone holding the teacher's feed URL reads it.
    "roster:feed": get(EVERYONE, lambda w: {"token": w.feed_token}),
    # ---- swaps and leave (the teacher's duty; a swap and a leave request to a colleague)
    "roster:swaps": get(STAFF),
    "roster:approvals": get(OFFICE_A | {"other_admin"}),
    "roster:swap-new": get(OFFICE_A | {"teacher"}, lambda w: {"assignment_id": w.duty.pk}),
    "roster:leave-new": get(OFFICE_A | {"teacher"}, lambda w: {"assignment_id": w.duty.pk}),
    "roster:swap-respond": post({"colleague"}, lambda w: {"pk": w.swap.pk}),
    "roster:swap-decide": post(OFFICE_A, lambda w: {"pk": w.swap.pk}),
    "roster:swap-cancel": post({"teacher"}, lambda w: {"pk": w.swap.pk}),
    "roster:leave-respond": post({"colleague"}, lambda w: {"pk": w.leave.pk}),
    "roster:leave-decide": post(OFFICE_A, lambda w: {"pk": w.leave.pk}),
    "roster:leave-cancel": post({"teacher"}, lambda w: {"pk": w.leave.pk}),
    # ---- on the day
    "roster:checkin": post(OFFICE_A | {"teacher"}, lambda w: {"assignment_id": w.duty.pk}),
    "roster:today": get(STAFF),
    "roster:checkin-mine": get(LOGGED_IN),
    "roster:kiosk": get(EVERYONE, lambda w: {"token": w.kiosk_token}),
    "roster:kiosk-token": get(ADMINS),
    "roster:kiosk-token-rotate": post(ADMINS),
    # ---- holiday filing (a filing of school A)
    "roster:filings": get({"admin", "principal", "other_admin"} | BUREAUS),
    "roster:filing-new": get({"admin", "principal"}, query=lambda w: f"start={w.holiday_start}"),
    "roster:filing-detail": get({"admin", "principal", "official"}, lambda w: {"pk": w.filing.pk}),
    "roster:bureau-filings": get(BUREAUS),
    "roster:bureau-filings-export": get(BUREAUS),
    # ---- notifications (an in-app notice to the teacher)
    "notifications:inbox": get(LOGGED_IN),
    "notifications:badge": get(EVERYONE),
    "notifications:read_all": post(LOGGED_IN),
    "notifications:read": post({"teacher"}, lambda w: {"pk": w.notice.pk}),
    "notifications:open": post({"teacher"}, lambda w: {"pk": w.notice.pk}),
    "notifications:preferences": get(LOGGED_IN),
    "notifications:test": post(LOGGED_IN),
    "notifications:channels": get(ADMINS),
    "notifications:channel": get(ADMINS, lambda w: {"kind": "dingtalk"}),
    "notifications:log": get(ADMINS),
    "notifications:notice": get({"admin"}, lambda w: {"pk": w.notice.pk}),
    "notifications:retry": post({"admin"}, lambda w: {"pk": w.notice.pk}),
}


def _walk(patterns, namespace: str = "", prefix: str = ""):
    """(url name with its namespaces, full route) for every pattern; unnamed patterns: ""."""
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}:{p.namespace}" if namespace and p.namespace else (
                p.namespace or namespace)  # fmt: skip
            yield from _walk(p.url_patterns, inner, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield name, prefix + str(p.pattern)


ALL_URLS = list(_walk(get_resolver().url_patterns))


def _names_in(namespace: str) -> set[str]:
    return {name for name, _route in ALL_URLS if name.startswith(f"{namespace}:")}


# PENDING: url names other helpers are building right now. The lead fills in their entries
# (then removes them from here); until then they are listed, not checked.
PENDING_LOGBOOK = _names_in("logbook")
PENDING_INCIDENTS = _names_in("incidents")
# The Django admin is scoped to the office's own school by staff/admin.py and tested there
# (staff/tests); its unnamed redirect patterns and named views are not part of this matrix.
ADMIN_SITE = _names_in("admin") | {""}


def test_every_url_has_an_entry():
    names = {name for name, _route in ALL_URLS}
    missing = sorted(names - set(TABLE) - PENDING_LOGBOOK - PENDING_INCIDENTS - ADMIN_SITE)
    assert not missing, (
        f"URL names without an entry in tests/test_url_matrix.py TABLE: {missing}. Add one per "
        "name: how to build its kwargs for an object of school A and which cast roles may open it."
    )
    assert not set(TABLE) - names, f"entries for URLs that no longer exist: {set(TABLE) - names}"


def test_only_the_admin_site_has_patterns_without_a_name():
    for name, route in ALL_URLS:
        if name in ADMIN_SITE:
            assert route.startswith("admin/"), f"{route} needs a name and an entry in TABLE"


@pytest.fixture
def world(cast):
    """School A's records: a published roster with the teacher's future duty, an
    auto-generation run, a swap and a leave request to a colleague, a holiday filing, an
    in-app notice to the teacher, the kiosk token; and a holiday ahead to file for."""
    from notifications.fanout import notify
    from roster import exchange, filing, services
    from roster.checkin import rotate_kiosk_token
    from roster.ical import feed_token
    from roster.models import CalendarOverride, RosterStatus, ShiftRequirement, ShiftType, SolveJob
    from staff.models import Role
    from staff.queries import actor_for
    from staff.tests.factories import make_staff

    school = cast.school
    today = timezone.localdate()
    start = today + timedelta(days=20)
    start += timedelta(days=(0 - start.weekday()) % 7)  # a Monday: a school day shape
    for day in (start + timedelta(days=3), start + timedelta(days=4)):
        CalendarOverride.objects.create(school=school, date=day, kind="holiday", note="校庆")
    shift_type = ShiftType.objects.create(
        school=school, name="白班", start_time=time(8), duration_minutes=540,
        day_kinds=["school_day", "weekend", "holiday", "vacation"],
    )  # fmt: skip
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.TEACHER, count=1)
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.LEADER, count=1)
    ShiftRequirement.objects.create(shift_type=shift_type, role=Role.GUARD, count=1)
    roster = services.create_roster(school=school, name="矩阵", start=start,
                                    end=start + timedelta(days=6), actor=None)  # fmt: skip
    colleague = make_staff(school, Role.TEACHER, name="同事", username="a-colleague")
    for shift in roster.shifts.all():
        services.assign_duty(shift=shift, staff=cast.leader, role=Role.LEADER, actor=None)
        services.assign_duty(shift=shift, staff=cast.guard, role=Role.GUARD, actor=None)
    duty = services.assign_duty(shift=roster.shifts.get(date=start), staff=cast.teacher,
                                role=Role.TEACHER, actor=None).assignment  # fmt: skip
    Roster = type(roster)
    Roster.objects.filter(pk=roster.pk).update(status=RosterStatus.PUBLISHED)
    roster.refresh_from_db()
    swap = exchange.request_swap(assignment=duty, colleague=colleague, actor=cast.teacher.user)
    leave = exchange.request_leave(assignment=duty, reason="病假", replacement=colleague,
                                   actor=cast.teacher.user)  # fmt: skip
    [period] = [p for p in filing.upcoming_holidays(school, today=today) if p.name == "校庆"]
    record = filing.file_holiday_roster(
        school=school, holiday=period.name, start=period.start, end=period.end,
        duty_phone="010-1234567", night_contact="门卫室", filer_name="王办公",
        filer_phone="13900000000", actor=actor_for(cast.admin.user),
    )  # fmt: skip
    notices = notify(school=school, recipients=[cast.teacher.user], event="matrix:test",
                     subject="测试")  # fmt: skip
    return SimpleNamespace(
        roster=roster,
        duty=duty,
        teacher=cast.teacher,
        colleague=colleague,
        job=SolveJob.objects.create(roster=roster, status=SolveJob.Status.DONE),
        swap=swap,
        leave=leave,
        filing=record,
        holiday_start=period.start.isoformat(),
        notice=next(n for n in notices if n.channel == "inapp"),
        feed_token=feed_token(cast.teacher),
        kiosk_token=rotate_kiosk_token(school=school, actor=actor_for(cast.admin.user)),
    )


def _url(name: str, entry: Entry, world) -> str:
    url = reverse(name, kwargs=entry.kwargs(world))
    query = entry.query(world)
    return f"{url}?{query}" if query else url


def _to_login(client, url: str, status: int) -> bool:
    return status == 302 and client.get(url)["Location"].startswith(reverse("login"))


def _fingerprint(world) -> tuple:
    """What a refused POST must not have changed."""
    from roster.models import Assignment, HolidayFiling, RosterChange, RosterSettings

    for record in (world.roster, world.swap, world.leave, world.job, world.notice):
        record.refresh_from_db()
    return (
        list(Assignment.objects.order_by("pk").values_list("pk", "staff_id", "shift_id")),
        RosterChange.objects.count(),
        HolidayFiling.objects.count(),
        world.roster.status, world.swap.status, world.leave.status, world.job.status,
        world.job.cancel_requested, world.notice.read_at,
        RosterSettings.objects.get(school=world.roster.school_id).kiosk_token,
    )  # fmt: skip


def test_every_url_admits_exactly_the_roles_it_lists(client, cast, world):
    """One pass over every (URL, member of the cast) pair; all mismatches reported at once."""
    before = _fingerprint(world)
    people = {role: getattr(cast, role) for role in LOGGED_IN - {"colleague"}}
    people["colleague"] = world.colleague
    wrong = []
    for who in [ANONYMOUS, *sorted(people)]:
        client.logout()
        if who != ANONYMOUS:
            client.force_login(people[who].user)
        for name, entry in sorted(TABLE.items()):
            url = _url(name, entry, world)
            may = who in entry.allowed
            if entry.post:
                # A POST-only view answers GET with 405 (or refuses the person first).
                if who != ANONYMOUS and name != "set_language":
                    status = client.get(url).status_code
                    if status != 405 and (may or status not in (403, 404)):
                        wrong.append(f"{who} GET {name}: {status}, expected 405 (POST only)")
                if may:
                    continue  # allowed POSTs change state: their own tests cover them
                status = client.post(url).status_code
            else:
                status = client.get(url).status_code
            if who == ANONYMOUS and not may:
                ok = _to_login(client, url, status)
                expected = "a redirect to the login page"
            elif may:
                # A page, a redirect, or (readyz) "not ready" — anything but a refusal.
                ok = status not in (401, 403, 404, 405) and not _to_login(client, url, status)
                expected = "to be let in"
            else:
                ok = status in (403, 404)
                expected = "403 or 404"
            if not ok:
                wrong.append(f"{who} {'POST' if entry.post else 'GET'} {name}: {status}, "
                             f"expected {expected}")  # fmt: skip
    assert not wrong, "\n".join(wrong)
    assert _fingerprint(world) == before  # no refused request wrote anything
