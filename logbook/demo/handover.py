"""Demo data: handovers between consecutive shifts of this month (see logbook/demo/__init__.py).

Every shift that has ended hands over to the next one: most notes accepted a few minutes before
the next shift starts, one refused with a reason (and written again, then accepted), and the
latest one, to the shift on duty now, still waiting. History rows are written directly with
empty snapshots (what was open then is not known); the waiting one goes through the service so
it carries today's open hazards and visitors. Idempotent: nothing is added once the school has
handover notes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

from django.db import transaction

from logbook.models import Condition, HandoverNote, HandoverStatus
from logbook.services.handover import flag_unacknowledged_handovers, write_handover
from roster.models import RosterStatus, Shift
from staff.demo import demo_now
from staff.queries import actor_for

SITUATIONS = [
    "本班正常，无异常情况。",
    "下午放学秩序良好，家长接送有序。",
    "夜间巡查两次，教学楼、食堂门窗已上锁。",
    "雨天加强巡查，操场排水正常。",
    "来访人员均已登记离校。",
]
REFUSAL = "钥匙少一把（器材室），已电话告知带班领导。"


def seed(school, *, now: datetime | None = None) -> list[str]:
    if HandoverNote.objects.filter(school=school).exists():
        return []
    now = demo_now(now)
    shifts = list(
        Shift.objects.for_school(school)
        .filter(roster__status=RosterStatus.PUBLISHED, starts_at__lte=now)
        .prefetch_related("assignments__staff__user")
        .select_related("shift_type", "roster__school")
        .order_by("starts_at", "pk")
    )
    pairs = [(a, b) for a, b in pairwise(shifts) if _writer(a)]
    if not pairs:
        return []
    *history, latest = pairs
    refused_at = len(history) - 5  # a few days back
    with transaction.atomic():
        for n, (out, into) in enumerate(history):
            if n == refused_at:
                _note(out, into, n, status=HandoverStatus.REFUSED, keys=11)
            _note(out, into, n, status=HandoverStatus.ACCEPTED)
    out, into = latest
    write_handover(
        from_shift=out, actor=actor_for(_writer(out).user), now=min(now, out.ends_at),
        handed_over_at=min(now, out.ends_at - timedelta(minutes=10)),
        situation=SITUATIONS[0], keys=12, radios=2, registers=1, mail=2,
        follow_ups="东门门禁反应慢，已报总务处。",
    )  # fmt: skip
    # Still waiting half an hour into the shift: the leader has been told, as the worker would
    # have told them by now.
    flag_unacknowledged_handovers(now=now)
    return [f"{len(history) + 2} handover notes (one refused, one waiting)"]


def _writer(shift: Shift):
    people = [a.staff for a in shift.assignments.all() if a.staff.user_id]
    return people[0] if people else None


def _receiver(shift: Shift, fallback):
    return _writer(shift) or fallback


def _note(out: Shift, into: Shift, n: int, *, status: str, keys: int = 12) -> HandoverNote:
    writer = _writer(out)
    handed = into.starts_at - timedelta(minutes=15)
    decided = into.starts_at - timedelta(minutes=5 if status == HandoverStatus.ACCEPTED else 8)
    refused = status == HandoverStatus.REFUSED
    return HandoverNote.objects.create(
        school=out.roster.school, from_shift=out, to_shift=into, written_by=writer.user,
        written_at=handed, handed_over_at=handed, situation=SITUATIONS[n % len(SITUATIONS)],
        lighting=Condition.PROBLEM if n % 9 == 4 else Condition.OK,
        equipment_note="操场照明一盏不亮，已报修。" if n % 9 == 4 else "",
        keys=keys, radios=2, registers=1, mail=n % 4, status=status,
        decided_by=_receiver(into, writer).user, decided_at=decided,
        refusal_reason=REFUSAL if refused else "", leader_told_at=decided if refused else None,
    )  # fmt: skip
