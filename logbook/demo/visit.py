"""Demo data: a month of visitors at the gate (see logbook/demo/__init__.py).

Three or so visitors a school day, registered by the demo guard through the service (so ID
numbers are encrypted, looked up and masked like real ones; resident IDs carry a correct GB
11643 check digit), one visitor still on campus now when seeded in visiting hours (signed in
within the last hour, not before 08:00; after 18:00 and before 08:10 nobody is on campus), and
one record old enough to have been purged. Idempotent: nothing is added once the school has visits.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from logbook.idcard import IdType, check_character
from logbook.models import Visit
from logbook.services.visit import purge_expired_visits, register_visit
from roster.timing import localize
from staff.demo import demo_now, local_today
from staff.models import Role, Staff
from staff.queries import actor_for

DAYS = 30
OPEN, CLOSE = time(8), time(18)  # visiting hours: the gate signs visitors in between these
NAMES = ["张建国", "李秀兰", "王志强", "刘芳", "陈伟", "杨丽", "赵军", "黄敏", "周磊", "吴静",
         "徐涛", "孙燕", "马超", "朱红", "胡斌", "郭霞", "何勇", "林娜"]  # fmt: skip
VISITS = [
    ("家长会沟通", "", "班主任"),
    ("送教材", "示范区新华书店", "教务处"),
    ("维修监控设备", "海康威视售后", "信息中心"),
    ("食堂食材配送", "绿源农产品公司", "总务处"),
    ("接孩子（请假）", "", "三年级组"),
    ("消防设施检查", "示范区消防救援大队", "安全办"),
    ("教研活动", "示范区教研室", "教务处"),
]
REGIONS = ["330106", "330102", "330108", "110105", "440304", "320102"]


def resident_id(rng: random.Random) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randrange(0, 35 * 365))
    first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1, 999):03d}"
    return first17 + check_character(first17)


def _document(rng: random.Random, n: int) -> tuple[str, str]:
    if n % 11 == 5:
        return IdType.PASSPORT, f"E{rng.randrange(10**7, 10**8)}"
    if n % 13 == 7:
        return IdType.HK_MACAO, f"H{rng.randrange(10**7, 10**8)}"
    return IdType.RESIDENT, resident_id(rng)


def seed(school, *, now: datetime | None = None) -> list[str]:
    if Visit.objects.filter(school=school).exists():
        return []
    guard = (
        Staff.objects.for_school(school).active().with_role(Role.GUARD)
        .filter(user__isnull=False).order_by("pk").first()
    )  # fmt: skip
    if guard is None:
        return []
    actor = actor_for(guard.user)
    rng = random.Random(20261129)  # noqa: S311 - demo data, not security
    hosts = list(Staff.objects.for_school(school).active().order_by("pk")[:12])
    now = demo_now(now)
    today = local_today(school, now)
    regulars = [resident_id(rng) for _ in range(3)]  # some people come back: "visited before"
    made = 0
    for back in range(DAYS, -1, -1):  # today too, for visits already over
        day = today - timedelta(days=back)
        for _ in range(2 if day.weekday() >= 5 else rng.randrange(2, 5)):
            made += 1
            id_type, number = _document(rng, made)
            if made % 6 == 0:
                id_type, number = IdType.RESIDENT, regulars[made % 3]
            start = _at(school, day, rng.randrange(8, 16), rng.choice([0, 10, 20, 30, 40, 50]))
            end = start + timedelta(minutes=rng.randrange(15, 150))
            if end > now:
                continue
            _register(actor, school, rng, hosts, made, id_type, number, start, end, now)
    # One visitor still on campus now, in visiting hours: signed in within the last hour.
    arrived = max(now - timedelta(minutes=40), _at(school, today, OPEN.hour, 0))
    on_campus = now - arrived >= timedelta(minutes=10) and now <= _at(school, today, CLOSE.hour, 0)
    if on_campus:
        _register(actor, school, rng, hosts, made + 1, IdType.RESIDENT, regulars[0],
                  arrived, None, now)  # fmt: skip
    # One past the default retention period: purged by the scheduled task, counted still.
    old = _at(school, today - timedelta(days=200), 10, 0)
    _register(actor, school, rng, hosts, made + 2, IdType.RESIDENT, resident_id(rng), old,
              old + timedelta(hours=1), now)  # fmt: skip
    purge_expired_visits(now=now)
    total = Visit.objects.filter(school=school).count()
    here = "one on campus now" if on_campus else "none on campus after hours"
    return [f"{total} visitors over {DAYS} days ({here}, one purged)"]


def _at(school, day: date, hour: int, minute: int) -> datetime:
    return localize(datetime.combine(day, time(hour, minute)), school.time_zone)


def _register(actor, school, rng, hosts, n, id_type, number, time_in, time_out, now) -> Visit:
    purpose, organisation, department = VISITS[n % len(VISITS)]
    host = hosts[n % len(hosts)] if hosts and n % 3 else None
    return register_visit(
        school=school, actor=actor, name=NAMES[n % len(NAMES)],
        phone=f"139{rng.randrange(10**7, 10**8)}", id_type=id_type, id_number=number,
        purpose=purpose, organisation=organisation, host=host,
        host_text="" if host else department, party_size=1 + (n % 5 == 0),
        plate=f"浙A{rng.randrange(10000, 99999)}" if n % 4 == 0 else "",
        badge=f"访{n % 30 + 1:02d}", time_in=time_in, time_out=time_out, now=now,
    )  # fmt: skip
