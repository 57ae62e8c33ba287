"""Demo data: incidents in every status and severity (see incidents/demo/__init__.py).

All through the services with a controlled clock (``now=``), so each has a true timeline:
the report, the escalation notices (run in-process, then dated to when they would have gone
out and marked read, so nobody's inbox fills with old alarms), acknowledgements, a completed
full report, status changes. The oldest has the fullest timeline. Closed incidents are closed
directly (with their timeline entry): closing needs an accepted post-incident report, and the
review demo, which runs next, writes and accepts theirs. One report from twenty minutes ago is
left unacknowledged, its escalation running. Idempotent: nothing is made if the school
already has incidents."""

from __future__ import annotations

from datetime import datetime, timedelta

from incidents.categories import Severity, Status
from incidents.models import ClockKind, EventKind, Incident, IncidentEvent
from incidents.services import incident as services
from incidents.services.reporting import log_report
from notifications.escalation import advance_escalation
from notifications.models import (
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Notice,
    NoticeStatus,
)
from staff.demo import demo_now
from staff.models import Role, Staff

# (minutes ago, category, sub, severity, place, what happened, final status)
INCIDENTS = [
    (40 * 1440 + 600, "accident", "fire", Severity.III, "教学楼三楼配电间",
     "配电间冒烟，烟雾报警器响，三楼两个班级已按预案疏散到操场。", Status.CLOSED),
    (25 * 1440 + 700, "health", "food", Severity.II, "学生食堂",
     "午餐后一小时内有 9 名学生出现腹痛、呕吐，已送校医室。", Status.CLOSED),
    (18 * 1440 + 900, "security", "intruder", Severity.IV, "北门",
     "一名社会人员尾随家长进入校门，保安已劝离。", Status.CONTAINED),
    (12 * 1440 + 480, "accident", "injury", Severity.IV, "操场",
     "体育课上一名学生跳远时扭伤脚踝。", Status.CONTAINED),
    (3 * 1440 + 300, "natural", "storm", Severity.I, "东侧围墙",
     "暴雨中东侧围墙局部倒塌，压坏校外两辆停放车辆，无人员伤亡。", Status.RESPONDING),
    (1 * 1440 + 200, "security", "missing", Severity.III, "四年级（2）班",
     "放学后一名学生未回家，家长来电询问。", Status.ACKNOWLEDGED),
    (20, "accident", "injury", Severity.UNRATED, "二楼楼梯",
     "课间两名学生在楼梯上推挤，一人摔倒，额头擦伤。", Status.REPORTED),
]  # fmt: skip


def _first(school, role) -> Staff | None:
    return (
        Staff.objects.filter(school=school, active=True, roles__role=role, user__isnull=False)
        .order_by("pk")
        .first()
    )


def _run_steps(incident: Incident, at) -> None:
    """Run the escalation's due step at ``at`` and date what it sent to ``at``."""
    for link in incident.escalations.all():
        advance_escalation(escalation_id=link.escalation_id, now=at)
        EscalationEvent.objects.filter(escalation_id=link.escalation_id).update(at=at)
        Notice.objects.filter(event__startswith=f"escalation:{link.escalation_id}:").update(
            created_at=at, due_at=at, sent_at=at, read_at=at, status=NoticeStatus.SENT
        )


def _catch_up(incident: Incident, now) -> None:
    """The running escalation's steps due by ``now``, each run at its own due time (as the
    worker would have), its notices dated then and left unread: the alarm is still live."""
    for link in incident.escalations.all():
        while True:
            escalation = Escalation.objects.get(pk=link.escalation_id)
            due = escalation.next_due_at
            if escalation.status != EscalationStatus.ACTIVE or due is None or due > now:
                break
            step = escalation.next_step
            advance_escalation(escalation_id=escalation.pk, now=due)
            Notice.objects.filter(event=f"escalation:{escalation.pk}:step:{step}").update(
                created_at=due, due_at=due, sent_at=due, status=NoticeStatus.SENT
            )


BUREAU_DESK = "区教育局安全稳定科"


def _report_up(incident: Incident, principal: Staff, at, final: str, now) -> None:
    """The reports up the chain the severity owes, made in time: the verbal first report by
    phone, the written one, a follow-up for the most severe, each day's progress report while
    the incident is open and the final report once contained. So the demo's timelines show
    初报 / 续报 / 终报 and no old clock lapses (and alarms everyone) when the worker starts."""
    if not incident.report_clocks.exists():
        return
    user = principal.user

    def log(kind, when, text, contact=BUREAU_DESK):
        log_report(incident=incident, kind=kind, actor=user, contact=contact, text=text, now=when)

    log(ClockKind.VERBAL, at + timedelta(minutes=9), "电话报告：时间、地点、经过、已采取的措施。",
        contact=f"{BUREAU_DESK} 值班电话")  # fmt: skip
    log(ClockKind.WRITTEN, at + timedelta(minutes=24), "书面初报：快报事实，原因待查。")
    if incident.severity in (Severity.I, Severity.II):
        log(ClockKind.FOLLOWUP, at + timedelta(hours=3), "续报：现场已处置，补报新增情况。")
    while final not in (Status.CONTAINED, Status.CLOSED):
        daily = (
            incident.report_clocks.filter(kind=ClockKind.DAILY, done_at__isnull=True)
            .order_by("number")
            .first()
        )
        # Made before the clock warns (the last third of its time), not only before it is due:
        # between 09:00 and 17:00 today's report is sent already (just now), so starting the
        # worker at ``now`` finds no clock to warn about, and none lapsed.
        if daily is None or daily.warn_at > now:
            break
        when = min(daily.due_at - timedelta(minutes=30), now - timedelta(minutes=1))
        log(ClockKind.DAILY, when, "当日进展报告。")
    if incident.report_clocks.filter(kind=ClockKind.FINAL, done_at__isnull=True).exists():
        log(ClockKind.FINAL, at + timedelta(days=1), "终报：处置结果、原因分析和整改措施。")


def seed(school, *, now: datetime | None = None) -> list[str]:
    if Incident.objects.filter(school=school).exists():
        return []
    reporter = _first(school, Role.TEACHER)
    leader = _first(school, Role.LEADER)
    principal = _first(school, Role.PRINCIPAL)
    if not (reporter and leader and principal):
        return []
    now = demo_now(now)
    made = []
    for ago, category, sub, severity, place, what, final in INCIDENTS:
        happened = now - timedelta(minutes=ago)
        at = happened + timedelta(minutes=2)
        incident = services.report_incident(
            reporter=reporter, category=category, subcategory=sub, severity=severity,
            occurred_at=happened, location=place, summary=what, now=at,
        )  # fmt: skip
        if final == Status.REPORTED:
            _catch_up(incident, now)
            made.append(f"incident {place} (reported, escalating)")
            continue
        _run_steps(incident, at + timedelta(seconds=5))
        services.acknowledge_incident(
            incident=incident, actor=leader.user, now=at + timedelta(minutes=3)
        )
        if ago > 20 * 1440:  # the full report, completed later
            services.update_incident(
                incident=incident,
                actor=reporter.user,
                changes={
                    "casualties_injured": 0 if category == "accident" else 9,
                    "services_called": ["119"] if category == "accident" else ["120"],
                    "first_measures": "按应急预案疏散学生、清点人数，切断电源，通知家长。",
                    "leaders_on_scene": leader.name,
                    "impact": "相关班级停课半天。",
                },
                now=at + timedelta(minutes=40),
            )
        steps = {
            Status.RESPONDING: [Status.RESPONDING],
            Status.CONTAINED: [Status.RESPONDING, Status.CONTAINED],
            Status.CLOSED: [Status.RESPONDING, Status.CONTAINED],
        }.get(final, [])
        for n, status in enumerate(steps, start=1):
            services.change_status(
                incident=incident, to=status, actor=leader.user,
                now=at + timedelta(minutes=10 + 50 * n),
            )  # fmt: skip
        _report_up(incident, principal, at, final, now)
        if final == Status.CLOSED:
            closed = at + timedelta(days=4)
            Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED, closed_at=closed)
            event = IncidentEvent.objects.create(
                incident=incident,
                kind=EventKind.STATUS,
                actor=principal.user,
                data={"from": Status.CONTAINED, "to": Status.CLOSED},
            )
            IncidentEvent.objects.filter(pk=event.pk).update(at=closed)
        made.append(f"incident {place} ({final})")
    return made
