"""Demo data: hazard (see logbook/demo/__init__.py).

Hazards in every state, all through the services: the patrol's problem items become hazards
(one tap), and a ledger of hand-reported ones is taken through the workflow — open, assigned,
fixed, verified, closed out, one overdue, one major (reported up).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from logbook.models import DueKind, Hazard, PatrolResult, Severity
from logbook.services import hazard as services
from staff.demo import demo_now
from staff.models import Role, Staff
from staff.queries import actor_for

LEDGER = [  # (days ago, location, category, description, severity, final state)
    (26, "教学楼三楼走廊", "fire", "灭火器压力表指针在红区", Severity.GENERAL, "closed"),
    (21, "食堂操作间", "canteen", "燃气软管老化开裂", Severity.GENERAL, "closed"),
    (15, "东侧围墙", "building", "围墙顶部砖块松动，有坠落风险", Severity.MAJOR, "assigned"),
    (12, "配电房", "electric", "配电箱门锁损坏，无警示标志", Severity.GENERAL, "overdue"),
    (8, "操场", "sports", "单杠横杆锈蚀", Severity.GENERAL, "verified"),
    (5, "北门", "surroundings", "放学时段校门口流动摊贩聚集", Severity.GENERAL, "fixed"),
    (3, "二楼男厕所", "building", "地面瓷砖破损，易滑倒", Severity.GENERAL, "assigned"),
    (1, "图书室", "electric", "插线板串接使用", Severity.GENERAL, "open"),
]
STEPS = ["assigned", "fixed", "verified", "closed"]


def _actor(school, role):
    staff = (
        Staff.objects.filter(school=school, active=True, roles__role=role, user__isnull=False)
        .order_by("pk")
        .first()
    )
    return actor_for(staff.user) if staff else None


def seed(school, *, now: datetime | None = None) -> list[str]:
    """Create this part's demo records for school; return short descriptions of what was made."""
    if Hazard.objects.filter(school=school).exists():
        return []
    people = {role: _actor(school, role) for role in Role.values}
    if None in (people[Role.TEACHER], people[Role.LEADER], people[Role.PRINCIPAL],
                people[Role.TECH]):  # fmt: skip
        return []
    now = demo_now(now)
    made = 0
    problems = PatrolResult.objects.filter(round__school=school, status="problem")
    for result in problems.select_related("round__school", "item__checkpoint", "recorded_by__user"):
        reporter = actor_for(result.recorded_by.user)
        found = result.recorded_at
        hazard = services.open_hazard_from_result(result=result, actor=reporter, now=found)
        age = (now - found).days
        # Older patrol finds have been dealt with; recent ones are still in hand.
        _advance(hazard, "closed" if age > 10 else "assigned" if age > 3 else "open",
                 people, found, age)  # fmt: skip
        made += 1
    for days, location, category, description, severity, final in LEDGER:
        found = now - timedelta(days=days, hours=2)
        hazard = services.report_hazard(
            school=school, location=location, category=category, description=description,
            severity=severity, actor=people[Role.TEACHER], now=found,
            interim_protection="已设置警示标志，拉警戒线" if severity == Severity.MAJOR else "",
        )  # fmt: skip
        _advance(hazard, final, people, found, days)
        made += 1
    services.notify_overdue_hazards(now=now)  # the overdue one: told, as the worker would have
    return [f"{made} hazards"]


def _advance(hazard, final, people, found, days) -> None:
    if final == "open":
        return
    overdue = final == "overdue"
    due = (found + timedelta(days=2 if overdue else days + 5)).date()
    services.assign_hazard(
        hazard=hazard, responsible=people[Role.TECH].staff, department="总务处",
        due_kind=DueKind.DEADLINE, due_date=due, measures="维修或更换", actor=people[Role.LEADER],
        now=found + timedelta(hours=1), reported_up=hazard.severity == Severity.MAJOR,
    )  # fmt: skip
    if final in ("assigned", "overdue"):
        return
    services.mark_hazard_fixed(hazard=hazard, result="已维修完成", cost="150.00",
                               actor=people[Role.TECH], now=found + timedelta(days=1))  # fmt: skip
    if final == "fixed":
        return
    services.verify_hazard(hazard=hazard, actor=people[Role.LEADER],
                           now=found + timedelta(days=1, hours=3))  # fmt: skip
    if final == "verified":
        return
    services.close_out_hazard(hazard=hazard, actor=people[Role.PRINCIPAL],
                              now=found + timedelta(days=1, hours=4))  # fmt: skip
