"""Handover (交接班): written by the outgoing shift to the next one, accepted or refused by the
incoming shift (a refusal tells the leader at once), flagged when nobody accepts in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from logbook.models import HandoverNote, HandoverStatus
from logbook.services import handover as services
from logbook.tests.factories import DAY, at, make_roster, put_on_duty, shift_of, staffed_shift
from logbook.tests.test_visit_services import register
from notifications.models import Notice
from staff.models import Role
from staff.queries import actor_for
from staff.tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


WRITING = at(DAY, 16, 40)  # the day shift's last half hour
NIGHT_START = at(DAY, 17)


@pytest.fixture
def shifts(cast):
    """The day shift (cast.leader, teacher, guard) and the night shift after it (the principal
    as leader, a night teacher and a night guard)."""
    roster = make_roster(cast.school)
    day = staffed_shift(cast, roster=roster)
    night = shift_of(roster, "夜班", DAY)
    night_teacher = make_staff(cast.school, Role.TEACHER, name="夜班老师")
    night_guard = make_staff(cast.school, Role.GUARD, name="夜班保安")
    put_on_duty(
        night,
        (cast.principal, Role.LEADER),
        (night_teacher, Role.TEACHER),
        (night_guard, Role.GUARD),
    )
    return {"day": day, "night": night, "night_teacher": night_teacher, "night_guard": night_guard}


def write(cast, shifts, *, who=None, now=WRITING, **extra) -> HandoverNote:
    fields = {
        "situation": "白天正常，下午家长会已结束。",
        "keys": 12,
        "radios": 2,
        "registers": 1,
        "mail": 3,
        "gate": "problem",
        "equipment_note": "东门门禁反应慢",
        **extra,
    }
    return services.write_handover(
        from_shift=shifts["day"], actor=actor_for((who or cast.teacher).user), now=now, **fields
    )


def events(event: str) -> set[int]:
    return set(Notice.objects.filter(event=event).values_list("recipient_id", flat=True))


def test_the_next_shift_is_the_next_published_one_by_start_time(cast, shifts):
    assert services.next_shift(shifts["day"]) == shifts["night"]


def test_the_outgoing_shift_writes_a_note_that_carries_open_items(cast, shifts):
    from logbook.services.hazard import report_hazard

    hazard = report_hazard(
        school=cast.school,
        location="东门",
        description="门禁失灵",
        actor=actor_for(cast.guard.user),
        now=WRITING - timedelta(hours=2),
    )
    here = register(cast, time_in=WRITING - timedelta(hours=1), now=WRITING)
    note = write(cast, shifts)
    assert (note.status, note.to_shift, note.written_by) == (
        HandoverStatus.PENDING,
        shifts["night"],
        cast.teacher.user,
    )
    assert (note.keys, note.radios, note.registers, note.mail, note.gate) == (
        12,
        2,
        1,
        3,
        "problem",
    )
    assert list(note.carried_visits.all()) == [here]
    assert [h["id"] for h in note.carried_hazards] == [hazard.pk]
    assert note.carried_hazards[0]["location"] == "东门"
    incoming = {
        shifts["night_teacher"].user_id,
        shifts["night_guard"].user_id,
        cast.principal.user_id,
    }
    assert events(f"handover:{note.pk}:written") == incoming


def test_only_someone_on_the_outgoing_shift_may_write_it(cast, shifts):
    with pytest.raises(PermissionDenied):
        write(cast, shifts, who=shifts["night_teacher"])
    with pytest.raises(PermissionDenied):
        write(cast, shifts, who=cast.admin)
    with pytest.raises(Http404):
        write(cast, shifts, who=cast.other_teacher)
    assert not HandoverNote.objects.exists()


def test_one_live_note_per_shift_and_not_before_the_shift_starts(cast, shifts):
    with pytest.raises(ValidationError, match="not started"):
        write(cast, shifts, now=at(DAY, 7))
    write(cast, shifts)
    with pytest.raises(ValidationError, match="already been written"):
        write(cast, shifts, who=cast.guard)
    assert HandoverNote.objects.count() == 1


def test_an_empty_situation_or_a_handover_time_in_the_future_is_refused(cast, shifts):
    with pytest.raises(ValidationError, match="situation"):
        write(cast, shifts, situation="  ")
    with pytest.raises(ValidationError, match="handover time"):
        write(cast, shifts, handed_over_at=WRITING + timedelta(hours=1))
    assert not HandoverNote.objects.exists()


def test_the_incoming_shift_accepts_and_responsibility_passes_then(cast, shifts):
    note = write(cast, shifts)
    accepted_at = NIGHT_START - timedelta(minutes=5)
    services.accept_handover(
        note=note, actor=actor_for(shifts["night_guard"].user), now=accepted_at
    )
    note.refresh_from_db()
    assert (note.status, note.decided_by, note.decided_at) == (
        HandoverStatus.ACCEPTED,
        shifts["night_guard"].user,
        accepted_at,
    )
    with pytest.raises(ValidationError, match="already been answered"):
        services.accept_handover(note=note, actor=actor_for(shifts["night_teacher"].user))
    with pytest.raises(ValidationError, match="already been answered"):
        services.refuse_handover(
            note=note, actor=actor_for(shifts["night_teacher"].user), reason="晚了"
        )


def test_someone_not_on_the_incoming_shift_cannot_accept_or_refuse(cast, shifts):
    note = write(cast, shifts)
    for person in (cast.teacher, cast.leader, cast.admin):
        with pytest.raises(PermissionDenied):
            services.accept_handover(note=note, actor=actor_for(person.user))
        with pytest.raises(PermissionDenied):
            services.refuse_handover(note=note, actor=actor_for(person.user), reason="不接")
    with pytest.raises(Http404):
        services.accept_handover(note=note, actor=actor_for(cast.other_teacher.user))
    note.refresh_from_db()
    assert note.status == HandoverStatus.PENDING


def test_a_refusal_needs_a_reason_and_tells_the_leaders_at_once(cast, shifts):
    note = write(cast, shifts)
    night_teacher = actor_for(shifts["night_teacher"].user)
    with pytest.raises(ValidationError, match="reason"):
        services.refuse_handover(note=note, actor=night_teacher, reason="  ")
    services.refuse_handover(note=note, actor=night_teacher, reason="钥匙少了两把", now=NIGHT_START)
    note.refresh_from_db()
    assert note.status == HandoverStatus.REFUSED and note.refusal_reason == "钥匙少了两把"
    assert note.leader_told_at == NIGHT_START
    told = Notice.objects.filter(event=f"handover:{note.pk}:refused")
    assert {n.recipient_id for n in told} == {cast.leader.user_id, cast.principal.user_id}
    assert all(n.urgent for n in told) and "钥匙少了两把" in told[0].body
    # After a refusal the outgoing shift may write a corrected note.
    assert write(cast, shifts, keys=14).status == HandoverStatus.PENDING


def test_a_leader_refusing_is_not_told_about_their_own_refusal(cast, shifts):
    note = write(cast, shifts)
    services.refuse_handover(note=note, actor=actor_for(cast.principal.user), reason="记录不全")
    assert events(f"handover:{note.pk}:refused") == {cast.leader.user_id}


def test_an_unaccepted_note_is_flagged_to_the_leaders_once_after_the_grace_period(
    cast, shifts, settings
):
    settings.HANDOVER_ACK_MINUTES = 30
    note = write(cast, shifts)
    assert services.flag_unacknowledged_handovers(now=NIGHT_START + timedelta(minutes=29)) == 0
    late = NIGHT_START + timedelta(minutes=31)
    assert services.flag_unacknowledged_handovers(now=late) == 1
    assert services.flag_unacknowledged_handovers(now=late + timedelta(minutes=5)) == 0
    note.refresh_from_db()
    assert note.flagged_at == late
    assert events(f"handover:{note.pk}:unacknowledged") == {
        cast.leader.user_id,
        cast.principal.user_id,
    }
    assert Notice.objects.filter(event=f"handover:{note.pk}:unacknowledged").count() == len(
        Notice.objects.filter(event=f"handover:{note.pk}:unacknowledged")
        .values_list("recipient_id", "channel")
        .distinct()
    )


def test_accepted_notes_are_never_flagged(cast, shifts):
    note = write(cast, shifts)
    services.accept_handover(
        note=note, actor=actor_for(shifts["night_teacher"].user), now=NIGHT_START
    )
    assert services.flag_unacknowledged_handovers(now=NIGHT_START + timedelta(hours=2)) == 0


def test_the_flag_task_runs_the_service(cast, shifts, monkeypatch):
    from logbook.tasks import flag_unacknowledged_handovers

    write(cast, shifts)
    # The task reads the clock; it reads the test's (the real one would pass the test day).
    monkeypatch.setattr("django.utils.timezone.now", lambda: NIGHT_START + timedelta(minutes=29))
    assert flag_unacknowledged_handovers() == "0 handovers flagged"
    monkeypatch.setattr("django.utils.timezone.now", lambda: NIGHT_START + timedelta(minutes=30))
    assert flag_unacknowledged_handovers() == "1 handovers flagged"
