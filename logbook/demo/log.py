"""Demo data: duty logs for the demo school's published months (see logbook/demo/__init__.py).

Every shift of the published rosters (last month's and this month's) that has ended gets a
submitted log, so last month's month scores count no log as missing; most of them signed off
by the shift's leader, with post checks; two carry an amendment. The shift on duty now gets a
draft. Written through the services with the shift's own clock, so history looks real.
Idempotent: nothing is done when the school already has logs.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db.models import Prefetch
from django.utils import timezone

from logbook.models import DutyLog
from logbook.services import log as services
from roster.models import Assignment, RosterStatus, Shift
from staff.demo import demo_now, local_today
from staff.models import Role, Staff
from staff.queries import actor_for

WEATHER = ["晴", "晴", "多云", "晴转多云", "阴", "阴有小雨", "小雨", "北风3级，晴"]
DAY_ACTIVITIES = [
    "升旗仪式正常进行，课间操秩序良好。",
    "课间巡查正常，各楼层楼梯口无拥挤推搡现象。",
    "放学时段家长接送秩序良好，校门口交通有序。",
    "下午第二节课后组织消防疏散演练，全校用时3分20秒，无人员受伤。",
    "午餐时段食堂秩序良好，食品留样已登记。",
    "体育课及大课间活动前检查器材，篮球架、单杠完好。",
]
NIGHT_ACTIVITIES = [
    "18:30 对教学楼逐层巡查，门窗已关闭，电源已切断。",
    "21:00、23:30 两次巡查校园，围墙周边无异常。",
    "监控室运行正常，录像存储正常，时钟已校准。",
    "05:50 巡查食堂，燃气阀门关闭，燃气报警器正常。",
]
PARENTS = [
    "三年级（2）班家长来电询问放学时间，已告知。",
    "一位家长到校送遗忘的作业本，已登记并转交班主任。",
    "五年级（1）班家长反映孩子身体不适，已联系班主任和校医。",
    "",
    "",
]
CALLS = [
    "10:20 区教育局安全科来电，通知本周五前上报安全隐患排查情况，已转告办公室王主任。",
    "15:05 社区居委会来电告知明日校门前路段施工，已转告值班领导。",
    "",
    "",
    "",
]
EVENTS = [
    "",
    "",
    "",
    "",
    "",
    "",
    "14:10 一年级学生课间在操场摔倒擦伤膝盖，校医已处理并通知家长，无大碍，已报告值班领导。",
]
SUMMARIES = [
    "本班次校园秩序正常，无安全事故。",
    "值班期间各项工作正常，交接清楚。",
    "校园安全，设施设备运行正常，未发现异常情况。",
]
SUGGESTIONS = [
    "",
    "",
    "建议更换东侧楼梯口损坏的应急灯。",
    "建议放学时段增派一名保安在校门口疏导交通。",
]
AMENDMENTS = [
    ("calls", "补记：16:40 区教育局来电确认周五检查时间，已转告校长。", "交班前漏记一条来电"),
    ("students_present", "608", "下午有4名学生请假离校，人数更正"),
]


def seed(school, *, now: datetime | None = None) -> list[str]:
    if DutyLog.objects.filter(school=school).exists():
        return []
    now = demo_now(now)
    # From the 1st of last month: the demo's published rosters (at most 62 days of shifts).
    start = (local_today(school, now).replace(day=1) - timedelta(days=1)).replace(day=1)
    shifts = list(
        Shift.objects.for_school(school)
        .filter(roster__status=RosterStatus.PUBLISHED, date__gte=start, starts_at__lte=now)
        .select_related("roster__school", "shift_type")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("staff__user"))
        )
        .order_by("starts_at")
    )
    principal = Staff.objects.for_school(school).with_role(Role.PRINCIPAL).first()
    actors: dict[int, object] = {}

    def actor(staff):
        if staff.pk not in actors:
            actors[staff.pk] = actor_for(staff.user)
        return actors[staff.pk]

    rng = random.Random(20260901)  # noqa: S311 - demo text, not security
    made = amended = 0
    for shift in shifts:
        people = list(shift.assignments.all())
        writers = [a.staff for a in people if a.role in (Role.TEACHER, Role.GUARD)]
        leaders = [a.staff for a in people if a.role == Role.LEADER]
        if not writers or not all(s.user_id for s in writers + leaders):
            continue
        writer = writers[0]
        log = services.open_log(shift=shift, actor=actor(writer), now=shift.starts_at)
        content = _content(shift, rng)
        signer = leaders[0] if leaders else principal
        if shift.ends_at > now:  # on duty now: a draft, half written, maybe one post check
            checked = shift.starts_at + timedelta(hours=1, minutes=30)
            if signer is not None and checked < now:
                services.record_post_check(shift=shift, actor=actor(signer), checked_at=checked,
                                           remarks="人员在岗", now=now)  # fmt: skip
            half = {k: v for k, v in content.items() if k in ("weather", "students_present")}
            services.autosave_log(log=log, actor=actor(writer), data=half, version=log.version,
                                  now=min(now, shift.starts_at + timedelta(hours=1)))  # fmt: skip
            made += 1
            continue
        for n, hours in enumerate((1.5, 6)):
            at = shift.starts_at + timedelta(hours=hours)
            if signer is not None and at < shift.ends_at and (n == 0 or rng.random() < 0.8):
                services.record_post_check(shift=shift, actor=actor(signer), checked_at=at,
                                           remarks="人员在岗，无异常", now=at)  # fmt: skip
        submitted_at = shift.ends_at - timedelta(minutes=rng.randint(10, 40))
        log = services.submit_log(log=log, actor=actor(writer), version=log.version,
                                  data=content, now=submitted_at)  # fmt: skip
        if amended < len(AMENDMENTS) and shift.date.day % 9 == 3:
            field, text, reason = AMENDMENTS[amended]
            services.amend_log(log=log, actor=actor(writer), field=field, text=text,
                               reason=reason, now=submitted_at + timedelta(minutes=5))  # fmt: skip
            amended += 1
        signed_at = shift.ends_at + timedelta(minutes=rng.randint(5, 90))
        # Signed after the shift, by now (a shift that has only just ended waits for it).
        if signer is not None and rng.random() < 0.85 and signed_at <= now:
            comment = rng.choice(["已阅", "", "同意"])
            services.sign_log(log=log, actor=actor(signer), comment=comment, now=signed_at)
        made += 1
    return [f"{made} duty logs ({amended} amended)"] if made else []


def _content(shift: Shift, rng: random.Random) -> dict:
    night = shift.starts_at.astimezone(timezone.get_current_timezone()).hour >= 16
    school_day = shift.date.weekday() < 5
    if night:
        activities = rng.sample(NIGHT_ACTIVITIES, 2)
        students = ""
    else:
        activities = rng.sample(DAY_ACTIVITIES, 2) if school_day else ["周末校园无学生，巡查正常。"]
        students = str(612 - rng.randint(0, 6)) if school_day else "0"
    return {
        "weather": rng.choice(WEATHER),
        "students_present": students,
        "activities": "\n".join(activities),
        "parent_communication": rng.choice(PARENTS) if school_day and not night else "",
        "calls": rng.choice(CALLS),
        "events_and_handling": rng.choice(EVENTS) if school_day and not night else "",
        "summary": rng.choice(SUMMARIES),
        "suggestions": rng.choice(SUGGESTIONS),
    }
