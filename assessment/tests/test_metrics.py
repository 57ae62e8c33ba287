"""Measured metrics from seeded check-ins, logs, patrols, hazards, incidents, handovers, training
and drills; every figure against its hand-computed value."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from assessment import metrics as M
from assessment.models import TrainingAttendance, TrainingKind, TrainingSession
from incidents.categories import Category
from incidents.models import Drill, Incident
from logbook.models import (
    Checkpoint,
    DutyLog,
    HandoverNote,
    Hazard,
    PatrolItem,
    PatrolResult,
    PatrolRound,
)
from logbook.tests.factories import at, make_roster, put_on_duty, shift_of
from roster.models import CheckIn
from staff.models import Role
from staff.tests.factories import make_staff

DEC = date(2026, 12, 1)
NOW = at(date(2026, 12, 20), 12)
D7, D8, D9 = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)


def _log(shift, author, submitted_at):
    return DutyLog.objects.create(
        shift=shift,
        school=shift.roster.school,
        date=shift.date,
        status="submitted",
        weather="晴",
        summary="正常",
        author=author,
        submitted_at=submitted_at,
        submitted_by=author,
    )


def _hazard(school, n, found_by, found_at, **kw):
    return Hazard.objects.create(
        school=school,
        year=found_at.year,
        number=n,
        found_at=found_at,
        found_by=found_by,
        location="操场",
        category="sports",
        description="篮球架松动",
        **kw,
    )


def _incident(cast, reported, acked):
    inc = Incident.objects.create(
        school=cast.school,
        reporter=cast.teacher,
        category=Category.ACCIDENT,
        occurred_at=reported,
        location="教学楼",
        summary="烟雾报警",
        acknowledged_at=acked,
        acknowledged_by=cast.leader.user,
    )
    Incident.objects.filter(pk=inc.pk).update(reported_at=reported)
    return inc


def _handover(cast, from_shift, to_shift, *, accepted: bool):
    return HandoverNote.objects.create(
        school=cast.school,
        from_shift=from_shift,
        to_shift=to_shift,
        written_by=cast.guard.user,
        written_at=from_shift.ends_at,
        handed_over_at=from_shift.ends_at,
        situation="正常",
        status="accepted" if accepted else "pending",
        decided_by=cast.leader.user if accepted else None,
        decided_at=from_shift.ends_at + timedelta(minutes=5) if accepted else None,
    )


@pytest.fixture
def month(cast):
    roster = make_roster(cast.school, start=D7, days=3)
    day = {d: shift_of(roster, "白班", d) for d in (D7, D8, D9)}
    night = {d: shift_of(roster, "夜班", d) for d in (D7, D8, D9)}
    for d in (D7, D8, D9):
        put_on_duty(day[d], (cast.guard, Role.GUARD))
    for d in (D7, D8):
        put_on_duty(day[d], (cast.teacher, Role.TEACHER))
    a = {x.shift.date: x for x in cast.guard.assignments.select_related("shift")}
    # Guard (check-in required): on time, 3 min early (late by the 5-minute rule), absent.
    CheckIn.objects.create(assignment=a[D7], checked_in_at=at(D7, 7, 50))
    CheckIn.objects.create(assignment=a[D8], checked_in_at=at(D8, 7, 57))
    # Logs: 12-07 before the end (17:00), 12-08 after it, 12-09 none.
    log7 = _log(day[D7], cast.guard, at(D7, 16, 30))
    _log(day[D8], cast.guard, at(D8, 17, 30))
    # One patrol round on 12-07: 4 items due, 3 recorded.
    cp = Checkpoint.objects.create(school=cast.school, area="校门")
    items = [PatrolItem.objects.create(checkpoint=cp, text=f"项{i}") for i in range(4)]
    rnd = PatrolRound.objects.create(
        school=cast.school,
        shift=day[D7],
        started_by=cast.guard,
        started_at=at(D7, 9),
        finished_at=at(D7, 10),
        due_item_ids=[i.pk for i in items],
    )
    for item in items[:3]:
        PatrolResult.objects.create(
            round=rnd, item=item, status="ok", recorded_at=at(D7, 9, 30), recorded_by=cast.guard
        )
    # Hazards: the guard found two in December and one in November; the leader fixed one.
    h1 = _hazard(cast.school, 1, cast.guard, at(D7, 9, 40))
    _hazard(cast.school, 2, cast.guard, at(D8, 10))
    _hazard(cast.school, 3, cast.guard, at(date(2026, 11, 30), 10))
    Hazard.objects.filter(pk=h1.pk).update(
        status="fixed", fixed_by=cast.leader, fixed_at=at(D9, 15)
    )
    # Incidents acknowledged by the leader after 4, 10 and 6 minutes: median 6.
    _incident(cast, at(D7, 10), at(D7, 10, 4))
    _incident(cast, at(D8, 10), at(D8, 10, 10))
    _incident(cast, at(D9, 10), at(D9, 10, 6))
    # Handovers into the day shifts of 12-08 (accepted) and 12-09 (still pending).
    _handover(cast, night[D7], day[D8], accepted=True)
    _handover(cast, night[D8], day[D9], accepted=False)
    # Training for the teacher, a drill for the guard; November's training does not count.
    session = TrainingSession.objects.create(
        school=cast.school, kind=TrainingKind.IN_SERVICE, title="消防", held_on=D8, hours=2
    )
    TrainingAttendance.objects.create(session=session, staff=cast.teacher)
    TrainingAttendance.objects.create(session=session, staff=cast.guard, attended=False)
    old = TrainingSession.objects.create(
        school=cast.school,
        kind=TrainingKind.PRE_DUTY,
        title="岗前",
        held_on=date(2026, 11, 3),
        hours=1,
    )
    TrainingAttendance.objects.create(session=old, staff=cast.teacher)
    drill = Drill.objects.create(
        school=cast.school,
        held_on=D9,
        category=Category.ACCIDENT,
        scenario="火灾疏散",
        duration_minutes=30,
    )
    drill.participants.add(cast.guard)
    return {"log7": log7, "round": rnd, "h1": h1}


def test_each_figure_matches_hand_count(cast, month):
    with translation.override("en"):  # the figures' wording is checked in English
        got = M.month_metrics(cast.school, DEC, now=NOW)
    guard, teacher, leader, tech = (
        got[cast.guard.pk],
        got[cast.teacher.pk],
        got[cast.leader.pk],
        got[cast.tech.pk],
    )
    # Guard: 1 of 3 on time; 1 of 3 logs on time; 3 of 4 patrol items; 1 of 2 handovers.
    assert (guard["punctuality"].value, guard["punctuality"].score) == (1, Decimal("33.3"))
    assert guard["punctuality"].display == "1/3 on time"
    assert len(guard["punctuality"].records) == 3
    assert (guard["logs_on_time"].value, guard["logs_on_time"].score) == (1, Decimal("33.3"))
    assert guard["logs_on_time"].records[0][1] == f"/logbook/logs/{month['log7'].pk}/"
    assert (guard["patrols"].value, guard["patrols"].score) == (3, Decimal("75.0"))
    assert guard["patrols"].records == (
        (guard["patrols"].records[0][0], f"/logbook/patrol/rounds/{month['round'].pk}/"),
    )
    assert guard["hazards"].value == 2 and guard["hazards"].display == "2 reported, 0 fixed"
    assert (guard["handovers"].value, guard["handovers"].score) == (1, Decimal("50.0"))
    assert guard["training"].display == "0 training, 1 drills"
    assert M.metrics_score(guard) == Decimal("47.9")  # (33.3 + 33.3 + 75 + 50) / 4
    # Teacher: no check-in for full-time teachers; 1 of 2 logs; the handover into 12-08.
    assert teacher["punctuality"].score is None and teacher["punctuality"].display == "n/a"
    assert (teacher["logs_on_time"].value, teacher["logs_on_time"].score) == (1, Decimal("50.0"))
    assert teacher["handovers"].score == Decimal("100.0")
    assert teacher["training"].value == 1 and teacher["patrols"].score is None
    assert M.metrics_score(teacher) == Decimal("75.0")
    # Leader: no duties; fixed one hazard, acknowledged three incidents (median 6 min).
    assert leader["hazards"].display == "0 reported, 1 fixed"
    assert leader["hazards"].records[0][1] == f"/logbook/hazards/{month['h1'].pk}/"
    assert leader["incident_ack"].value == Decimal("6.0")
    assert len(leader["incident_ack"].records) == 3
    assert leader["punctuality"].display == "n/a" and leader["logs_on_time"].value is None
    # Tech: nothing at all that month.
    assert all(m.records == () for m in tech.values())
    assert M.metrics_score(tech) is None
    assert tech["swaps_leave"].value == 0


def test_other_month_is_empty(cast, month):
    got = M.month_metrics(cast.school, date(2027, 1, 1), now=NOW)
    assert M.metrics_score(got[cast.guard.pk]) is None
    assert got[cast.guard.pk]["hazards"].value == 0


def test_query_count_does_not_grow_with_people(cast, month):
    with CaptureQueriesContext(connection) as few:
        M.month_metrics(cast.school, DEC, now=NOW)
    roster = make_roster(cast.school, start=date(2026, 12, 14), days=2)
    for n in range(6):
        person = make_staff(cast.school, Role.GUARD)
        put_on_duty(shift_of(roster, "夜班", date(2026, 12, 14 + n % 2)), (person, Role.GUARD))
    with CaptureQueriesContext(connection) as many:
        result = M.month_metrics(cast.school, DEC, now=NOW)
    assert len(result) == 6 + 6
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 16


def test_staff_ids_limits_people(cast, month):
    got = M.month_metrics(cast.school, DEC, staff_ids=[cast.guard.pk], now=NOW)
    assert list(got) == [cast.guard.pk]
