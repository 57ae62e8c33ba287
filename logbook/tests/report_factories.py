"""A shift's worth of logbook records for the report tests: log, post check, patrol with a
problem, hazard, visitor and handover — written straight to the tables (tests only)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from logbook import models as m
from roster.models import Shift, ShiftType
from roster.timing import shift_bounds

_numbers = itertools.count(1)


def extra_shift(roster, day: date, hour: int, minutes: int = 60) -> Shift:
    """One more shift type (and its shift on ``day``): more shifts on the daily page."""
    n = next(_numbers)
    shift_type = ShiftType.objects.create(
        school=roster.school, name=f"加班{n}", start_time=time(hour), duration_minutes=minutes
    )
    starts, ends = shift_bounds(day, time(hour), minutes, roster.school.time_zone)
    return Shift.objects.create(
        roster=roster, shift_type=shift_type, date=day, starts_at=starts, ends_at=ends
    )


def fill(shift: Shift, *, author, leader, summary: str = "巡查正常，无异常情况。") -> m.DutyLog:
    """A submitted, signed log with one amendment, a post check, a patrol round with one ok and
    one problem item (and its hazard), a visitor still on campus and a refused handover."""
    school = shift.roster.school
    start: datetime = shift.starts_at
    log = m.DutyLog.objects.create(
        shift=shift, school=school, date=shift.date, status=m.LogStatus.SIGNED, weather="晴",
        summary=summary, events_and_handling="无", calls="教育局来电询问值班情况", author=author,
        submitted_at=start + timedelta(minutes=30), submitted_by=author,
        signed_at=start + timedelta(minutes=40), signed_by=leader,
    )  # fmt: skip
    m.LogAmendment.objects.create(log=log, field="summary", text="补充：东门灯坏", reason="漏记",
                                  author=author)  # fmt: skip
    m.PostCheck.objects.create(
        shift=shift, school=school, leader=leader, checked_at=start + timedelta(minutes=10),
        remarks="在岗",
    )  # fmt: skip
    n = next(_numbers)
    point = m.Checkpoint.objects.create(school=school, area=f"教学楼{n}", location="一层")
    ok = m.PatrolItem.objects.create(checkpoint=point, text="灭火器在位在期有压")
    bad = m.PatrolItem.objects.create(checkpoint=point, text="应急照明")
    patrol = m.PatrolRound.objects.create(
        school=school, shift=shift, started_by=author, started_at=start + timedelta(minutes=5),
        finished_at=start + timedelta(minutes=20), due_item_ids=[ok.pk, bad.pk],
    )  # fmt: skip
    m.PatrolResult.objects.create(round=patrol, item=ok, status="ok", recorded_by=author,
                                  recorded_at=start + timedelta(minutes=6))  # fmt: skip
    problem = m.PatrolResult.objects.create(
        round=patrol, item=bad, status="problem", note="灯不亮", recorded_by=author,
        recorded_at=start + timedelta(minutes=7),
    )  # fmt: skip
    last = m.Hazard.objects.filter(school=school).order_by("-number").first()
    m.Hazard.objects.create(
        school=school, year=shift.date.year, number=(last.number if last else 0) + 1,
        found_at=start + timedelta(minutes=8), found_by=author, location="教学楼一层",
        description="应急照明不亮", source_result=problem,
    )  # fmt: skip
    m.Visit.objects.create(
        school=school, time_in=start + timedelta(minutes=15), name="李访客",
        organisation="自来水公司", purpose="抄表", host_text="总务处",
    )  # fmt: skip
    following = Shift.objects.filter(roster=shift.roster, starts_at__gte=shift.ends_at).first()
    if following is not None:
        m.HandoverNote.objects.create(
            school=school, from_shift=shift, to_shift=following, written_by=author.user,
            written_at=shift.ends_at, handed_over_at=shift.ends_at, situation="正常",
            follow_ups="东门灯待修", keys=3, status="refused", decided_by=leader.user,
            decided_at=shift.ends_at, refusal_reason="钥匙少一把",
        )  # fmt: skip
    return log
