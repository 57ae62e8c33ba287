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
# The logbook's shift: the leader, the teacher and the guard on duty; the principal leads.
LOG_SHIFT = frozenset({"leader", "teacher", "guard"})
LOG_WRITERS = LOG_SHIFT | {"principal"}
ROUND_READERS = OFFICE_A | {"teacher"}  # the teacher patrolled
VISIT_STAFF = STAFF - {"tech"}  # logbook.services.visit.VISIT_ROLES
# The incident: read by the school's leadership, its reporter (the teacher) and those on its shift;
# edited by the reporter, the principal and the shift's leader; its post-incident report written
# by the reporter, the shift's leader and the office.
INCIDENT_READERS = OFFICE_A | LOG_SHIFT
INCIDENT_EDITORS = frozenset({"teacher", "principal", "leader"})
REPORT_WRITERS = frozenset({"teacher", "leader", "admin"})
ZERO_REPORT = {"no_incident": True, "on_post": True, "leader": "王校长", "reporter_name": "王校长"}


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
    # ---- stated availability (mine; the school's overview of a roster of school A)
    "roster:availability": get(STAFF),
    "roster:availability-set": post(STAFF),
    "roster:availability-school": get(OFFICE_A, query=lambda w: f"roster={w.roster.pk}"),
    # ---- holiday filing (a filing of school A)
    "roster:filings": get({"admin", "principal", "other_admin"} | BUREAUS),
    "roster:filing-new": get({"admin", "principal"}, query=lambda w: f"start={w.holiday_start}"),
    "roster:filing-detail": get({"admin", "principal", "official"}, lambda w: {"pk": w.filing.pk}),
    "roster:bureau-filings": get(BUREAUS),
    "roster:bureau-filings-export": get(BUREAUS),
    # ---- set-up: shift types, duty models, 值周, the calendar (school A's shift type and term)
    "roster:shift-types": get(ADMINS),
    "roster:shift-type-new": get(ADMINS),
    "roster:shift-type-edit": get({"admin"}, lambda w: {"pk": w.duty.shift.shift_type_id}),
    "roster:shift-type-deactivate": get({"admin"}, lambda w: {"pk": w.duty.shift.shift_type_id}),
    "roster:preset-apply": post(ADMINS),
    "roster:week-duty": post(ADMINS),
    "roster:calendar": get(ADMINS),
    "roster:term-new": post(ADMINS),
    "roster:term-delete": post({"admin"}, lambda w: {"pk": _matrix_term(w).pk}),
    "roster:override-set": post(ADMINS),
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
    # ---- logbook: a past shift of school A with the leader, the teacher and the guard on duty
    # (LOG_SHIFT), its duty log, the teacher's patrol round with a problem (photo, hazard), a
    # visitor, the handover to the next shift (the colleague on it) and a daily report.
    # "On duty now", the hazard register and patrol home: every member of staff.
    "logbook:now": get(STAFF),
    # The duty log: read by the people on its shift and the school's leaders and office;
    # written by those on the shift and the leaders (the office reads, does not write).
    "logbook:log-open": post(LOG_WRITERS, lambda w: {"shift_id": w.log_shift.pk}),
    "logbook:post-check": post({"leader", "principal"}, lambda w: {"shift_id": w.log_shift.pk}),
    "logbook:log": get(LOG_WRITERS | {"admin"}, lambda w: {"pk": w.log.pk}),
    "logbook:log-autosave": post(LOG_WRITERS, lambda w: {"pk": w.log.pk}),
    "logbook:log-submit": post(LOG_WRITERS, lambda w: {"pk": w.log.pk}),
    "logbook:log-sign": post({"leader", "principal"}, lambda w: {"pk": w.log.pk}),
    "logbook:log-amend": post(LOG_WRITERS, lambda w: {"pk": w.log.pk}),
    # Patrol checklists: the office of the school.
    "logbook:checklists": get(ADMINS),
    "logbook:checkpoint-new": post(ADMINS),
    "logbook:checklist-standard": post(ADMINS),
    "logbook:checklist-qr": get(ADMINS),
    "logbook:checkpoint": get({"admin"}, lambda w: {"pk": w.checkpoint.pk}),
    "logbook:checkpoint-active": post({"admin"}, lambda w: {"pk": w.checkpoint.pk}),
    "logbook:item-new": post({"admin"}, lambda w: {"pk": w.checkpoint.pk}),
    "logbook:item": get({"admin"}, lambda w: {"pk": w.patrol_item.pk}),
    "logbook:item-active": post({"admin"}, lambda w: {"pk": w.patrol_item.pk}),
    # Rounds: the person who patrolled writes; the office and leaders read.
    "logbook:patrol": get(STAFF),
    "logbook:round-start": post(STAFF),
    "logbook:round": get(ROUND_READERS, lambda w: {"pk": w.round.pk}),
    "logbook:round-record": post(
        {"teacher"}, lambda w: {"pk": w.round.pk, "item_pk": w.patrol_item.pk}
    ),
    "logbook:round-weather": post({"teacher"}, lambda w: {"pk": w.round.pk}),
    "logbook:round-finish": post({"teacher"}, lambda w: {"pk": w.round.pk}),
    # A checkpoint's QR code: any member of its school's staff may scan it.
    "logbook:scan": get(SCHOOL_A, lambda w: {"token": w.checkpoint.token}),
    "logbook:photo": get(SCHOOL_A, lambda w: {"pk": w.photo.pk}),
    # Hazards: the school's staff see and report them; leaders and office manage; the
    # responsible person (nobody yet) or the office fixes.
    "logbook:hazards": get(STAFF),
    "logbook:hazard-export": get(STAFF),
    "logbook:hazard-new": get(STAFF),
    "logbook:hazard": get(SCHOOL_A, lambda w: {"pk": w.hazard.pk}),
    "logbook:hazard-assign": post(OFFICE_A, lambda w: {"pk": w.hazard.pk}),
    "logbook:hazard-fix": post({"admin"}, lambda w: {"pk": w.hazard.pk}),
    "logbook:hazard-verify": post(OFFICE_A, lambda w: {"pk": w.hazard.pk}),
    "logbook:hazard-close": post(OFFICE_A, lambda w: {"pk": w.hazard.pk}),
    "logbook:hazard-photo": post(SCHOOL_A, lambda w: {"pk": w.hazard.pk}),
    "logbook:result-hazard": post(ROUND_READERS, lambda w: {"pk": w.problem.pk}),
    # Visitors: the gate and duty roles (not technical support, not the bureau); the full ID
    # number only to the office and the principal.
    "logbook:visits": get(VISIT_STAFF),
    "logbook:visit-new": get(VISIT_STAFF),
    "logbook:visit-lookup": post(VISIT_STAFF),
    "logbook:visit-settings": get(ADMINS),
    "logbook:visit-detail": get(VISIT_STAFF & SCHOOL_A, lambda w: {"pk": w.visit.pk}),
    "logbook:visit-sign-out": post(VISIT_STAFF & SCHOOL_A, lambda w: {"pk": w.visit.pk}),
    "logbook:visit-reveal": post({"admin", "principal"}, lambda w: {"pk": w.visit.pk}),
    # Handover: written by those on the outgoing shift; seen by both shifts and the leaders
    # and office; decided by the incoming shift (the colleague).
    "logbook:handover-new": get(LOG_SHIFT, lambda w: {"shift_id": w.log_shift.pk}),
    "logbook:handover-detail": get(
        OFFICE_A | LOG_SHIFT | {"colleague"}, lambda w: {"pk": w.handover.pk}
    ),
    "logbook:handover-accept": post({"colleague"}, lambda w: {"pk": w.handover.pk}),
    "logbook:handover-refuse": post({"colleague"}, lambda w: {"pk": w.handover.pk}),
    # Reports: the school's leadership; its reports to the bureau also read by the bureau.
    "logbook:daily": get(OFFICE_A | {"other_admin"}),
    "logbook:daily-export": get(
        OFFICE_A | {"other_admin"},
        lambda w: {"scope": "day", "fmt": "xlsx"},
        lambda w: f"date={w.report.date}",
    ),
    "logbook:report-list": get(OFFICE_A | {"other_admin"}),
    "logbook:report-new": get(OFFICE_A | {"other_admin"}),
    "logbook:report-detail": get(OFFICE_A | {"official"}, lambda w: {"pk": w.report.pk}),
    "logbook:report-correct": get(OFFICE_A, lambda w: {"pk": w.report.pk}),
    "logbook:bureau-daily": get(BUREAUS),
    "logbook:bureau-chase": post(BUREAUS),
    "logbook:bureau-export": get(BUREAUS, query=lambda w: f"month={w.report.date:%Y-%m}"),
    "logbook:bureau-periods": get(BUREAUS),
    "logbook:log-archive": get(OFFICE_A | {"other_admin"}),
    # ---- incidents: a contained incident of school A reported by the teacher in LOG_SHIFT (not
    # escalated to the bureau, so officials do not see it), with an attachment, the fire plan's
    # checklist and a draft post-incident report with a corrective action owned by tech.
    "incidents:list": get(STAFF),
    "incidents:bureau": get(BUREAUS),
    "incidents:dashboard": get(OFFICE_A | {"other_admin"}),
    "incidents:report": get(STAFF),
    "incidents:subcategories": get(LOGGED_IN, query=lambda w: "category=accident"),
    "incidents:policy": get(ADMINS),
    # The report-up deadlines: each official sets their own bureau's; a school's office and
    # principal read their bureau's (school B shares school A's bureau).
    "incidents:report-clocks": get({"admin", "principal", "other_admin"} | BUREAUS),
    "incidents:detail": get(INCIDENT_READERS, lambda w: {"pk": w.incident.pk}),
    "incidents:edit": get(INCIDENT_EDITORS, lambda w: {"pk": w.incident.pk}),
    "incidents:attach": post(INCIDENT_EDITORS, lambda w: {"pk": w.incident.pk}),
    "incidents:attachment": get(
        INCIDENT_READERS, lambda w: {"pk": w.incident.pk, "attachment_id": w.attachment.pk}
    ),
    "incidents:acknowledge": post({"leader", "principal"}, lambda w: {"pk": w.incident.pk}),
    "incidents:status": post({"leader", "principal"}, lambda w: {"pk": w.incident.pk}),
    "incidents:report-up": post({"leader", "principal"}, lambda w: {"pk": w.incident.pk}),
    "incidents:review": get(INCIDENT_READERS, lambda w: {"pk": w.incident.pk}),
    "incidents:review-edit": get(REPORT_WRITERS, lambda w: {"pk": w.incident.pk}),
    "incidents:review-submit": post(REPORT_WRITERS, lambda w: {"pk": w.incident.pk}),
    "incidents:review-decide": post({"principal"}, lambda w: {"pk": w.incident.pk}),
    "incidents:print": get(OFFICE_A, lambda w: {"pk": w.incident.pk}),
    "incidents:plan-tick": post(
        INCIDENT_READERS, lambda w: {"pk": w.incident.pk, "step_id": w.plan_step.pk}
    ),
    "incidents:action-done": post(
        REPORT_WRITERS | {"principal", "tech"}, lambda w: {"pk": w.action.pk}
    ),
    "incidents:reviews": get(OFFICE_A | {"other_admin"}),
    "incidents:stats": get({"admin", "principal", "other_admin"}),
    "incidents:stats-export": get({"admin", "principal", "other_admin"}),
    # Every member of staff reads the school's plans; the office and the principal edit them.
    "incidents:plans": get(STAFF),
    "incidents:plan-new": get({"admin", "principal", "other_admin"}),
    "incidents:plan": get(SCHOOL_A, lambda w: {"pk": w.plan.pk}),
    "incidents:plan-edit": get({"admin", "principal"}, lambda w: {"pk": w.plan.pk}),
    "incidents:drills": get({"admin", "principal", "other_admin"}),
    "incidents:drill-new": get({"admin", "principal", "other_admin"}),
    # ---- assessment scores: rankings are the principal's only; a person's record is theirs
    # and the principal's (the teacher's record here).
    "assessment:home": get(STAFF),
    "assessment:mine": get(STAFF),
    "assessment:scores": get({"principal"}),
    "assessment:scores-recompute": post({"principal"}),
    "assessment:scores-finalise": post({"principal"}),
    "assessment:person-month": get({"principal", "teacher"}, lambda w: {"pk": w.teacher.pk}),
    "assessment:record": get({"principal", "teacher"}, lambda w: {"pk": w.teacher.pk}),
    "assessment:record-pdf": get({"principal", "teacher"}, lambda w: {"pk": w.teacher.pk}),
    "assessment:settings": get({"admin", "principal", "other_admin"}),
    # ---- assessment criteria, inspections, training, metrics (_inspect_world: the policy's
    # criteria, a rule, the leader's planned inspection, a training session). Criteria are the
    # office's and the principal's; inspections the leadership's (the inspector or the office
    # scores); training is read by the whole school; metrics: everyone, their own or all.
    "assessment:criteria": get({"admin", "principal", "other_admin"}),
    "assessment:criterion-new": get({"admin", "principal", "other_admin"}),
    "assessment:criterion-edit": get(
        {"admin", "principal"}, lambda w: {"pk": _inspect_world(w).criterion.pk}
    ),
    "assessment:rule-new": post(
        {"admin", "principal"}, lambda w: {"pk": _inspect_world(w).criterion.pk}
    ),
    "assessment:rule-delete": get(
        {"admin", "principal"}, lambda w: {"pk": _inspect_world(w).rule.pk}
    ),
    "assessment:inspections": get(OFFICE_A | {"other_admin"}),
    "assessment:inspection-new": get(OFFICE_A | {"other_admin"}),
    "assessment:inspection-detail": get(
        OFFICE_A, lambda w: {"pk": _inspect_world(w).inspection.pk}
    ),
    "assessment:inspection-score": get(OFFICE_A, lambda w: {"pk": _inspect_world(w).inspection.pk}),
    "assessment:inspection-complete": post(
        OFFICE_A, lambda w: {"pk": _inspect_world(w).inspection.pk}
    ),
    # rescheduling and cancelling a planned inspection: the inspector (the leader) or the office
    "assessment:inspection-plan": post(OFFICE_A, lambda w: {"pk": _inspect_world(w).inspection.pk}),
    "assessment:inspection-cancel": post(
        OFFICE_A, lambda w: {"pk": _inspect_world(w).inspection.pk}
    ),
    "assessment:training": get(STAFF),
    "assessment:training-new": get(OFFICE_A | {"other_admin"}),
    "assessment:training-detail": get(SCHOOL_A, lambda w: {"pk": _inspect_world(w).session.pk}),
    "assessment:training-edit": get(OFFICE_A, lambda w: {"pk": _inspect_world(w).session.pk}),
    "assessment:metrics": get(STAFF),
    # ---- assessment people part (_people_world: the leader's review of the teacher from the
    # logbook's shift, a feedback, the leader's penalty for the teacher approved by the
    # principal, a review flag on the teacher). Reviewers are hidden from the reviewed; names,
    # flags and decisions are the principal's; feedback is moderated by the office.
    "assessment:reviews": get(STAFF),
    "assessment:review-new": get(
        {"leader", "guard"},
        lambda w: {"pk": w.teacher.pk},
        lambda w: f"month={w.log_shift.date:%Y-%m}",
    ),
    "assessment:review-withdraw": post({"leader"}, lambda w: {"pk": _people_world(w).review.pk}),
    "assessment:reviews-school": get({"principal"}),
    "assessment:feedback": get({"admin", "principal", "other_admin"}),
    "assessment:feedback-moderate": post(
        {"admin", "principal"}, lambda w: {"pk": _people_world(w).feedback.pk}
    ),
    "assessment:feedback-link": get({"admin", "principal", "other_admin"}),
    "assessment:feedback-qr": get({"admin", "principal", "other_admin"}),
    "assessment:feedback-link-rotate": post({"admin", "principal", "other_admin"}),
    "assessment:feedback-limit": post({"admin", "principal", "other_admin"}),
    # The public form behind the QR code: the school's secret token is the permission.
    "assessment:feedback-form": get(EVERYONE, lambda w: {"token": _people_world(w).token}),
    "assessment:proposals": get(STAFF),
    "assessment:proposal-new": get(OFFICE_A | {"other_admin"}),
    "assessment:proposal": get(
        {"principal", "admin", "leader", "teacher"}, lambda w: {"pk": _people_world(w).proposal.pk}
    ),
    "assessment:proposal-decide": post(
        {"principal"}, lambda w: {"pk": _people_world(w).proposal.pk}
    ),
    "assessment:proposal-withdraw": post(
        {"leader"}, lambda w: {"pk": _people_world(w).proposal.pk}
    ),
    "assessment:proposal-respond": post(
        {"teacher"}, lambda w: {"pk": _people_world(w).proposal.pk}
    ),
    "assessment:flags": get({"principal"}),
    "assessment:flag-close": post({"principal"}, lambda w: {"pk": _people_world(w).flag.pk}),
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


# The Django admin is scoped to the office's own school by staff/admin.py and tested there
# (staff/tests); its unnamed redirect patterns and named views are not part of this matrix.
ADMIN_SITE = _names_in("admin") | {""}


def test_every_url_has_an_entry():
    names = {name for name, _route in ALL_URLS}
    missing = sorted(names - set(TABLE) - ADMIN_SITE)
    assert not missing, (
        f"URL names without an entry in tests/test_url_matrix.py TABLE: {missing}. Add one per "
        "name: how to build its kwargs for an object of school A and which cast roles may open it."
    )
    assert not set(TABLE) - names, f"entries for URLs that no longer exist: {set(TABLE) - names}"


def test_only_the_admin_site_has_patterns_without_a_name():
    for name, route in ALL_URLS:
        if name in ADMIN_SITE:
            assert route.startswith("admin/"), f"{route} needs a name and an entry in TABLE"


def _logbook_world(cast, colleague) -> dict:
    """School A's logbook records, made through the services: a 白班 ten days ago with the
    leader, the teacher and the guard on duty; its duty log (a draft); a checkpoint with an item;
    the teacher's patrol round with the item a problem (a photo) and the hazard opened from it;
    a visitor still on campus; the handover to the next shift (the colleague on it); a daily
    report of that day in a bureau reporting period."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from logbook.services import handover, hazard, log, patrol, report, visit
    from logbook.tests.factories import make_roster, put_on_duty, shift_of
    from logbook.uploads import clean_image
    from staff.models import Role
    from staff.queries import actor_for

    def as_(member):
        return actor_for(member.user)

    day = timezone.localdate() - timedelta(days=10)
    roster = make_roster(cast.school, start=day - timedelta(days=1), days=3)
    shift = put_on_duty(shift_of(roster, "白班", day), (cast.leader, Role.LEADER),
                        (cast.teacher, Role.TEACHER), (cast.guard, Role.GUARD))  # fmt: skip
    during = shift.starts_at + timedelta(hours=2)
    teacher = as_(cast.teacher)
    duty_log = log.open_log(shift=shift, actor=teacher, now=during)
    duty_log = log.autosave_log(log=duty_log, actor=teacher, data={"weather": "晴"},
                                version=duty_log.version, now=during)  # fmt: skip
    checkpoint = patrol.create_checkpoint(school=cast.school, area="校门", location="南门",
                                          actor=as_(cast.admin))  # fmt: skip
    item = patrol.create_item(checkpoint=checkpoint, text="大门上锁", actor=as_(cast.admin))
    patrol_round = patrol.start_round(shift=shift, actor=teacher, now=during)
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 60, 40)).save(jpeg, "JPEG")
    photo = clean_image(SimpleUploadedFile("p.jpg", jpeg.getvalue(), "image/jpeg"))
    problem = patrol.record_result(patrol=patrol_round, item=item, status="problem",
                                   note="锁坏", photos=[photo], actor=teacher,
                                   now=during)  # fmt: skip
    found = hazard.open_hazard_from_result(result=problem, actor=teacher, now=during)
    visitor = visit.register_visit(
        school=cast.school, actor=as_(cast.guard), name="李来访", phone="13912345678",
        id_type="resident", id_number="110105198507043018", purpose="维修",
        time_in=during, now=during,
    )  # fmt: skip
    following = handover.next_shift(shift)
    put_on_duty(following, (colleague, Role.TEACHER))
    note = handover.write_handover(from_shift=shift, actor=teacher, situation="正常",
                                   now=shift.ends_at - timedelta(minutes=10))  # fmt: skip
    report.create_reporting_period(name="矩阵", start=day, end=day,
                                   actor=as_(cast.official))  # fmt: skip
    daily = report.submit_daily_report(school=cast.school, day=day, content=ZERO_REPORT,
                                       actor=as_(cast.principal))  # fmt: skip
    return {
        "log_shift": shift,
        "log": duty_log,
        "checkpoint": checkpoint,
        "patrol_item": item,
        "round": patrol_round,
        "problem": problem,
        "photo": problem.photos.get(),
        "hazard": found,
        "visit": visitor,
        "handover": note,
        "report": daily,
    }


def _incidents_world(cast, shift) -> dict:
    """A contained incident of school A reported by the teacher in ``shift``, made through the
    incidents test factories and services: a PDF attached, the fire plan's checklist, a draft
    post-incident report with a corrective action owned by tech."""
    from incidents.categories import Status
    from incidents.services import incident as incident_services
    from incidents.services.plans import attach_plan
    from incidents.tests.factories_review import make_incident, make_plan, write_report

    plan = make_plan(cast)
    incident = make_incident(cast, status=Status.CONTAINED, shift=shift, reporter=cast.teacher)
    pdf = incident_services.CleanFile(data=b"%PDF-1.4\n%%EOF\n", name="现场.pdf",
                                      content_type="application/pdf", extension="pdf")  # fmt: skip
    incident_services.add_attachments(incident=incident, actor=cast.teacher.user, files=[pdf])
    checklist = attach_plan(incident)
    report = write_report(cast, incident)
    return {
        "incident": incident,
        "attachment": incident.attachments.get(),
        "plan": plan,
        "plan_step": checklist.version.steps.order_by("pk").first(),
        "action": report.actions.get(),
    }


@pytest.fixture
def world(cast, settings, tmp_path):
    """School A's records: a published roster with the teacher's future duty, an
    auto-generation run, a swap and a leave request to a colleague, a holiday filing, an
    in-app notice to the teacher, the kiosk token; and a holiday ahead to file for. Then the
    logbook's records of a past shift and an incident on it (_logbook_world, _incidents_world)."""
    from notifications.fanout import notify
    from roster import exchange, filing, services, setup
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
    settings.MEDIA_ROOT = tmp_path / "media"  # the patrol photo
    # A school year around today: every weekday stays a school day, as without terms.
    term = setup.save_term(
        actor=actor_for(cast.admin.user),
        school=school,
        name="本学年",
        start=today - timedelta(days=400),
        end=today + timedelta(days=400),
    )
    logbook = _logbook_world(cast, colleague)
    incidents = _incidents_world(cast, logbook["log_shift"])
    return SimpleNamespace(
        **logbook,
        **incidents,
        roster=roster,
        term=term,
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


def _people_world(world):
    """School A's assessment people records, made once on first use (the matrix compares no
    assessment table): the leader's review of the teacher for the logbook shift's month, a
    pending feedback, the leader's penalty for the teacher approved by the principal, and an
    open review flag on the teacher."""
    found = getattr(world, "people", None)
    if found is not None:
        return found
    from assessment.models import Feedback, PeerReview, ReviewFlag
    from assessment.services import awards
    from assessment.services.config import settings_for
    from staff.models import Role, Staff
    from staff.queries import actor_for

    shift = world.log_shift
    school = shift.roster.school
    leader = shift.assignments.get(role=Role.LEADER).staff
    principal = Staff.objects.get(school=school, roles__role=Role.PRINCIPAL)
    month = shift.date.replace(day=1)
    proposal = awards.propose(actor=actor_for(leader.user), subject=world.teacher,
                              action="verbal", reason="迟到", evidence="检查记录")  # fmt: skip
    awards.decide(proposal=proposal, actor=actor_for(principal.user), approve=True, note="属实")
    review = PeerReview.objects.create(
        school=school, month=month, reviewer=leader, reviewee=world.teacher, rating=4
    )
    feedback = Feedback.objects.create(school=school, source="parent", rating=4, client_key="m")
    flag = ReviewFlag.objects.create(
        school=school, staff=world.teacher, first_month=month, last_month=month
    )
    token = settings_for(school).feedback_token
    world.people = SimpleNamespace(
        review=review, feedback=feedback, proposal=proposal, flag=flag, token=token
    )
    return world.people


def _matrix_term(world):
    """School A's term (made in ``world`` before anything is compared: see _fingerprint)."""
    return world.term


def _url(name: str, entry: Entry, world) -> str:
    url = reverse(name, kwargs=entry.kwargs(world))
    query = entry.query(world)
    return f"{url}?{query}" if query else url


def _inspect_world(world):
    """School A's criteria (the policy's defaults) with a rule, a monthly inspection planned
    for today with the logbook shift's leader as inspector, and a training session the teacher
    attended; made once on first use (the matrix compares no assessment table)."""
    found = getattr(world, "inspect", None)
    if found is not None:
        return found
    from assessment.models import Criterion
    from assessment.services import criteria, inspection, training
    from staff.models import Role

    school = world.log_shift.roster.school
    leader = world.log_shift.assignments.get(role=Role.LEADER).staff
    criteria.ensure_default_criteria(school)
    criterion = Criterion.objects.filter(school=school).order_by("position").first()
    planned = inspection.plan_inspection(school=school, inspector=leader,
                                         planned_on=inspection.school_today(school))  # fmt: skip
    session = training.save_session(school=school, attendees=[world.teacher], data={
        "kind": "pre_duty", "title": "岗前培训", "held_on": world.log_shift.date, "hours": 2,
        "trainer": "", "notes": "",
    })  # fmt: skip
    world.inspect = SimpleNamespace(
        criterion=criterion, rule=criterion.rules.first(), inspection=planned, session=session
    )
    return world.inspect


def _to_login(client, url: str, status: int) -> bool:
    return status == 302 and client.get(url)["Location"].startswith(reverse("login"))


def _logbook_fingerprint(world) -> tuple:
    from logbook import models as m

    for record in (world.log, world.round, world.hazard, world.visit, world.handover):
        record.refresh_from_db()
    counts = [model.objects.count() for model in (
        m.DutyLog, m.LogRevision, m.LogAmendment, m.PostCheck, m.Checkpoint, m.PatrolItem,
        m.PatrolRound, m.PatrolResult, m.PatrolScan, m.EvidencePhoto, m.Hazard, m.HazardEvent,
        m.Visit, m.VisitIdReveal, m.HandoverNote, m.DailyReport, m.ReportingPeriod,
    )]  # fmt: skip
    return (
        *counts,
        world.log.status, world.log.version, world.round.finished_at, world.round.bad_weather,
        world.hazard.status, world.hazard.responsible_id, world.visit.time_out,
        world.handover.status,
        list(m.Checkpoint.objects.values_list("pk", "active")),
        list(m.PatrolItem.objects.values_list("pk", "active")),
    )  # fmt: skip


def _incidents_fingerprint(world) -> tuple:
    from incidents import models as m

    for record in (world.incident, world.action):
        record.refresh_from_db()
    counts = [model.objects.count() for model in (
        m.Incident, m.IncidentEvent, m.IncidentAttachment, m.IncidentEscalation,
        m.EscalationPolicy, m.EmergencyPlan, m.PlanVersion, m.IncidentPlan, m.StepTick, m.Drill,
        m.ReportClock, m.PostIncidentReport, m.ReportVersion, m.CorrectiveAction,
    )]  # fmt: skip
    return (
        *counts,
        world.incident.status, world.incident.acknowledged_at, world.action.status,
        list(m.PostIncidentReport.objects.values_list("pk", "status")),
    )  # fmt: skip


def _fingerprint(world) -> tuple:
    """What a refused POST must not have changed."""
    from roster.models import (
        Assignment,
        CalendarOverride,
        HolidayFiling,
        RosterChange,
        RosterSettings,
        ShiftType,
        Term,
    )

    for record in (world.roster, world.swap, world.leave, world.job, world.notice):
        record.refresh_from_db()
    return (
        _logbook_fingerprint(world),
        _incidents_fingerprint(world),
        list(ShiftType.objects.order_by("pk").values_list("pk", "active", "start_time")),
        list(Term.objects.order_by("pk").values_list("pk", "start_date", "end_date")),
        CalendarOverride.objects.count(),
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
