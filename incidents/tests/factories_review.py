"""Incidents, plans and reports for the review and plans tests, made directly (these tests are
about what happens after an incident is reported, not the reporting path)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from incidents.categories import Category, Severity, Status
from incidents.models import Incident
from incidents.services import plans as plan_services
from incidents.services import review as review_services
from logbook.tests.factories import at
from staff.queries import actor_for

NOW = at(date(2026, 12, 8), 10, 0)


def actor(staff):
    return actor_for(staff.user)


def make_incident(cast, *, status=Status.CONTAINED, shift=None, reporter=None, now=NOW, **fields):
    data = {
        "category": Category.ACCIDENT,
        "subcategory": "fire",
        "severity": Severity.III,
        "occurred_at": now - timedelta(minutes=30),
        "location": "教学楼三楼",
        "summary": "三楼烟雾报警，已疏散学生",
        **fields,
    }
    incident = Incident.objects.create(
        school=(reporter or cast.teacher).school,
        reporter=reporter or cast.teacher,
        shift=shift,
        status=status,
        **data,
    )
    reported = data["occurred_at"] + timedelta(minutes=2)
    contained = now if status in (Status.CONTAINED, Status.CLOSED) else None
    Incident.objects.filter(pk=incident.pk).update(reported_at=reported, contained_at=contained)
    incident.refresh_from_db()
    return incident


def make_plan(
    cast,
    *,
    category=Category.ACCIDENT,
    subcategory="",
    title="火灾应急预案",
    steps=("发现火情立即报告", "启动预案", "组织疏散"),
    now: datetime | None = None,
):
    return plan_services.create_plan(
        school=cast.school,
        category=category,
        subcategory=subcategory,
        title=title,
        contacts="火警 119",
        steps=[plan_services.StepInput(text=s) for s in steps],
        actor=actor(cast.admin),
        now=now or NOW - timedelta(days=30),
    )


REPORT = {
    "process": "10:00 三楼烟雾报警，值班教师疏散学生。",
    "outcome": "无人员伤亡，10:30 处置完毕。",
    "causes": "电线老化短路。",
    "lessons": "加强用电巡查。",
}


def write_report(cast, incident, *, by=None, owner=None, due=date(2026, 12, 20)):
    return review_services.save_report(
        incident=incident,
        actor=actor(by or cast.teacher),
        fields=REPORT,
        actions=[
            review_services.ActionInput(
                text="更换三楼老化电线", owner=owner or cast.tech, due_on=due
            )
        ],
    )


def now_plus(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


def local_today() -> date:
    return timezone.localdate()
