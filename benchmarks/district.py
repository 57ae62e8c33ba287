"""A district's demo data for the load test (benchmarks/load.py): ``schools`` schools of one
bureau with ``staff`` people each, a term of monthly rosters (published up to this month, next
month's a draft), and the term so far as it would have been recorded: duty logs submitted and
signed with their history, post checks, check-ins, patrol rounds with results and QR scans,
visitors, a few closed incidents and each person's inbox. The shift on duty now has its log
open as a draft, half written.

Fast: rows are written with ``bulk_create`` in big batches; only two things go through the
app's own code, because they are the app's logic and not just rows: the rosters' shifts
(``roster.services.create_roster``, which reads the school calendar) and who is on which duty
(``roster.greedy.greedy_fill``, which follows the duty rules: rest after a night, the weekly cap,
teachers only on school days). 20 schools × 60 staff take well under a minute on 2 cores.

    build(schools=20, staff=60) -> {"summary": {...}, "schools": [{...personas...}]}

Run inside a configured Django process (load.py does), against an empty migrated database.
Every login's password is ``PASSWORD``.
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from datetime import date, datetime, timedelta
from datetime import time as dt_time

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

PASSWORD = "Load-Test-2026"  # noqa: S105 - a throwaway benchmark database only
BUREAU = "示范区教育局"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文博", "思远", "雅琴", "海燕",
    "晓明", "国栋", "振华", "红梅", "天宇", "浩然", "子涵", "婷婷", "宏伟", "春兰", "玉珍", "永刚",
]  # fmt: skip
SCHOOL_KINDS = ["实验小学", "第一小学", "第二小学", "中心小学", "外国语小学", "第一中学",
                "第二中学", "实验中学", "育才小学", "城南小学"]  # fmt: skip
WEATHER = ["晴", "多云", "晴转多云", "阴", "小雨", "阴有小雨", "北风3级，晴"]
DAY_TEXT = [
    "升旗仪式正常进行，课间操秩序良好。",
    "课间巡查正常，各楼层楼梯口无拥挤推搡现象。",
    "放学时段家长接送秩序良好，校门口交通有序。",
    "午餐时段食堂秩序良好，食品留样已登记。",
]
NIGHT_TEXT = [
    "18:30 对教学楼逐层巡查，门窗已关闭，电源已切断。",
    "21:00、23:30 两次巡查校园，围墙周边无异常。",
    "监控室运行正常，录像存储正常。",
]
SUMMARIES = ["本班次校园秩序正常，无安全事故。", "值班期间各项工作正常，交接清楚。"]
PURPOSES = ["家长接孩子", "送教材", "维修空调", "食堂送货", "区教研员听课", "快递"]


def _school_name(n: int) -> str:
    kind = SCHOOL_KINDS[n % len(SCHOOL_KINDS)]
    return f"示范区{kind}" if n < len(SCHOOL_KINDS) else f"示范区{kind}{n // len(SCHOOL_KINDS)}分校"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _term(today: date) -> tuple[date, date]:
    """The school term around ``today``: autumn (Sep to mid-Jan) or spring (Feb/Mar to Jun)."""
    if today.month >= 8:
        return date(today.year, 9, 1), date(today.year + 1, 1, 22)
    if today.month == 1:
        return date(today.year - 1, 9, 1), date(today.year, 1, 22)
    return date(today.year, 2, 24), date(today.year, 6, 30)


def _months(first: date, last: date) -> list[tuple[date, date]]:
    out, day = [], first
    while day <= last:
        nxt = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        out.append((day, min(last, nxt - timedelta(days=1))))
        day = nxt
    return out


def _resident_id(rng: random.Random) -> str:
    from logbook.idcard import check_character

    born = date(1970, 1, 1) + timedelta(days=rng.randint(0, 12000))
    first17 = f"330106{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_character(first17)


def build(
    *,
    schools: int = 20,
    staff: int = 60,
    now: datetime | None = None,
    horizon: timedelta = timedelta(minutes=10),
    seed: int = 7,
    log=print,
) -> dict:
    """Write the district; return a summary and, per school, the logins the load test plays
    (see ``_personas``). ``horizon``: how long the load test runs, so that the duty people
    it plays are on a shift that lasts the whole run."""
    from staff.models import Bureau, School

    now = now or timezone.now()
    rng = random.Random(seed)  # noqa: S311 - demo data, the same every time
    started = time.monotonic()
    bureau = Bureau.objects.create(name=BUREAU)
    school_rows = School.objects.bulk_create(
        [
            School(name=_school_name(n), bureau=bureau,
                   address=f"示范区学府路 {n + 1} 号", duty_phone=f"0571-8888{n:04d}")
            for n in range(schools)
        ]
    )  # fmt: skip
    hashed = make_password(PASSWORD)  # PBKDF2 once, not 1,200 times
    people = _people(school_rows, staff, hashed, rng)
    log(f"  schools and staff: {time.monotonic() - started:.1f}s")
    today = timezone.localdate(now)
    first, last = _term(today)
    rosters = _rosters(school_rows, first, last, today, rng)
    log(f"  rosters filled: {time.monotonic() - started:.1f}s")
    _checklists(school_rows)
    shifts = _history(school_rows, people, now, rng)
    log(f"  term history: {time.monotonic() - started:.1f}s")
    personas = _personas(school_rows, people, now, horizon)
    _inbox(school_rows, people, now, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    summary = _counts()
    summary.update(term=f"{first}..{last}", rosters=rosters, seconds=round(
        time.monotonic() - started, 1), shifts_so_far=shifts)  # fmt: skip
    return {"summary": summary, "schools": personas}


# ---- people ------------------------------------------------------------------------------------


def _people(schools, size: int, hashed: str, rng: random.Random) -> dict[int, list]:
    """Per school: 1 principal (also a duty leader), 3 leaders, 1 office administrator, 1
    technician, guards (about one in seven) and teachers. Logins ``s<school>-<role><n>``."""
    from staff.models import Role, Staff, StaffRole, User

    plan = []  # (school, username, name, position, roles)
    for school in schools:
        guards = max(2, size // 7)
        layout = (
            [("principal1", "校长", [Role.PRINCIPAL, Role.LEADER])]
            + [(f"leader{n}", p, [Role.LEADER])
               for n, p in enumerate(["副校长", "副校长", "德育主任"], 1)]
            + [("admin1", "办公室主任", [Role.ADMIN]), ("tech1", "信息技术教师", [Role.TECH])]
            + [(f"guard{n}", "保安", [Role.GUARD]) for n in range(1, guards + 1)]
        )  # fmt: skip
        teachers = max(0, size - len(layout))
        layout += [(f"teacher{n}", "教师", [Role.TEACHER]) for n in range(1, teachers + 1)]
        for key, position, roles in layout[:size]:
            plan.append((school, f"s{school.pk}-{key}", _name(rng), position, roles))
    users = User.objects.bulk_create(
        [User(username=username, password=hashed) for _s, username, *_ in plan], batch_size=2000
    )
    rows = Staff.objects.bulk_create(
        [
            Staff(school=school, user=user, name=name, position=position,
                  phone=f"13{school.pk % 10}{n:08d}",
                  emergency_contact_name=_name(rng), emergency_contact_phone=f"139{n:08d}")
            for n, ((school, _u, name, position, _r), user) in enumerate(zip(plan, users,
                                                                             strict=True))
        ],
        batch_size=2000,
    )  # fmt: skip
    StaffRole.objects.bulk_create(
        [StaffRole(staff=s, role=r) for s, p in zip(rows, plan, strict=True) for r in p[4]],
        batch_size=5000,
    )
    out: dict[int, list] = {}
    for person, user, p in zip(rows, users, plan, strict=True):
        person.user = user
        person.codes = set(p[4])
        out.setdefault(p[0].pk, []).append(person)
    return out


# ---- rosters -----------------------------------------------------------------------------------


def _rosters(schools, first: date, last: date, today: date, rng: random.Random) -> int:
    """Monthly rosters for the term, published up to next month (a school publishes a week or
    more ahead); the month after that is a draft half filled. The first school's are filled by
    the greedy engine (roster.greedy, which keeps to the duty rules); the others get the same
    pattern with their own people (their calendars and staffing are alike), which is 20 times
    faster than running the engine for each."""
    from logbook.models import LogbookSettings
    from roster import services
    from roster.greedy import greedy_fill
    from roster.models import (
        Assignment,
        Roster,
        RosterChange,
        RosterSettings,
        RosterStatus,
        Term,
    )
    from roster.queries import build_plan, rule_settings

    Term.objects.bulk_create(
        [Term(school=s, name="秋季学期" if first.month == 9 else "春季学期", start_date=first,
              end_date=last) for s in schools]
    )  # fmt: skip
    RosterSettings.objects.bulk_create([RosterSettings(school=s) for s in schools])
    LogbookSettings.objects.bulk_create([LogbookSettings(school=s) for s in schools])
    this_month = today.replace(day=1)
    publish_until = (this_month + timedelta(days=32)).replace(day=1)
    made = 0
    pattern: dict[tuple[str, date], list[tuple[int, str]]] = {}  # the first school's duties
    first_people: list = []
    for number, school in enumerate(schools):
        services.create_default_shift_types(school=school)
        people = list(school.staff.order_by("pk").prefetch_related("roles"))
        if number == 0:
            first_people = people
            mapping = {}
        else:
            mapping = _same_roles_mapping(first_people, people, rng)
        for start, end in _months(first, last):
            roster = services.create_roster(school=school, name=f"{start:%Y年%m月}值班表",
                                            start=start, end=end, actor=None)  # fmt: skip
            draft = start > publish_until
            shifts = list(roster.shifts.select_related("shift_type"))
            if number == 0:
                # The greedy engine, with the rules (rest after a night, weekly cap, ...).
                plan = build_plan(roster)
                if draft:
                    cut = start + timedelta(days=13)
                    plan.shifts = {k: s for k, s in plan.shifts.items() if s.date <= cut}
                by_id = {s.pk: s for s in shifts}
                rows = [Assignment(shift=by_id[a.shift_id], staff_id=a.person_id, role=a.role)
                        for a in greedy_fill(plan, rule_settings(school))]  # fmt: skip
                for row in rows:
                    pattern.setdefault(_key(row.shift), []).append((row.staff_id, row.role))
            else:
                # The same pattern with this school's people in the same roles, shuffled:
                # every school's calendar and staffing are alike, so it keeps to the rules.
                rows = [Assignment(shift=s, staff_id=mapping[staff], role=role)
                        for s in shifts
                        for staff, role in pattern.get(_key(s), ())]  # fmt: skip
            Assignment.objects.bulk_create(rows, batch_size=5000)
            if not draft:
                published = timezone.make_aware(
                    datetime.combine(start - timedelta(days=rng.randint(8, 14)), dt_time(16))
                )
                Roster.objects.filter(pk=roster.pk).update(
                    status=RosterStatus.PUBLISHED, published_at=published
                )
                RosterChange.objects.create(roster=roster, action="published")
            made += 1
    return made


def _key(shift) -> tuple[str, date]:
    return shift.shift_type.name, shift.date


def _same_roles_mapping(model: list, people: list, rng: random.Random) -> dict[int, int]:
    """Staff ids of ``model`` → staff of ``people`` with the same roles, shuffled per role set."""
    pools: dict[frozenset, list[int]] = {}
    for person in people:
        pools.setdefault(frozenset(r.role for r in person.roles.all()), []).append(person.pk)
    for pool in pools.values():
        rng.shuffle(pool)
    mapping = {}
    for person in model:
        mapping[person.pk] = pools[frozenset(r.role for r in person.roles.all())].pop()
    return mapping


def _checklists(schools) -> None:
    """The standard patrol checklist (the app's own, with QR tokens) in every school."""
    from logbook.services.patrol import install_standard_checklist

    for school in schools:
        install_standard_checklist(school=school, actor=None)


# ---- the term so far ---------------------------------------------------------------------------


def _history(schools, people, now: datetime, rng: random.Random) -> int:
    """Logs, revisions, post checks, check-ins, patrols, visits and incidents of every shift of
    the term that has started; the shift on duty now gets a draft log."""
    from django.db.models import Prefetch

    from incidents.models import Incident
    from logbook import crypto
    from logbook.idcard import mask_id_number
    from logbook.models import (
        Checkpoint,
        DutyLog,
        LogRevision,
        PatrolItem,
        PatrolResult,
        PatrolRound,
        PatrolScan,
        PostCheck,
        Visit,
    )
    from roster.models import Assignment, CheckIn, RosterStatus, Shift
    from staff.models import Role

    shifts = list(
        Shift.objects.filter(roster__school__in=schools, roster__status=RosterStatus.PUBLISHED,
                             starts_at__lte=now)
        .select_related("roster")
        .prefetch_related(Prefetch("assignments", queryset=Assignment.objects.order_by("pk")))
        .order_by("starts_at")
    )  # fmt: skip
    staff_by_id = {p.pk: p for rows in people.values() for p in rows}
    principal = {sid: next(p for p in rows if "principal" in p.codes)
                 for sid, rows in people.items()}  # fmt: skip
    items = {}
    for item in PatrolItem.objects.filter(checkpoint__school__in=schools, frequency="shift"):
        items.setdefault(item.checkpoint.school_id, []).append(item)
    checkpoints = {}
    for cp in Checkpoint.objects.filter(school__in=schools):
        checkpoints.setdefault(cp.school_id, []).append(cp)

    logs, revisions, checks, checkins, rounds, visits, incidents = [], [], [], [], [], [], []
    round_plan = []  # (round, school, staff, started)
    for shift in shifts:
        school_id = shift.roster.school_id
        duties = list(shift.assignments.all())
        writers = [a for a in duties if a.role in (Role.TEACHER, Role.GUARD)]
        leaders = [a for a in duties if a.role == Role.LEADER]
        if not writers:
            continue
        writer = staff_by_id[writers[0].staff_id]
        signer = staff_by_id[leaders[0].staff_id] if leaders else principal[school_id]
        length = shift.ends_at - shift.starts_at
        night = shift.starts_at.astimezone(timezone.get_current_timezone()).hour >= 16
        for a in duties:  # guards and leaders check in (teachers need not, MOE 2025); those
            # of the shift on duty now do it in the load test's shift-change spike
            if a.role != Role.TEACHER and shift.ends_at <= now:
                arrived = shift.starts_at - timedelta(minutes=rng.randint(-8, 25))
                if arrived <= now:
                    user_id = staff_by_id[a.staff_id].user_id
                    checkins.append(CheckIn(assignment=a, checked_in_at=arrived,
                                            recorded_by_id=user_id))  # fmt: skip
        content = {
            "weather": rng.choice(WEATHER),
            "students_present": None if night else 600 - rng.randint(0, 8),
            "activities": "\n".join(rng.sample(NIGHT_TEXT if night else DAY_TEXT, 2)),
            "summary": rng.choice(SUMMARIES),
        }
        opened = shift.starts_at + timedelta(minutes=rng.randint(0, 20))
        current = shift.ends_at > now
        if current:
            opened = min(opened, now)
            log = DutyLog(shift=shift, school_id=school_id, date=shift.date, author=writer,
                          weather=content["weather"], version=2, updated_at=opened)  # fmt: skip
            logs.append(log)
            revisions.append((log, writer.user_id, opened, "opened", {}))
            revisions.append((log, writer.user_id, opened, "saved",
                              {"weather": ["", content["weather"]]}))  # fmt: skip
        else:
            submitted = shift.ends_at - timedelta(minutes=rng.randint(10, 40))
            signed = rng.random() < 0.9
            signed_at = shift.ends_at + timedelta(minutes=rng.randint(5, 120))
            signed = signed and signed_at <= now
            log = DutyLog(
                shift=shift, school_id=school_id, date=shift.date, author=writer,
                status="signed" if signed else "submitted", submitted_at=submitted,
                submitted_by=writer, signed_at=signed_at if signed else None,
                signed_by=signer if signed else None, sign_comment="已阅" if signed else "",
                version=3, updated_at=signed_at if signed else submitted, **content,
            )  # fmt: skip
            logs.append(log)
            revisions.append((log, writer.user_id, opened, "opened", {}))
            revisions.append((log, writer.user_id, opened + length / 2, "saved",
                              {"activities": ["", content["activities"]]}))  # fmt: skip
            revisions.append((log, writer.user_id, submitted, "submitted", {}))
            if signed:
                revisions.append((log, signer.user_id, signed_at, "signed", {}))
            for hours in (1.5, 6) if length > timedelta(hours=10) else (1.5,):
                at = shift.starts_at + timedelta(hours=hours)
                checks.append(PostCheck(shift=shift, school_id=school_id, leader=signer,
                                        checked_at=at, remarks="人员在岗，无异常"))  # fmt: skip
            patroller = staff_by_id[(writers[-1] if night else writers[0]).staff_id]
            started = shift.starts_at + timedelta(hours=4 if night else 1,
                                                  minutes=rng.randint(0, 40))  # fmt: skip
            due = items.get(school_id, [])
            patrol = PatrolRound(school_id=school_id, shift=shift, started_by=patroller,
                                 started_at=started, finished_at=started + timedelta(minutes=50),
                                 due_item_ids=[i.pk for i in due])  # fmt: skip
            rounds.append(patrol)
            round_plan.append((patrol, school_id, patroller, started))
            if not night and shift.date.weekday() < 5:
                visits.extend(_visit(shift, school_id, writer, rng, crypto, mask_id_number)
                              for _n in range(rng.randint(2, 6)))  # fmt: skip
            if rng.random() < 0.03:
                incidents.append(Incident(
                    school_id=school_id, shift=shift, reporter=writer, category="accident",
                    subcategory="injury", severity="4", status="closed",
                    occurred_at=shift.starts_at + length / 3, location="操场",
                    summary="学生课间奔跑摔倒，膝盖擦伤，校医已处理并通知家长。",
                    casualties_injured=1, acknowledged_at=shift.starts_at + length / 3
                    + timedelta(minutes=4), acknowledged_by_id=signer.user_id,
                    closed_at=shift.ends_at,
                ))  # fmt: skip
    with transaction.atomic():
        DutyLog.objects.bulk_create(logs, batch_size=2000)
        _copy(LogRevision, ["log_id", "actor_id", "at", "action", "changes"],
              ((lg.pk, u, at, act, json.dumps(ch, ensure_ascii=False))
               for lg, u, at, act, ch in revisions))  # fmt: skip
        PostCheck.objects.bulk_create(checks, batch_size=5000)
        CheckIn.objects.bulk_create(checkins, batch_size=5000)
        PatrolRound.objects.bulk_create(rounds, batch_size=2000)
        results, scans = [], []
        for patrol, school_id, staff, started in round_plan:
            minute = 0
            seen = set()
            for item in items.get(school_id, []):
                if item.checkpoint_id not in seen:
                    seen.add(item.checkpoint_id)
                    minute += 2
                    at = started + timedelta(minutes=minute)
                    scans.append((patrol.pk, item.checkpoint_id, at))
                if rng.random() < 0.04:
                    continue
                at = started + timedelta(minutes=minute)
                results.append((patrol.pk, item.pk, "ok", "", at, staff.pk))
        _copy(PatrolScan, ["round_id", "checkpoint_id", "scanned_at"], scans)
        _copy(PatrolResult, ["round_id", "item_id", "status", "note", "recorded_at",
                             "recorded_by_id"], results)  # fmt: skip
        Visit.objects.bulk_create(visits, batch_size=2000)
        Incident.objects.bulk_create(incidents)
    # The history trigger (migration 0002_log_guards) stamps revisions only for UPDATEs; the
    # inserts above are plain rows, so nothing else is needed.
    return len(shifts)


def _copy(model, columns: list[str], rows) -> None:
    """Rows into ``model``'s table with PostgreSQL's COPY: the big tables (a patrol result per
    item per round) load in a second instead of building a model instance per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow("\\N" if v is None else v.isoformat() if hasattr(v, "isoformat") else v
                        for v in row)  # fmt: skip
    buffer.seek(0)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
        )


def _visit(shift, school_id, guard, rng, crypto, mask_id_number):
    from logbook.models import Visit

    number = _resident_id(rng)
    time_in = shift.starts_at + timedelta(minutes=rng.randint(30, 480))
    return Visit(
        school_id=school_id, time_in=time_in,
        time_out=time_in + timedelta(minutes=rng.randint(10, 120)), name=_name(rng),
        phone=f"138{rng.randint(0, 99999999):08d}", id_type="resident",
        id_cipher=crypto.encrypt(number), id_lookup=crypto.lookup_hmac("resident", number),
        id_masked=mask_id_number(number), purpose=rng.choice(PURPOSES), host_text="教务处",
        registered_by_id=guard.user_id,
    )  # fmt: skip


def _inbox(schools, people, now: datetime, rng: random.Random) -> None:
    """Each person's in-app notices: the rosters published this term, read; a reminder or two."""
    from notifications.models import Notice

    rows = []
    for school in schools:
        for person in people[school.pk]:
            for n in range(rng.randint(4, 12)):
                at = now - timedelta(days=n * 7 + rng.randint(0, 6), hours=rng.randint(0, 12))
                rows.append(Notice(
                    school=school, recipient_id=person.user_id,
                    key=f"load:{person.pk}:{n}:inapp", event=f"roster.reminder:{person.pk}:{n}",
                    channel="inapp", subject="明天 08:00 您有值班", body="请按时到岗。",
                    url="/roster/mine/", status="sent", due_at=at, sent_at=at,
                    read_at=at + timedelta(hours=1) if n else None,
                ))  # fmt: skip
    Notice.objects.bulk_create(rows, batch_size=5000)


# ---- who the load test plays -------------------------------------------------------------------


def _personas(schools, people, now: datetime, horizon: timedelta) -> list[dict]:
    """Per school, the logins in the order the load test hands them to its users: the duty
    writer (the first teacher or guard on the shift on duty for the whole run: their draft log
    is theirs alone, so autosaves never conflict), the others on that shift (patrols, visitors),
    the shift's leader (else the principal), the office, then teachers off duty and the rest."""
    from logbook.models import DutyLog
    from roster.models import Assignment, Roster, RosterStatus, Shift

    today = timezone.localdate(now)
    out = []
    for school in schools:
        shifts = list(
            Shift.objects.filter(roster__school=school, roster__status=RosterStatus.PUBLISHED,
                                 ends_at__gt=now)
            .order_by("starts_at")[:3]
        )  # fmt: skip
        shift = next((s for s in shifts if s.starts_at <= now), shifts[0] if shifts else None)
        if shift is not None and shift.ends_at < now + horizon + timedelta(minutes=2):
            following = [s for s in shifts if s.starts_at >= shift.ends_at]
            shift = following[0] if following else shift
        duties = list(Assignment.objects.filter(shift=shift).order_by("pk")) if shift else []
        by_id = {p.pk: p for p in people[school.pk]}
        on = [(by_id[a.staff_id], a) for a in duties]
        log_row = DutyLog.objects.filter(shift=shift).first() if shift else None
        if shift is not None and log_row is None:  # the shift starting within the hour
            from logbook.models import LogRevision

            writer = next((p for p, a in on if a.role != "leader"), None)
            if writer is not None:
                log_row = DutyLog.objects.create(shift=shift, school=school, date=shift.date,
                                                 author=writer, updated_at=now)  # fmt: skip
                LogRevision.objects.create(log=log_row, actor_id=writer.user_id, at=now,
                                           action="opened")  # fmt: skip
        rows: list[dict] = []
        used: set[int] = set()

        def add(person, kind, assignment=None, rows=rows, used=used):
            used.add(person.pk)
            rows.append({
                "username": person.user.username, "kind": kind, "staff": person.pk,
                "roles": sorted(person.codes),
                "assignment": assignment.pk if assignment else None,
            })  # fmt: skip

        duty_people = [(p, a) for p, a in on if a.role != "leader"]
        if duty_people:
            add(duty_people[0][0], "writer", duty_people[0][1])
        for person, a in duty_people[1:]:
            add(person, "patroller", a)
        lead = next(((p, a) for p, a in on if a.role == "leader"), None)
        if lead:
            add(lead[0], "leader", lead[1])
        else:
            add(next(p for p in people[school.pk] if "principal" in p.codes), "leader")
        for person in people[school.pk]:
            if person.pk in used:
                continue
            if "admin" in person.codes:
                add(person, "office")
        rest = [p for p in people[school.pk] if p.pk not in used]
        rest.sort(key=lambda p: ("teacher" not in p.codes, p.pk))
        for person in rest:
            kind = (
                "teacher"
                if "teacher" in person.codes
                else ("leader" if person.codes & {"leader", "principal"} else "reader")
            )
            add(person, kind)
        roster = Roster.objects.filter(school=school, start_date__lte=today, end_date__gte=today)
        out.append({
            "school": school.pk, "name": school.name,
            "shift": shift.pk if shift else None, "log": log_row.pk if log_row else None,
            "shift_starts": shift.starts_at.isoformat() if shift else None,
            "shift_ends": shift.ends_at.isoformat() if shift else None,
            "roster": roster.values_list("pk", flat=True).first(),
            "personas": rows,
        })  # fmt: skip
    return out


def _counts() -> dict:
    from incidents.models import Incident
    from logbook.models import DutyLog, LogRevision, PatrolResult, PatrolRound, Visit
    from notifications.models import Notice
    from roster.models import Assignment, Shift
    from staff.models import School, Staff

    models = {"schools": School, "staff": Staff, "shifts": Shift, "assignments": Assignment,
              "duty_logs": DutyLog, "log_revisions": LogRevision, "patrol_rounds": PatrolRound,
              "patrol_results": PatrolResult, "visits": Visit, "incidents": Incident,
              "notices": Notice}  # fmt: skip
    return {name: model.objects.count() for name, model in models.items()}
