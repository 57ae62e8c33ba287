"""Demo data: patrol (see logbook/demo/__init__.py).

The standard checklist with its QR tokens, and a patrol round on every finished shift of the
last month: the teacher by day, the guard by night, mostly OK, a few problems, QR scans along
the route. Results are bulk-written (as the roster demo writes assignments) so the demo loads
fast on SQLite; rounds are started and finished through the services, so due items follow the
frequency rules.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from logbook.models import Checkpoint, PatrolItem, PatrolResult, PatrolRound, PatrolScan
from logbook.services import patrol as services
from roster.models import Assignment, RosterStatus
from staff.demo import demo_now
from staff.models import Role
from staff.queries import actor_for

DAYS = 30
PROBLEMS = {  # item text → what the patrol found
    "灭火毯在位": "食堂灭火毯不在挂钩上",
    "开关插座完好": "二楼走廊插座面板破裂",
    "体育器材牢固": "篮球架底座螺丝松动",
    "围墙完好、无倾斜": "东侧围墙有裂缝",
    "疏散指示标志完好": "三楼疏散指示灯不亮",
    "监控录像正常": "北门摄像头画面模糊",
}


def seed(school, *, now: datetime | None = None) -> list[str]:
    """Create this part's demo records for school; return short descriptions of what was made."""
    made = []
    if not Checkpoint.objects.filter(school=school).exists():
        added = services.install_standard_checklist(school=school, actor=None)
        made.append(f"standard patrol checklist ({added} items)")
    if PatrolRound.objects.filter(school=school).exists():
        return made
    now = demo_now(now)
    duties = (
        Assignment.objects.filter(
            shift__roster__school=school, shift__roster__status=RosterStatus.PUBLISHED,
            shift__ends_at__lt=now, shift__starts_at__gte=now - timedelta(days=DAYS),
            role__in=[Role.TEACHER, Role.GUARD], staff__user__isnull=False,
        )
        .select_related("shift__roster__school", "staff__user")
        .order_by("shift__starts_at", "role")
    )  # fmt: skip
    rng = random.Random(school.pk)  # noqa: S311 - demo data, the same every time
    items = {i.pk: i for i in PatrolItem.objects.filter(checkpoint__school=school)}
    problem_items = {i.pk for i in items.values() if i.text in PROBLEMS}
    seen_shifts: set[int] = set()
    rounds = 0
    for duty in duties:
        shift = duty.shift
        night = (shift.ends_at - shift.starts_at) > timedelta(hours=10)
        wanted = Role.GUARD if night else Role.TEACHER
        if shift.pk in seen_shifts or duty.role != wanted:
            continue
        seen_shifts.add(shift.pk)
        actor = actor_for(duty.staff.user)
        started = shift.starts_at + timedelta(hours=4 if night else 1, minutes=rng.randint(0, 40))
        patrol = services.start_round(
            shift=shift, actor=actor, bad_weather=rng.random() < 0.1, now=started
        )
        _walk(patrol, items, problem_items, rng, started, duty.staff)
        services.finish_round(patrol=patrol, actor=actor, now=started + timedelta(minutes=50))
        rounds += 1
    if rounds:
        made.append(f"{rounds} patrol rounds")
    return made


def _walk(patrol, items, problem_items, rng, started, staff) -> None:
    """Record the round's due items (a few skipped, a problem in about one round in seven) and scan
    each checkpoint on the way."""
    due = [items[pk] for pk in patrol.due_item_ids]
    results, scans, seen = [], [], set()
    minute = 0
    problem_done = rng.random() > 0.15  # about one round in seven finds something
    for item in due:
        if item.checkpoint_id not in seen:
            seen.add(item.checkpoint_id)
            minute += 3
            scans.append(PatrolScan(round=patrol, checkpoint=item.checkpoint,
                                    scanned_at=started + timedelta(minutes=minute)))  # fmt: skip
        if rng.random() < 0.04:
            continue  # skipped: completion below 100 %
        problem = item.pk in problem_items and not problem_done
        problem_done = problem_done or problem
        results.append(
            PatrolResult(
                round=patrol, item=item, recorded_by=staff,
                status="problem" if problem else "ok",
                note=PROBLEMS[item.text] if problem else "",
                recorded_at=started + timedelta(minutes=minute, seconds=30),
            )
        )  # fmt: skip
    PatrolScan.objects.bulk_create(scans)
    PatrolResult.objects.bulk_create(results)
