"""The visitor register's write path: register, sign out, reveal (audited), purge, rotation —
and the promise that ID numbers never sit in the database or the logs in plaintext."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.utils import translation

from logbook import crypto
from logbook.idcard import IdType, check_character
from logbook.models import Visit, VisitIdReveal
from logbook.services import visit as services
from logbook.tests.factories import DAY, at
from staff.queries import actor_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English (the default language is Chinese)."""
    with translation.override("en"):
        yield


NOW = at(DAY, 10)
ID_PATTERN = re.compile(r"\d{17}[\dXx]|\d{15}")


def resident(first17: str) -> str:
    return first17 + check_character(first17)


ID_A = resident("32010219800101123")
ID_B = resident("44030419951111456")


def register(cast, *, who=None, number: str = ID_A, id_type: str = IdType.RESIDENT, **extra):
    fields = {
        "name": "张访客",
        "phone": "+86 139-1234-5678",
        "id_type": id_type,
        "id_number": number,
        "purpose": "送教材",
        "time_in": NOW - timedelta(hours=1),
        "now": NOW,
        **extra,
    }
    return services.register_visit(
        school=cast.school, actor=actor_for((who or cast.guard).user), **fields
    )


def dump_database() -> str:
    """Every row of every table, as text: what a leaked backup would show."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from the schema
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_a_registered_visit_keeps_ciphertext_lookup_and_mask_only(cast):
    visit = register(cast)
    assert visit.phone == "13912345678"
    assert visit.id_masked == f"{ID_A[:3]}{'*' * 11}{ID_A[-4:]}"
    assert ID_A not in visit.id_cipher and crypto.decrypt(visit.id_cipher) == ID_A
    assert visit.id_lookup == crypto.lookup_hmac(IdType.RESIDENT, ID_A)
    assert visit.registered_by == cast.guard.user and visit.on_campus


def test_the_database_and_the_logs_hold_no_id_number_in_plaintext(cast, caplog):
    caplog.set_level(logging.DEBUG)
    visit = register(cast, number=ID_A)
    register(cast, number="E12345678", id_type=IdType.PASSPORT)
    number = services.reveal_id_number(visit=visit, actor=actor_for(cast.admin.user), now=NOW)
    assert number == ID_A  # the audited reveal is the one way to read it
    services.sign_out_visit(visit=visit, actor=actor_for(cast.guard.user), now=NOW)
    dump, logs = dump_database(), caplog.text
    assert ID_A not in dump and "E12345678" not in dump
    assert not ID_PATTERN.search(dump.replace(visit.id_lookup, ""))
    assert ID_A not in logs and "E12345678" not in logs and not ID_PATTERN.search(logs)
    assert f"visit {visit.pk} revealed" in logs


def test_a_repeat_visitor_is_found_by_the_keyed_lookup_in_the_same_school_only(cast):
    first = register(cast, number=ID_A.lower())
    again = register(cast, number=ID_A)
    other = register(cast, number=ID_B)
    assert first.id_lookup == again.id_lookup != other.id_lookup
    # A keyed HMAC, not a plain hash: the lookup key changes it.
    plain = __import__("hashlib").sha256(f"resident:{ID_A}".encode()).hexdigest()
    assert first.id_lookup != plain


def test_the_lookup_changes_with_the_lookup_key(settings):
    before = crypto.lookup_hmac(IdType.RESIDENT, ID_A)
    settings.VISITOR_LOOKUP_KEY = "another-lookup-key-of-at-least-thirty-two-chars"
    assert crypto.lookup_hmac(IdType.RESIDENT, ID_A) != before


def test_keys_rotate_new_first_then_the_old_one_can_go(cast, settings):
    from cryptography.fernet import Fernet

    old, new = settings.VISITOR_ID_KEYS[0], Fernet.generate_key().decode()
    visit = register(cast)
    settings.VISITOR_ID_KEYS = [new, old]
    assert crypto.decrypt(visit.id_cipher) == ID_A  # old rows still read
    call_command("rotate_visitor_keys", stdout=__import__("io").StringIO())
    visit.refresh_from_db()
    settings.VISITOR_ID_KEYS = [new]
    assert crypto.decrypt(visit.id_cipher) == ID_A
    settings.VISITOR_ID_KEYS = [old]
    with pytest.raises(ValueError, match="cannot be decrypted"):
        crypto.decrypt(visit.id_cipher)


def test_rotation_recomputes_the_lookup_under_a_new_lookup_key(cast, settings):
    visit = register(cast)
    settings.VISITOR_LOOKUP_KEY = "a-brand-new-lookup-key-with-plenty-of-characters"
    assert services.rotate_visit_keys() == 1
    visit.refresh_from_db()
    assert visit.id_lookup == crypto.lookup_hmac(IdType.RESIDENT, ID_A)


def test_a_time_out_before_the_time_in_is_refused_and_nothing_saved(cast):
    with pytest.raises(ValidationError, match="before the time in"):
        register(cast, time_out=NOW - timedelta(hours=2))
    assert not Visit.objects.exists()


def test_signing_out_twice_changes_nothing_the_second_time(cast):
    visit = register(cast)
    guard = actor_for(cast.guard.user)
    services.sign_out_visit(visit=visit, actor=guard, now=NOW)
    with pytest.raises(ValidationError, match="already been signed out"):
        services.sign_out_visit(visit=visit, actor=guard, now=NOW + timedelta(minutes=5))
    visit.refresh_from_db()
    assert visit.time_out == NOW and visit.signed_out_by == cast.guard.user


def test_signing_out_before_the_time_in_is_refused(cast):
    visit = register(cast)
    with pytest.raises(ValidationError, match="before the time in"):
        services.sign_out_visit(
            visit=visit, actor=actor_for(cast.guard.user), at=NOW - timedelta(hours=3), now=NOW
        )
    visit.refresh_from_db()
    assert visit.time_out is None


def test_only_the_office_and_the_principal_may_reveal_and_each_reveal_is_logged(cast):
    visit = register(cast)
    for person in (cast.guard, cast.teacher, cast.leader):
        with pytest.raises(PermissionDenied):
            services.reveal_id_number(visit=visit, actor=actor_for(person.user), now=NOW)
    with pytest.raises(Http404):
        services.reveal_id_number(visit=visit, actor=actor_for(cast.other_admin.user), now=NOW)
    assert not VisitIdReveal.objects.exists()
    for person in (cast.admin, cast.principal, cast.admin):
        services.reveal_id_number(visit=visit, actor=actor_for(person.user), now=NOW)
    rows = VisitIdReveal.objects.order_by("pk")
    assert [r.revealed_by for r in rows] == [cast.admin.user, cast.principal.user, cast.admin.user]
    assert {r.visit_id for r in rows} == {visit.pk}


def test_tech_and_other_schools_cannot_register(cast):
    with pytest.raises(PermissionDenied):
        register(cast, who=cast.tech)
    with pytest.raises(Http404):
        register(cast, who=cast.other_teacher)


def test_the_purge_erases_personal_fields_after_the_retention_period_and_keeps_counts(cast):
    admin = actor_for(cast.admin.user)
    services.save_visitor_settings(school=cast.school, actor=admin, retention_days=30)
    old = register(
        cast,
        time_in=NOW - timedelta(days=31),
        plate="浙A12345",
        badge="A-07",
        escort="李老师",
        items="电脑",
        organisation="某公司",
    )
    recent = register(cast, time_in=NOW - timedelta(days=29))
    services.reveal_id_number(visit=old, actor=admin, now=NOW)
    assert services.purge_expired_visits(now=NOW) == 1
    assert services.purge_expired_visits(now=NOW) == 0  # idempotent
    old.refresh_from_db()
    recent.refresh_from_db()
    for field in (
        "name",
        "phone",
        "id_cipher",
        "id_lookup",
        "id_masked",
        "plate",
        "badge",
        "escort",
        "items",
        "organisation",
        "purpose",
    ):
        assert getattr(old, field) == "", field
    assert old.purged_at == NOW and old.party_size == 1 and old.time_in == NOW - timedelta(days=31)
    assert recent.name == "张访客" and recent.purged_at is None
    assert Visit.objects.filter(school=cast.school).count() == 2  # counts kept
    assert VisitIdReveal.objects.filter(visit=old).count() == 1  # the audit trail stays
    with pytest.raises(ValidationError):
        services.reveal_id_number(visit=old, actor=admin, now=NOW)


def test_the_default_retention_is_180_days_per_school(cast):
    register(cast, time_in=NOW - timedelta(days=179))
    register(cast, time_in=NOW - timedelta(days=181))
    assert services.purge_expired_visits(now=NOW) == 1


def test_the_purge_task_runs_the_service(cast):
    from logbook.tasks import purge_visitors

    register(cast, time_in=NOW - timedelta(days=400))
    assert purge_visitors() == "1 visits purged"


def test_production_refuses_to_start_without_visitor_keys():
    import os
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {**os.environ, "DEBUG": "0", "VISITOR_ID_KEYS": "", "VISITOR_LOOKUP_KEY": ""}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "VISITOR_ID_KEYS and VISITOR_LOOKUP_KEY must be set" in result.stderr


def test_in_debug_unset_keys_are_derived_from_the_secret_key(settings):
    settings.DEBUG = True
    settings.VISITOR_ID_KEYS = []
    settings.VISITOR_LOOKUP_KEY = ""
    assert crypto.decrypt(crypto.encrypt(ID_A)) == ID_A
    assert len(crypto.lookup_hmac(IdType.RESIDENT, ID_A)) == 64
    settings.DEBUG = False
    with pytest.raises(Exception, match="VISITOR_ID_KEYS must be set"):
        crypto.encrypt(ID_A)
