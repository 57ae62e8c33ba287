"""Demo data: checklists and post-incident reports for the demo incidents (see
incidents/demo/__init__.py; runs after the incidents are made).

Every demo incident gets its plan's checklist, with the first steps ticked once it was
acknowledged. Contained incidents, oldest first: one report sent back once then accepted, with
corrective actions done, overdue and open; one submitted and awaiting the principal; the rest
still owed. A closed incident without a report gets its accepted one. Idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from incidents.categories import Status
from incidents.models import (
    CorrectiveAction,
    Incident,
    PostIncidentReport,
    ReportStatus,
    ReportVersion,
)
from incidents.services import plans as plan_services
from incidents.services import review as services
from staff.demo import demo_now, local_today
from staff.models import Role, Staff
from staff.queries import actor_for

TEXT = {
    "process": "{place}发生{what}。值班人员第一时间报告带班领导，领导到场后启动应急预案，"
    "组织学生有序撤离并清点人数，同时按规定报告学校和上级部门。",
    "outcome": "事件已得到控制，学生全部安全，受影响班级次日正常上课；已与相关家长沟通说明情况。",
    "causes": "设施日常巡查不到位，隐患未及时发现；现场处置前几分钟分工不够明确。",
    "lessons": "巡查要对照清单逐项检查；值班领导接报后应立即明确分工；每学期至少组织一次专项演练。",
}
ACTIONS = [
    ("对全校同类设施开展一次全面排查", 5, True),
    ("更换老化设备并建立维护台账", -3, False),  # overdue
    ("组织一次专项应急演练", 20, False),
]


def _at(start, now, **delta):
    """``start`` plus ``delta``, but never after ``now`` (a demo incident may be recent)."""
    return min(start + timedelta(**delta), now)


def _principal(school):
    staff = Staff.objects.filter(school=school, active=True, roles__role=Role.PRINCIPAL)
    staff = staff.exclude(user=None).order_by("pk").first()
    return actor_for(staff.user) if staff else None


def _owners(school) -> list[Staff]:
    people = Staff.objects.filter(school=school, active=True).exclude(user=None)
    return list(people.order_by("pk")[:3])


def seed(school, *, now: datetime | None = None) -> list[str]:
    now = demo_now(now)
    principal = _principal(school)
    incidents = list(Incident.objects.filter(school=school).select_related("reporter__user"))
    if principal is None or not incidents:
        return []
    for incident in incidents:
        _checklist(incident, now)
    made = []
    contained = [i for i in incidents if i.status == Status.CONTAINED]
    contained.sort(key=lambda i: (i.contained_at or i.occurred_at, i.pk))
    untouched = [i for i in contained if not PostIncidentReport.objects.filter(incident=i).exists()]
    if (
        untouched
        and not PostIncidentReport.objects.filter(
            school=school, status=ReportStatus.ACCEPTED, incident__status=Status.CONTAINED
        ).exists()
    ):
        _accepted_after_one_round(untouched.pop(0), principal, now)
        made.append("a report sent back then accepted")
    if (
        untouched
        and not PostIncidentReport.objects.filter(
            school=school, status=ReportStatus.SUBMITTED
        ).exists()
    ):
        _submitted(untouched.pop(0), now)
        made.append("a report awaiting review")
    for incident in incidents:
        if incident.status == Status.CLOSED and not hasattr(incident, "review"):
            _closed_report(incident, principal, now)
            made.append("an accepted report of a closed incident")
    services.notify_overdue_actions(now=now)  # the overdue action: told, as the worker would have
    return [f"post-incident reports: {', '.join(made)}"] if made else []


def _checklist(incident, now) -> None:
    attached = plan_services.attach_plan(incident)
    if attached is None or incident.acknowledged_at is None or attached.ticks.exists():
        return
    writer = actor_for(incident.reporter.user)
    steps = list(attached.version.steps.order_by("position"))
    done = len(steps) if incident.status in (Status.CONTAINED, Status.CLOSED) else 2
    for n, step in enumerate(steps[:done]):
        plan_services.tick_step(
            incident=incident,
            step_id=step.pk,
            actor=writer,
            now=_at(incident.acknowledged_at, now, minutes=2 + 3 * n),
        )


def _write(incident, now) -> PostIncidentReport:
    fields = {
        k: v.format(place=incident.location, what=incident.get_subcategory_display())
        for k, v in TEXT.items()
    }
    today = local_today(incident.school, now)
    actions = [
        services.ActionInput(text=text, owner=owner, due_on=today + timedelta(days=days))
        for (text, days, _done), owner in zip(ACTIONS, _owners(incident.school), strict=False)
    ]
    return services.save_report(
        incident=incident, actor=actor_for(incident.reporter.user), fields=fields, actions=actions
    )


def _accepted_after_one_round(incident, principal, now) -> None:
    writer = actor_for(incident.reporter.user)
    start = incident.contained_at or now - timedelta(days=2)
    report = _write(incident, now)
    services.submit_report(report=report, actor=writer, now=_at(start, now, hours=20))
    services.decide_report(
        report=report,
        actor=principal,
        accept=False,
        now=_at(start, now, hours=22),
        comment="原因分析要具体到哪台设备、谁负责巡查；整改措施写明完成时限。",
    )
    report.refresh_from_db()
    report.causes = "三楼配电箱线路老化未列入巡查清单；巡查记录只写“正常”，未逐项核对。"
    services.save_report(
        incident=incident,
        actor=writer,
        actions=[],
        fields={k: getattr(report, k) for k in services.TEXT_FIELDS},
    )
    report.refresh_from_db()
    services.submit_report(report=report, actor=writer, now=_at(start, now, hours=30))
    services.decide_report(
        report=report,
        actor=principal,
        accept=True,
        comment="同意。整改按期完成后报办公室。",
        now=_at(start, now, hours=32),
    )
    done_texts = {text for text, _days, done in ACTIONS if done}
    for action in report.actions.all():  # ordered by due date, not as ACTIONS: match the text
        if action.text in done_texts:
            owner = action.owner.user
            services.complete_action(
                action=action, actor=actor_for(owner), now=_at(start, now, days=2)
            )


def _submitted(incident, now) -> None:
    report = _write(incident, now)
    start = incident.contained_at or now - timedelta(hours=6)
    services.submit_report(
        report=report, actor=actor_for(incident.reporter.user), now=_at(start, now, hours=3)
    )


def _closed_report(incident, principal, now) -> None:
    """Closed demo incidents were closed by the incident demo: their accepted report is made
    here directly, as it would have been before closing."""
    fields = {
        k: v.format(place=incident.location, what=incident.get_subcategory_display())
        for k, v in TEXT.items()
    }
    at = incident.closed_at or now
    owner = _owners(incident.school)[0]
    with transaction.atomic():
        report = PostIncidentReport.objects.create(
            incident=incident,
            school=incident.school,
            status=ReportStatus.ACCEPTED,
            author=incident.reporter.user,
            **fields,
        )
        action = CorrectiveAction.objects.create(
            report=report,
            school=incident.school,
            text=ACTIONS[0][0],
            owner=owner,
            due_on=local_today(incident.school, at),
            status="done",
            done_at=at,
            done_by=owner.user,
        )
        ReportVersion.objects.create(
            report=report,
            number=1,
            submitted_at=at - timedelta(days=1),
            submitted_by=incident.reporter.user,
            decision="accepted",
            comment="同意。",
            decided_at=at - timedelta(hours=2),
            decided_by=principal.user,
            actions=[{"text": action.text, "owner": owner.name, "due_on": str(action.due_on)}],
            **fields,
        )
