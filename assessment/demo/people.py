"""Demo peer review, student/parent feedback, rewards and penalties for the demo school (the
assessment demo hook runs this after the inspect part and before the month scores, so the scores
include the reviews and the approved feedback).

- reviews for each month of the term: this month's and last month's through the service,
  between colleagues who shared a shift of the published rosters; earlier months' (before the
  demo rosters begin) as rows between the duty leader and the teachers and guards of the school;
- feedback from students and parents each month, mostly approved, a few waiting for moderation
  and one hidden;
- proposals: a 通报表扬 and an 优秀值班人员 approved, a 口头警告 approved with the person's
  response, a 物质奖励 and a 通报批评 waiting for the principal, one proposal rejected.

Idempotent: each piece is made only when the school has none of it yet.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError

from assessment.demo.record import term_start
from assessment.models import Feedback, FeedbackStatus, PeerReview, Proposal
from assessment.queries.people import colleagues_to_review, people_on_duty_lately
from assessment.services import awards
from assessment.services import people as services
from assessment.services.record import add_months, month_start
from roster.timing import localize
from staff.demo import demo_now, local_today
from staff.models import Role, Staff
from staff.queries import actor_for

STRENGTHS = ["巡查认真，记录完整", "交接班清楚，提前到岗", "处置学生纠纷耐心及时", "",
             "来访登记规范", "夜间巡查到位"]  # fmt: skip
IMPROVEMENTS = ["", "值班日志可以写得更具体", "交接时遗留事项要当面说明", "",
                "巡查后请及时上报隐患"]  # fmt: skip
COMMENTS = [
    "放学时门口值班老师很负责，秩序很好",
    "早上到校时值班老师主动提醒孩子注意安全",
    "门卫叔叔很热情",
    "接孩子时车辆有点乱，希望加强疏导",
    "",
    "值班老师及时处理了孩子摔倒的情况",
]


def _people(school):
    active = Staff.objects.filter(school=school, active=True, user__isnull=False)
    by_role = {
        role: list(active.filter(roles__role=role).distinct().order_by("pk"))
        for role in (Role.PRINCIPAL, Role.LEADER, Role.ADMIN, Role.TEACHER, Role.GUARD)
    }
    return active, by_role


def _user(school, username: str, role: str) -> Staff | None:
    people = Staff.objects.filter(school=school, active=True)
    return (
        people.filter(user__username=username).first()
        or people.filter(roles__role=role).order_by("pk").first()
    )


def _reviews(school, today: date, rng: random.Random, now: datetime) -> int:
    if PeerReview.objects.filter(school=school).exists():
        return 0
    _active, by_role = _people(school)
    leaders = [p for p in by_role[Role.LEADER] if p not in by_role[Role.PRINCIPAL]][:3]
    crew = by_role[Role.TEACHER][:6] + by_role[Role.GUARD][:2]
    this = month_start(today)
    rows = []
    month = term_start(today)
    while month < add_months(this, -1):  # months before the demo rosters: rows
        for leader in leaders:
            for person in crew:
                if person.pk == leader.pk or rng.random() < 0.4:
                    continue
                for reviewer, reviewee in ((leader, person), (person, leader)):
                    rows.append(PeerReview(
                        school=school, month=month, reviewer=reviewer, reviewee=reviewee,
                        rating=rng.choice([3, 4, 4, 5, 5]), strengths=rng.choice(STRENGTHS),
                        improvements=rng.choice(IMPROVEMENTS),
                    ))  # fmt: skip
        month = add_months(month, 1)
    PeerReview.objects.bulk_create(rows, ignore_conflicts=True)
    written = len(rows)
    # This month and last: through the service, between people who shared a shift.
    for month in (add_months(this, -1), this):
        for reviewer in [*leaders, *crew][:8]:
            actor = actor_for(reviewer.user)
            for colleague in colleagues_to_review(reviewer, month, now)[:3]:
                if colleague.reviewed or rng.random() < 0.3:
                    continue
                try:
                    services.write_review(
                        actor=actor, reviewee=colleague.staff, month=month,
                        rating=rng.choice([2, 3, 4, 4, 5]), strengths=rng.choice(STRENGTHS),
                        improvements=rng.choice(IMPROVEMENTS), now=now,
                    )  # fmt: skip
                    written += 1
                except ValidationError:
                    continue
    return written


def _feedback(school, today: date, rng: random.Random, now: datetime) -> int:
    if Feedback.objects.filter(school=school).exists():
        return 0
    _active, by_role = _people(school)
    named = people_on_duty_lately(school, today) or (by_role[Role.TEACHER] + by_role[Role.GUARD])
    this = month_start(today)
    rows, month, n = [], term_start(today), 0
    while month <= this:
        last_day = today if month == this else add_months(month, 1) - timedelta(days=1)
        for _i in range(6):
            n += 1
            day = month + timedelta(days=rng.randrange(0, max(1, (last_day - month).days + 1)))
            moment = localize(datetime.combine(day, time(rng.choice([7, 8, 16, 17]), 20)),
                              school.time_zone)  # fmt: skip
            moment = min(moment, now - timedelta(minutes=5))  # today's: not yet later today
            status = FeedbackStatus.APPROVED
            if month == this and n % 3 == 0:
                status = FeedbackStatus.PENDING
            rows.append((Feedback(
                school=school, about=rng.choice([*named[:6], None]) if named else None,
                source=rng.choice(["parent", "parent", "student", "other"]),
                rating=rng.choice([3, 4, 4, 5, 5]), comment=rng.choice(COMMENTS),
                client_key=f"demo-{n}", status=status,
                moderated_at=None if status == FeedbackStatus.PENDING else moment,
            ), moment))  # fmt: skip
        month = add_months(month, 1)
    if rows:
        hidden = rows[len(rows) // 2][0]
        hidden.status, hidden.comment, hidden.rating = FeedbackStatus.REJECTED, "广告链接", 1
    Feedback.objects.bulk_create([row for row, _m in rows])
    for row, moment in rows:  # submitted_at is stamped on insert; the demo spreads it out
        Feedback.objects.filter(pk=row.pk).update(submitted_at=moment)
    return len(rows)


def _proposals(school, today: date, now: datetime) -> int:
    if Proposal.objects.filter(school=school).exists():
        return 0
    principal = _user(school, "principal", Role.PRINCIPAL)
    leader = _user(school, "leader", Role.LEADER)
    admin = _user(school, "admin", Role.ADMIN)
    teacher = _user(school, "teacher", Role.TEACHER)
    guard = _user(school, "guard", Role.GUARD)
    if None in (principal, leader, admin, teacher, guard) or len({leader, principal}) < 2:
        return 0
    boss, lead, office = (actor_for(p.user) for p in (principal, leader, admin))
    last = add_months(month_start(today), -1)
    # (proposer, person, measure, reason, evidence, amount, decision, note, response)
    plan = [
        (lead, teacher, "praise", "国庆假期值班期间处置学生走失事件迅速得当",
         "事件记录与值班日志", None, "approve", "予以通报表扬。", None),
        (office, teacher, "outstanding", "本学期值班考核成绩优秀，互评和家长反馈良好",
         "月度得分", None, "approve", "评为本学期优秀值班人员，颁发荣誉证书。",
         "谢谢学校肯定，会继续做好值班工作。"),
        (lead, guard, "verbal", "夜班 22:00 巡查未按时进行，交接班记录缺项",
         "月度检查记录、巡查记录", None, "approve", "情况属实，予以口头警告，请注意按时巡查。",
         "当晚身体不适，今后会提前请假调班。"),
        (lead, teacher, "bonus", "雨天放学时主动疏导交通，避免了拥堵", "值班日志",
         Decimal("200"), None, "", None),
        (office, guard, "criticism", "来访人员未登记即放行", "来访登记表、监控记录", None,
         None, "", None),
        (lead, guard, "warning", "交接班迟到 10 分钟", "签到记录", None,
         "reject", "情节较轻，已口头提醒，不予处分。", None),
    ]  # fmt: skip
    made = 0
    for actor, subject, action, reason, evidence, amount, decision, note, response in plan:
        proposal = awards.propose(actor=actor, subject=subject, action=action, reason=reason,
                                  evidence=evidence, amount=amount, month=last)  # fmt: skip
        made += 1
        if decision:
            awards.decide(proposal=proposal, actor=boss, approve=decision == "approve", note=note,
                          now=now)  # fmt: skip
        if response:
            awards.respond(proposal=proposal, actor=actor_for(subject.user), text=response,
                           now=now)  # fmt: skip
    return made


def seed(school, *, now: datetime | None = None) -> list[str]:
    now = demo_now(now)
    today = local_today(school, now)
    rng = random.Random(f"people-{school.pk}")  # noqa: S311 (demo data, not secrets)
    reviews = _reviews(school, today, rng, now)
    feedback = _feedback(school, today, rng, now)
    proposals = _proposals(school, today, now)
    return [f"peer reviews: {reviews}, feedback: {feedback}, rewards and penalties: {proposals}"]
