"""Measured, not typed: each person's month read from the other apps' records.

``month_metrics(school, month)`` returns ``{staff_id: {key: Metric}}``. Each metric carries the
records it came from as (label, url) pairs, so every figure is one click from its evidence.
A metric's ``score`` (0–100) is set only where the figure can fairly be scored (punctuality, logs
on time, patrol completion, handovers acknowledged); the others inform and are ``None``. Under the
MOE 2025 guardrails these figures count toward a month score only where the school switches
``metrics_count`` on (see assessment.services.config); nothing here scores app use.

The number of queries is fixed (one per source), whatever the number of people.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from incidents.models import Drill, Incident
from logbook.models import DutyLog, HandoverNote, Hazard, PatrolRound
from roster.checkin import ARRIVE_BEFORE, checkin_of, checkin_required
from roster.models import Assignment, LeaveRequest, RosterStatus, SwapRequest
from roster.reminders import settings_for as roster_settings_for
from roster.timing import localize
from staff.models import Staff

PUNCTUALITY = "punctuality"
LOGS = "logs_on_time"
PATROLS = "patrols"
HAZARDS = "hazards"
ACK = "incident_ack"
HANDOVERS = "handovers"
REQUESTS = "swaps_leave"
TRAINING = "training"
KEYS = (PUNCTUALITY, LOGS, PATROLS, HAZARDS, ACK, HANDOVERS, REQUESTS, TRAINING)

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    value: Decimal | int | None
    display: str  # e.g. "9/10 on time"
    score: Decimal | None  # 0–100 where the metric can be scored, else None
    records: tuple[tuple[str, str], ...]  # (label, url) of the records it came from


def metric_labels() -> dict[str, str]:
    return {
        PUNCTUALITY: _("Punctuality"),
        LOGS: _("Logs submitted on time"),
        PATROLS: _("Patrol completion"),
        HAZARDS: _("Hazards reported and fixed"),
        ACK: _("Incident acknowledgement"),
        HANDOVERS: _("Handovers acknowledged"),
        REQUESTS: _("Swaps and leave taken"),
        TRAINING: _("Training and drills attended"),
    }


def month_start(month: date) -> date:
    return month.replace(day=1)


def next_month(month: date) -> date:
    first = month_start(month)
    return (first + timedelta(days=32)).replace(day=1)


def month_bounds(school, month: date) -> tuple[datetime, datetime]:
    """The month as [start, end) instants in the school's time zone."""
    first, after = month_start(month), next_month(month)
    return (
        localize(datetime.combine(first, time()), school.time_zone),
        localize(datetime.combine(after, time()), school.time_zone),
    )


def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (HUNDRED * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def metrics_score(metrics: dict[str, Metric]) -> Decimal | None:
    """The mean of the scorable metrics, or None when none can be scored."""
    scores = [m.score for m in metrics.values() if m.score is not None]
    if not scores:
        return None
    return (sum(scores) / len(scores)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def month_metrics(school, month: date, staff_ids=None, *, now: datetime | None = None):
    """{staff_id: {key: Metric}} for the active staff of ``school`` (or ``staff_ids``)."""
    now = now or timezone.now()
    first, after = month_start(month), next_month(month)
    t0, t1 = month_bounds(school, month)
    labels = metric_labels()

    people = Staff.objects.filter(school=school).prefetch_related("roles")
    if staff_ids is None:
        people = people.filter(active=True)
    else:
        people = people.filter(pk__in=list(staff_ids))
    people = list(people)
    ids = [p.pk for p in people]
    if not ids:
        return {}
    user_to_staff = {p.user_id: p.pk for p in people if p.user_id}
    rsettings = roster_settings_for(school)

    # Duties: one query with the shift and the check-in.
    duties = defaultdict(list)
    for a in (
        Assignment.objects.filter(
            staff_id__in=ids,
            shift__roster__school=school,
            shift__roster__status=RosterStatus.PUBLISHED,
            shift__date__gte=first,
            shift__date__lt=after,
        )
        .select_related("shift__shift_type", "checkin")
        .order_by("shift__starts_at", "pk")
    ):
        duties[a.staff_id].append(a)
    shift_ids = {a.shift_id for items in duties.values() for a in items}

    logs = {log.shift_id: log for log in DutyLog.objects.filter(shift_id__in=shift_ids)}

    rounds = defaultdict(list)
    for r in (
        PatrolRound.objects.filter(school=school, started_by_id__in=ids, started_at__gte=t0)
        .filter(started_at__lt=t1)
        .annotate(done=Count("results"))
        .order_by("started_at", "pk")
    ):
        rounds[r.started_by_id].append(r)

    found, fixed = defaultdict(list), defaultdict(list)
    for h in Hazard.objects.filter(school=school, found_at__gte=t0, found_at__lt=t1).filter(
        found_by_id__in=ids
    ):
        found[h.found_by_id].append(h)
    for h in Hazard.objects.filter(
        school=school, fixed_at__gte=t0, fixed_at__lt=t1, fixed_by_id__in=ids
    ):
        fixed[h.fixed_by_id].append(h)

    acks = defaultdict(list)
    for inc in Incident.objects.filter(
        school=school,
        acknowledged_by_id__in=list(user_to_staff),
        reported_at__gte=t0,
        reported_at__lt=t1,
    ).order_by("reported_at", "pk"):
        acks[user_to_staff[inc.acknowledged_by_id]].append(inc)

    handovers_by_shift = defaultdict(list)
    for note in HandoverNote.objects.filter(to_shift_id__in=shift_ids).order_by("handed_over_at"):
        handovers_by_shift[note.to_shift_id].append(note)

    swaps, leaves = defaultdict(list), defaultdict(list)
    for s in SwapRequest.objects.filter(
        requested_by_id__in=ids, status="approved", decided_at__gte=t0, decided_at__lt=t1
    ):
        swaps[s.requested_by_id].append(s)
    for lv in LeaveRequest.objects.filter(
        requested_by_id__in=ids, status="approved", decided_at__gte=t0, decided_at__lt=t1
    ):
        leaves[lv.requested_by_id].append(lv)

    # Training attendance (this app) and drill participation (incidents).
    from assessment.models import TrainingAttendance

    trained = defaultdict(list)
    for att in TrainingAttendance.objects.filter(
        staff_id__in=ids,
        attended=True,
        session__school=school,
        session__held_on__gte=first,
        session__held_on__lt=after,
    ).select_related("session"):
        trained[att.staff_id].append(att.session)
    drilled = defaultdict(list)
    through = Drill.participants.through
    for row in through.objects.filter(
        staff_id__in=ids,
        drill__school=school,
        drill__held_on__gte=first,
        drill__held_on__lt=after,
    ).select_related("drill"):
        drilled[row.staff_id].append(row.drill)

    result = {}
    for person in people:
        mine = duties.get(person.pk, [])
        ended = [a for a in mine if a.shift.ends_at <= now]
        m = {}

        # Punctuality.
        if not mine or not checkin_required(person.role_codes, rsettings):
            m[PUNCTUALITY] = Metric(PUNCTUALITY, labels[PUNCTUALITY], None, _("n/a"), None, ())
        else:
            counted, on_time, records = 0, 0, []
            for a in mine:
                checkin = checkin_of(a)
                if checkin is None and a.shift.ends_at > now:
                    continue  # still to come
                counted += 1
                if checkin is None:
                    state = _("absent")
                elif checkin.checked_in_at <= a.shift.starts_at - ARRIVE_BEFORE:
                    on_time += 1
                    state = _("on time")
                else:
                    late = int((checkin.checked_in_at - a.shift.starts_at).total_seconds() // 60)
                    state = (
                        _("late by %(n)s min") % {"n": late}
                        if late > 0
                        else _("arrived less than 5 min early")
                    )
                records.append(
                    (
                        f"{a.shift.date:%m-%d} {a.shift.shift_type.name}: {state}",
                        reverse("roster:week", args=[a.shift.roster_id]),
                    )
                )
            m[PUNCTUALITY] = Metric(
                PUNCTUALITY,
                labels[PUNCTUALITY],
                on_time if counted else None,
                _("%(a)s/%(b)s on time") % {"a": on_time, "b": counted} if counted else _("n/a"),
                _pct(on_time, counted),
                tuple(records),
            )

        # Logs submitted before the shift ended.
        on_time, records = 0, []
        for a in ended:
            log = logs.get(a.shift_id)
            if log is not None and log.submitted_at and log.submitted_at <= a.shift.ends_at:
                on_time += 1
                state = _("on time")
            elif log is not None and log.submitted_at:
                state = _("late")
            else:
                state = _("missing")
            url = (
                reverse("logbook:log", args=[log.pk])
                if log is not None
                else reverse("roster:week", args=[a.shift.roster_id])
            )
            records.append((f"{a.shift.date:%m-%d} {a.shift.shift_type.name}: {state}", url))
        m[LOGS] = Metric(
            LOGS,
            labels[LOGS],
            on_time if ended else None,
            _("%(a)s/%(b)s on time") % {"a": on_time, "b": len(ended)} if ended else _("n/a"),
            _pct(on_time, len(ended)),
            tuple(records),
        )

        # Patrol completion: items recorded of items due, over the rounds they walked.
        mine_rounds = rounds.get(person.pk, [])
        due = sum(len(r.due_item_ids or []) for r in mine_rounds)
        done = sum(min(r.done, len(r.due_item_ids or [])) for r in mine_rounds)
        m[PATROLS] = Metric(
            PATROLS,
            labels[PATROLS],
            done if due else None,
            (
                _("%(a)s/%(b)s items in %(n)s rounds")
                % {"a": done, "b": due, "n": len(mine_rounds)}
                if due
                else _("n/a")
            ),
            _pct(done, due),
            tuple(
                (
                    f"{_when(r.started_at)}: {min(r.done, len(r.due_item_ids or []))}/"
                    f"{len(r.due_item_ids or [])}",
                    reverse("logbook:round", args=[r.pk]),
                )
                for r in mine_rounds
            ),
        )

        # Hazards found and fixed.
        f_list, x_list = found.get(person.pk, []), fixed.get(person.pk, [])
        hazard_records = {h.pk: h for h in f_list + x_list}
        m[HAZARDS] = Metric(
            HAZARDS,
            labels[HAZARDS],
            len(f_list),
            _("%(a)s reported, %(b)s fixed") % {"a": len(f_list), "b": len(x_list)},
            None,
            tuple(
                (f"{h.code} {h.location}", reverse("logbook:hazard", args=[h.pk]))
                for h in hazard_records.values()
            ),
        )

        # Incident acknowledgement: median minutes from report to acknowledgement.
        mine_acks = acks.get(person.pk, [])
        minutes = [
            max(0, (i.acknowledged_at - i.reported_at).total_seconds()) / 60 for i in mine_acks
        ]
        median = (
            Decimal(str(statistics.median(minutes))).quantize(Decimal("0.1"), ROUND_HALF_UP)
            if minutes
            else None
        )
        m[ACK] = Metric(
            ACK,
            labels[ACK],
            median,
            (
                _("median %(m)s min over %(n)s") % {"m": median, "n": len(minutes)}
                if minutes
                else _("n/a")
            ),
            None,
            tuple(
                (f"{_when(i.reported_at)} {i.location}", reverse("incidents:detail", args=[i.pk]))
                for i in mine_acks
            ),
        )

        # Handovers to their shifts that were acknowledged (accepted or refused with a reason).
        notes = [n for a in mine for n in handovers_by_shift.get(a.shift_id, [])]
        decided = [n for n in notes if n.decided_at is not None]
        m[HANDOVERS] = Metric(
            HANDOVERS,
            labels[HANDOVERS],
            len(decided) if notes else None,
            (
                _("%(a)s/%(b)s acknowledged") % {"a": len(decided), "b": len(notes)}
                if notes
                else _("n/a")
            ),
            _pct(len(decided), len(notes)),
            tuple(
                (
                    f"{_when(n.handed_over_at)}: {n.get_status_display()}",
                    reverse("logbook:handover-detail", args=[n.pk]),
                )
                for n in notes
            ),
        )

        # Swaps and leave taken (approved in the month).
        s_list, l_list = swaps.get(person.pk, []), leaves.get(person.pk, [])
        requests_url = reverse("roster:approvals")
        m[REQUESTS] = Metric(
            REQUESTS,
            labels[REQUESTS],
            len(s_list) + len(l_list),
            _("%(s)s swaps, %(l)s leave") % {"s": len(s_list), "l": len(l_list)},
            None,
            tuple((f"{_('Swap')} {_when(s.decided_at)}", requests_url) for s in s_list)
            + tuple((f"{_('Leave')} {_when(lv.decided_at)}", requests_url) for lv in l_list),
        )

        # Training sessions and drills attended.
        t_list, d_list = trained.get(person.pk, []), drilled.get(person.pk, [])
        m[TRAINING] = Metric(
            TRAINING,
            labels[TRAINING],
            len(t_list) + len(d_list),
            _("%(t)s training, %(d)s drills") % {"t": len(t_list), "d": len(d_list)},
            None,
            tuple(
                (
                    f"{s.held_on:%m-%d} {s.title}",
                    reverse("assessment:training-detail", args=[s.pk]),
                )
                for s in t_list
            )
            + tuple(
                (f"{d.held_on:%m-%d} {d.scenario}", reverse("incidents:drills")) for d in d_list
            ),
        )
        result[person.pk] = m
    return result
