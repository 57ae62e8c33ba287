"""Incident statistics: counts per month by category and severity, medians, Excel export."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from incidents.categories import Category, Severity, Status
from incidents.models import Incident
from incidents.queries.stats import incident_stats
from incidents.tests.factories_review import make_incident
from logbook.tests.factories import at

pytestmark = pytest.mark.django_db


def known_year(cast):
    """Three incidents in 2026 (two in March, one in May) and one in 2025. Reported two minutes
    after they happened; acknowledged 4, 10 and never minutes later; contained after 60, 90."""
    specs = [
        (at(date(2026, 3, 2), 9), Category.ACCIDENT, Severity.III, 4, 60),
        (at(date(2026, 3, 20), 14), Category.HEALTH, Severity.IV, 10, 90),
        (at(date(2026, 5, 1), 0, 30), Category.ACCIDENT, Severity.IV, None, None),  # 1 May local
        (at(date(2025, 12, 31), 23), Category.SECURITY, Severity.II, 1, 1),
    ]
    for occurred, category, severity, ack, contain in specs:
        incident = make_incident(
            cast,
            status=Status.RESPONDING,
            category=category,
            subcategory="other",
            severity=severity,
            occurred_at=occurred,
        )
        Incident.objects.filter(pk=incident.pk).update(
            acknowledged_at=incident.reported_at + timedelta(minutes=ack) if ack else None,
            contained_at=incident.reported_at + timedelta(minutes=contain) if contain else None,
        )
    make_incident(cast, reporter=cast.other_teacher, occurred_at=at(date(2026, 3, 3), 9))


def test_counts_and_medians_for_a_known_year(cast):
    known_year(cast)
    data = incident_stats(cast.school, 2026)
    assert data["total"] == 3
    assert data["per_month"] == [0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    by_category = {row["code"]: row["months"] for row in data["by_category"]}
    assert by_category["accident"][2] == 1 and by_category["accident"][4] == 1
    assert by_category["health"][2] == 1 and sum(by_category["security"]) == 0
    by_severity = {row["code"]: row["total"] for row in data["by_severity"]}
    assert by_severity == {"1": 0, "2": 0, "3": 1, "4": 2, "9": 0}
    assert data["median_ack_minutes"] == 7.0
    assert data["median_contain_minutes"] == 75.0


def test_the_page_and_export_for_the_principal_only(client, cast, django_assert_num_queries):
    known_year(cast)
    client.force_login(cast.principal.user)
    url = reverse("incidents:stats") + "?year=2026"
    client.get(url)
    with django_assert_num_queries(STATS_QUERIES):
        page = client.get(url).content.decode()
    assert 'id="stats-total">3<' in page and "<svg" in page
    for _i in range(5):
        make_incident(cast, occurred_at=at(date(2026, 7, 1), 9))
    with django_assert_num_queries(STATS_QUERIES):
        assert 'id="stats-total">8<' in client.get(url).content.decode()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    export = client.get(reverse("incidents:stats-export") + "?year=2026")
    rows = [
        list(r)
        for r in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
    ]
    assert ["Incidents", 0, 0, 2, 0, 1, 0, 5, 0, 0, 0, 0, 0, 8] in rows
    assert ["Accident", 0, 0, 1, 0, 1, 0, 5, 0, 0, 0, 0, 0, 7] in rows
    assert any(r[0] == "Median minutes to acknowledge" and r[1] == 7.0 for r in rows)
    for someone in (cast.teacher, cast.leader):
        client.force_login(someone.user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("incidents:stats-export")).status_code == 403


def test_a_bad_year_falls_back_to_this_year(client, cast):
    client.force_login(cast.admin.user)
    assert client.get(reverse("incidents:stats") + "?year=abc").status_code == 200
    assert client.get(reverse("incidents:stats") + "?year=99999").status_code == 200


STATS_QUERIES = 5
