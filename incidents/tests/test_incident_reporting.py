"""Reports up the chain (初报 / 续报 / 终报): clocks per severity and bureau, warned before they
lapse and escalated when they do, each once; the verbal report logged apart from the written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from incidents.categories import Severity, Status
from incidents.models import ClockKind, EventKind, ReportClock, ReportingPolicy
from incidents.services.incident import change_status, update_incident
from incidents.services.reporting import log_report, next_daily, process_clocks
from incidents.tests.factories_incident import report, shift_now
from notifications.models import Notice

pytestmark = pytest.mark.django_db


def clocks(incident) -> dict[str, timedelta]:
    return {
        c.kind: c.due_at - incident.reported_at
        for c in ReportClock.objects.filter(incident=incident, number=1)
        if c.kind != ClockKind.DAILY
    }


def notices(event_part: str) -> set[int]:
    return set(
        Notice.objects.filter(event__contains=event_part, channel="inapp").values_list(
            "recipient_id", flat=True
        )
    )


def test_severity_two_owes_a_verbal_report_in_15_and_a_written_one_in_30_minutes(cast):
    shift_now(cast)
    incident = report(cast, severity=Severity.II)
    assert clocks(incident) == {
        ClockKind.VERBAL: timedelta(minutes=15),
        ClockKind.WRITTEN: timedelta(minutes=30),
    }
    daily = ReportClock.objects.get(incident=incident, kind=ClockKind.DAILY)
    assert timezone.localtime(daily.due_at).hour == 17


def test_severity_four_owes_nothing_until_raised_and_a_bureau_may_set_its_own(cast):
    shift_now(cast)
    incident = report(cast, severity=Severity.IV)
    assert not ReportClock.objects.filter(incident=incident).exists()
    ReportingPolicy.objects.create(
        bureau=cast.bureau, severity=Severity.III, verbal_minutes=20, written_minutes=40
    )
    update_incident(incident=incident, actor=cast.leader.user, changes={"severity": "3"})
    assert clocks(incident) == {
        ClockKind.VERBAL: timedelta(minutes=20),
        ClockKind.WRITTEN: timedelta(minutes=40),
    }


def test_a_clock_warns_the_principal_once_then_escalates_once_when_it_lapses(cast):
    shift_now(cast)
    now = timezone.now()
    incident = report(cast, severity=Severity.I, now=now)
    assert process_clocks(now=now + timedelta(minutes=5)) == 0  # plenty of time left
    assert process_clocks(now=now + timedelta(minutes=11)) == 1  # verbal: 4 of 15 min left
    assert process_clocks(now=now + timedelta(minutes=12)) == 0  # warned already
    verbal = ReportClock.objects.get(incident=incident, kind=ClockKind.VERBAL)
    assert notices(f"report-clock:{verbal.pk}:warn") == {cast.principal.user_id}
    process_clocks(now=now + timedelta(minutes=16))  # lapsed: principal and leaders told
    process_clocks(now=now + timedelta(minutes=17))
    assert notices(f"report-clock:{verbal.pk}:lapsed") == {
        cast.principal.user_id,
        cast.leader.user_id,
    }
    assert Notice.objects.filter(event=f"report-clock:{verbal.pk}:lapsed").count() == len(
        notices(f"report-clock:{verbal.pk}:lapsed")
    )  # once each (in-app only here)


def test_a_logged_report_stops_its_clock_and_the_verbal_one_is_kept_apart(cast):
    shift_now(cast)
    now = timezone.now()
    incident = report(cast, severity=Severity.II, now=now)
    log_report(
        incident=incident, kind=ClockKind.VERBAL, actor=cast.principal.user,
        contact="区教育局安全科 张科长 12345678", now=now + timedelta(minutes=8),
    )  # fmt: skip
    process_clocks(now=now + timedelta(minutes=20))
    verbal = ReportClock.objects.get(incident=incident, kind=ClockKind.VERBAL)
    written = ReportClock.objects.get(incident=incident, kind=ClockKind.WRITTEN)
    assert verbal.done_at and verbal.done_by == cast.principal.user and not verbal.warned_at
    assert written.done_at is None and written.warned_at  # 10 of 30 min left
    for n in (1, 2):
        log_report(
            incident=incident, kind=ClockKind.FOLLOWUP, actor=cast.principal.user,
            contact="区教育局", text=f"续报{n}：转移学生 {n * 10} 人",
        )  # fmt: skip
    assert list(
        incident.report_clocks.filter(kind=ClockKind.FOLLOWUP).values_list("number", flat=True)
    ) == [1, 2]
    assert incident.events.filter(kind=EventKind.REPORT_UP).count() == 3
    with pytest.raises(ValidationError):
        log_report(incident=incident, kind="verbal", actor=cast.principal.user, contact=" ")


def test_containing_opens_the_final_report_and_a_daily_report_opens_the_next(cast):
    shift_now(cast)
    incident = report(cast, severity=Severity.III)
    now = timezone.now()
    log_report(
        incident=incident, kind=ClockKind.DAILY, actor=cast.principal.user, contact="区教育局",
        now=now,
    )  # fmt: skip
    daily = list(incident.report_clocks.filter(kind=ClockKind.DAILY).order_by("number"))
    assert len(daily) == 2 and daily[1].due_at == next_daily(daily[0].due_at, 17)
    assert daily[1].due_at - daily[0].due_at == timedelta(days=1)
    change_status(incident=incident, to=Status.RESPONDING, actor=cast.leader.user)
    change_status(incident=incident, to=Status.CONTAINED, actor=cast.leader.user, now=now)
    final = incident.report_clocks.get(kind=ClockKind.FINAL)
    assert final.due_at == now + timedelta(days=3)


def test_only_leaders_log_reports_on_the_page(cast, client):
    shift_now(cast)
    incident = report(cast, severity=Severity.II)
    url = reverse("incidents:report-up", args=[incident.pk])
    client.force_login(cast.teacher.user)
    assert client.post(url, {"kind": "verbal", "contact": "x"}).status_code == 403
    client.force_login(cast.other_teacher.user)
    assert client.post(url, {"kind": "verbal", "contact": "x"}).status_code == 404
    client.force_login(cast.principal.user)
    assert client.post(url, {"kind": "verbal", "contact": "区教育局"}).status_code == 302
    assert incident.report_clocks.get(kind="verbal").done_at
    page = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert "区教育局".encode() in page.content
