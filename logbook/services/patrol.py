"""Writes for the logbook's patrol sub-domain: checklists, rounds, results, QR scans, photos."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from logbook.models import (
    Checkpoint,
    EvidencePhoto,
    Frequency,
    PatrolItem,
    PatrolResult,
    PatrolRound,
    PatrolScan,
    ResultStatus,
)
from logbook.uploads import CleanImage, atomic_with_files, store_image
from roster.models import Assignment, RosterStatus, Shift
from staff.models import School, Staff

OPENS_BEFORE = timedelta(minutes=30)  # a round may start half an hour before the shift
CLOSES_AFTER = timedelta(minutes=60)  # and up to an hour after it (a late last round)

S, D, W = Frequency.SHIFT, Frequency.DAILY, Frequency.WEEKLY
# 安全巡查记录表 (samples/forms.md): area → (item, how often, bad weather only).
STANDARD_CHECKLIST: list[tuple[str, list[tuple[str, str, bool]]]] = [
    ("教学办公生活用房", [("墙体无裂缝、无脱落", D, False), ("栏杆扶手牢固", D, False),
                          ("门窗玻璃完好", S, False)]),
    ("消防", [("消防通道畅通", S, False), ("应急照明完好", W, False),
              ("灭火器在位、在有效期、压力正常", W, False), ("消火栓完好、无遮挡", W, False),
              ("疏散指示标志完好", W, False), ("防火门常闭", S, False)]),
    ("安全出口", [("每层安全出口不少于2个", W, False), ("安全出口无堵塞、未上锁", S, False),
                  ("逃生窗无防盗网", W, False)]),
    ("监控报警", [("监控录像正常", S, False), ("监控时钟同步", D, False),
                  ("一键报警装置可用", D, False)]),
    ("用电", [("无裸露、老化线路", D, False), ("开关插座完好", D, False),
              ("无违规大功率电器", S, False), ("人走断电", S, False)]),
    ("水电管网井盖", [("井盖完好、无缺失", D, False), ("排水通畅、无积水", S, True)]),
    ("门窗门锁", [("放学后门窗上锁", S, False)]),
    ("围墙校门", [("围墙完好、无倾斜", D, False), ("校门及附属设施完好", S, False),
                  ("围墙周边无积水、无塌陷", S, True)]),
    ("运动场", [("体育器材牢固", D, False), ("旗杆牢固", W, False),
                ("大风后器材无倾倒", S, True)]),
    ("宣传栏悬挂物", [("宣传栏、悬挂物牢固", W, False), ("大风天气悬挂物已加固", S, True)]),
    ("食堂", [("燃气报警器正常", S, False), ("灭火毯在位", D, False), ("下班关闭燃气", S, False),
              ("食品留样", D, False)]),
    ("厕所", [("地面防滑、无积水", S, False), ("照明正常", D, False)]),
    ("宿舍", [("无违规电器", S, False), ("烟感正常", W, False), ("门可从内开启", D, False),
              ("宿管在岗", S, False)]),
    ("实验室", [("危化品存放与领用登记", D, False)]),
    ("功能室", [("上锁、断电", S, False)]),
    ("校园周边", [("交通秩序", S, False), ("无闲散人员聚集", S, False),
                  ("无流动摊贩", S, False)]),
]  # fmt: skip


def _require_admin(actor, school_id: int) -> None:
    if not actor.can_admin(school_id):
        raise PermissionDenied


# ---- checklists ------------------------------------------------------------------------------


def create_checkpoint(
    *, school: School, area: str, location: str = "", order: int = 0, actor
) -> Checkpoint:
    _require_admin(actor, school.pk)
    try:
        with transaction.atomic():
            return Checkpoint.objects.create(
                school=school, area=area, location=location, order=order
            )
    except IntegrityError as exc:
        raise ValidationError(_("This school already has a checkpoint with that name.")) from exc


def update_checkpoint(
    *, checkpoint: Checkpoint, area: str, location: str, order: int, actor
) -> Checkpoint:
    _require_admin(actor, checkpoint.school_id)
    checkpoint.area, checkpoint.location, checkpoint.order = area, location, order
    try:
        with transaction.atomic():
            checkpoint.save(update_fields=["area", "location", "order"])
    except IntegrityError as exc:
        raise ValidationError(_("This school already has a checkpoint with that name.")) from exc
    return checkpoint


def set_checkpoint_active(*, checkpoint: Checkpoint, active: bool, actor) -> Checkpoint:
    _require_admin(actor, checkpoint.school_id)
    checkpoint.active = active
    checkpoint.save(update_fields=["active"])
    return checkpoint


def create_item(
    *,
    checkpoint: Checkpoint,
    text: str,
    frequency: str = Frequency.SHIFT,
    bad_weather_only: bool = False,
    order: int = 0,
    actor,
) -> PatrolItem:
    _require_admin(actor, checkpoint.school_id)
    return PatrolItem.objects.create(
        checkpoint=checkpoint,
        text=text,
        frequency=frequency,
        bad_weather_only=bad_weather_only,
        order=order,
    )


def update_item(
    *, item: PatrolItem, text: str, frequency: str, bad_weather_only: bool, order: int, actor
) -> PatrolItem:
    _require_admin(actor, item.checkpoint.school_id)
    item.text, item.frequency, item.order = text, frequency, order
    item.bad_weather_only = bad_weather_only
    item.save(update_fields=["text", "frequency", "bad_weather_only", "order"])
    return item


def set_item_active(*, item: PatrolItem, active: bool, actor) -> PatrolItem:
    _require_admin(actor, item.checkpoint.school_id)
    item.active = active
    item.save(update_fields=["active"])
    return item


def install_standard_checklist(*, school: School, actor) -> int:
    """Add the standard 安全巡查表 areas and items that the school does not have yet (by area
    name and item text); return how many items were added. Running it twice adds nothing."""
    if actor is not None:
        _require_admin(actor, school.pk)
    added = 0
    with transaction.atomic(durable=True):
        for order, (area, items) in enumerate(STANDARD_CHECKLIST, start=1):
            checkpoint = Checkpoint.objects.filter(school=school, area=area).first()
            if checkpoint is None:
                checkpoint = Checkpoint.objects.create(school=school, area=area, order=order * 10)
            have = set(checkpoint.items.values_list("text", flat=True))
            new = [
                PatrolItem(checkpoint=checkpoint, text=text, frequency=frequency,
                           bad_weather_only=bad, order=n * 10)
                for n, (text, frequency, bad) in enumerate(items, start=1)
                if text not in have
            ]  # fmt: skip
            PatrolItem.objects.bulk_create(new)
            added += len(new)
    return added


# ---- rounds ----------------------------------------------------------------------------------


def period_starts(now: datetime, tz: str) -> tuple[datetime, datetime]:
    """The start of today and of this week (Monday) in the school's zone, as aware moments."""
    local = now.astimezone(zoneinfo.ZoneInfo(tz))
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day - timedelta(days=day.weekday())


def due_items(
    *, school: School, bad_weather: bool, now: datetime, exclude_round: PatrolRound | None = None
) -> list[PatrolItem]:
    """Items due in a round starting ``now``: every active each-shift item; a daily item unless
    some round recorded it today, a weekly one unless recorded this week (in the school's
    zone); bad-weather items only when the round is marked bad weather."""
    items = PatrolItem.objects.filter(
        checkpoint__school=school, checkpoint__active=True, active=True
    ).select_related("checkpoint")
    if not bad_weather:
        items = items.filter(bad_weather_only=False)
    day, week = period_starts(now, school.time_zone)
    done = PatrolResult.objects.filter(
        item__checkpoint__school=school, recorded_at__gte=week, recorded_at__lte=now
    )
    if exclude_round is not None:
        done = done.exclude(round=exclude_round)
    last: dict[int, datetime] = {}
    for item_id, at in done.values_list("item_id", "recorded_at"):
        last[item_id] = max(at, last.get(item_id, at))

    def due(item: PatrolItem) -> bool:
        seen = last.get(item.pk)
        if item.frequency == Frequency.DAILY:
            return seen is None or seen < day
        if item.frequency == Frequency.WEEKLY:
            return seen is None
        return True

    return sorted(
        (i for i in items if due(i)),
        key=lambda i: (i.checkpoint.order, i.checkpoint_id, i.order, i.pk),
    )


def _duty_staff(actor, shift: Shift) -> Staff:
    staff = actor.staff
    if staff is None or shift.roster.school_id not in actor.school_ids:
        raise PermissionDenied
    on_duty = Assignment.objects.filter(
        shift=shift, staff=staff, shift__roster__status=RosterStatus.PUBLISHED
    ).exists()
    if not on_duty:
        raise ValidationError(_("Only the people on duty in this shift can patrol in it."))
    return staff


def start_round(
    *, shift: Shift, actor, bad_weather: bool = False, now: datetime | None = None
) -> PatrolRound:
    """Start the actor's patrol round in their shift. Their open round in the same shift is
    returned as it is; an open round in another shift must be finished first."""
    now = now or timezone.now()
    staff = _duty_staff(actor, shift)
    if not (shift.starts_at - OPENS_BEFORE <= now < shift.ends_at + CLOSES_AFTER):
        raise ValidationError(_("A patrol round can only be started during the shift."))
    school = shift.roster.school
    with transaction.atomic(durable=True):
        open_round = (
            PatrolRound.objects.select_for_update()
            .filter(started_by=staff, finished_at__isnull=True)
            .first()
        )
        if open_round is not None:
            if open_round.shift_id == shift.pk:
                return open_round
            raise ValidationError(_("Finish your open patrol round first."))
        items = due_items(school=school, bad_weather=bad_weather, now=now)
        try:
            with transaction.atomic():
                return PatrolRound.objects.create(
                    school=school,
                    shift=shift,
                    started_by=staff,
                    started_at=now,
                    bad_weather=bad_weather,
                    due_item_ids=[i.pk for i in items],
                )
        except IntegrityError:
            pass  # a concurrent double tap created it first: resume that one
    return PatrolRound.objects.get(started_by=staff, finished_at__isnull=True, shift=shift)


def _require_own_open_round(patrol: PatrolRound, actor) -> None:
    if actor.staff is None or patrol.started_by_id != actor.staff.pk:
        raise PermissionDenied
    if not patrol.is_open:
        raise ValidationError(_("This patrol round is finished."))


def set_round_weather(
    *, patrol: PatrolRound, bad_weather: bool, actor, now: datetime | None = None
) -> PatrolRound:
    """Mark the round bad weather (adds the extra items) or not (drops those not recorded)."""
    now = now or timezone.now()
    _require_own_open_round(patrol, actor)
    recorded = set(patrol.results.values_list("item_id", flat=True))
    items = due_items(
        school=patrol.school, bad_weather=bad_weather, now=patrol.started_at, exclude_round=patrol
    )
    patrol.bad_weather = bad_weather
    patrol.due_item_ids = [i.pk for i in items if i.pk not in recorded] + sorted(recorded)
    patrol.save(update_fields=["bad_weather", "due_item_ids"])
    return patrol


def save_photos(
    *,
    photos: Iterable[CleanImage],
    school_id: int,
    staff: Staff,
    now: datetime,
    stored: list[str],
    result: PatrolResult | None = None,
    hazard=None,
) -> list[EvidencePhoto]:
    """Store photos and their rows inside the caller's ``atomic_with_files()`` block, which
    removes the files again if the transaction fails (nothing half-saved)."""
    rows = []
    for photo in photos:
        stored.append(store_image(photo, school_id=school_id, now=now))
        rows.append(
            EvidencePhoto(
                school_id=school_id, file=stored[-1], content_type=photo.content_type,
                width=photo.width, height=photo.height, size=len(photo.data),
                uploaded_by=staff, uploaded_at=now, result=result, hazard=hazard,
            )
        )  # fmt: skip
    return EvidencePhoto.objects.bulk_create(rows)


def record_result(
    *,
    patrol: PatrolRound,
    item: PatrolItem,
    status: str,
    note: str = "",
    photos: Iterable[CleanImage] = (),
    actor,
    now: datetime | None = None,
) -> PatrolResult:
    """Record (or correct) one item of the actor's open round as ok or problem."""
    now = now or timezone.now()
    _require_own_open_round(patrol, actor)
    if item.pk not in patrol.due_item_ids:
        raise ValidationError(_("This item is not part of this round."))
    if status not in ResultStatus.values:
        raise ValidationError(_("Choose OK or problem."))
    photos = list(photos)
    with atomic_with_files() as stored:
        result, _created = PatrolResult.objects.update_or_create(
            round=patrol,
            item=item,
            defaults={"status": status, "note": note, "recorded_at": now,
                      "recorded_by": actor.staff},
        )  # fmt: skip
        save_photos(
            photos=photos, school_id=patrol.school_id, staff=actor.staff, now=now,
            stored=stored, result=result,
        )  # fmt: skip
    return result


def scan_checkpoint(*, token: str, actor, now: datetime | None = None) -> PatrolScan:
    """Stamp the time the actor reached the checkpoint with this QR token, in their open
    round. Another school's token is a 404 to the view (Checkpoint.DoesNotExist)."""
    now = now or timezone.now()
    if actor.staff is None:
        raise PermissionDenied
    checkpoint = Checkpoint.objects.get(token=token, school__in=actor.school_ids)
    patrol = PatrolRound.objects.filter(started_by=actor.staff, finished_at__isnull=True).first()
    if patrol is None:
        raise ValidationError(_("Start a patrol round first, then scan the checkpoint again."))
    with transaction.atomic(durable=True):
        return PatrolScan.objects.create(round=patrol, checkpoint=checkpoint, scanned_at=now)


def finish_round(*, patrol: PatrolRound, actor, now: datetime | None = None) -> PatrolRound:
    now = now or timezone.now()
    _require_own_open_round(patrol, actor)
    finished = PatrolRound.objects.filter(pk=patrol.pk, finished_at__isnull=True).update(
        finished_at=max(now, patrol.started_at)
    )
    if not finished:
        raise ValidationError(_("This patrol round is finished."))
    patrol.refresh_from_db(fields=["finished_at"])
    return patrol


def completion(patrol: PatrolRound, recorded_ids: Iterable[int]) -> tuple[int, int]:
    """(items recorded that were due, items due)."""
    due = set(patrol.due_item_ids)
    return len(due.intersection(recorded_ids)), len(due)
