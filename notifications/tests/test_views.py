"""The notification pages: the inbox and its badge, personal settings, and the administrator's
channel configuration and delivery log — role gating and the school boundary with the cast."""

from __future__ import annotations

import itertools
from datetime import time, timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import (
    AttemptOutcome,
    ChannelConfig,
    DeliveryAttempt,
    Notice,
    NoticeStatus,
    Preference,
)
from notifications.queries import get_notice_for_user
from staff.queries import actor_for

pytestmark = pytest.mark.django_db

ROLES = ["admin", "principal", "leader", "teacher", "guard", "tech", "official"]
_keys = itertools.count(1)


def login(client, cast, who):
    member = getattr(cast, who)
    client.force_login(member.user)
    return member


def make_notice(member, *, school=None, channel="inapp", status=NoticeStatus.SENT, **fields):
    """A notice as the outbox leaves it: in-app ones are sent on writing."""
    now = timezone.now()
    n = next(_keys)
    defaults = {
        "school": school or member.school,
        "recipient": member.user,
        "key": f"test-event-{n}:{member.user.pk}:{channel}",
        "event": f"test-event-{n}",
        "channel": channel,
        "subject": f"通知 {n}",
        "status": status,
        "due_at": now,
        "sent_at": now if status == NoticeStatus.SENT else None,
    }
    return Notice.objects.create(**{**defaults, **fields})


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- role gating -----------------------------------------------------------------------------

EVERYONE = set(ROLES)
ACCESS = {
    reverse("notifications:inbox"): EVERYONE,
    reverse("notifications:preferences"): EVERYONE,
    reverse("notifications:channels"): {"admin"},
    reverse("notifications:channel", args=["dingtalk"]): {"admin"},
    reverse("notifications:log"): {"admin"},
}


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("path", sorted(ACCESS))
def test_pages_are_gated_by_role(client, cast, who, path):
    login(client, cast, who)
    assert client.get(path).status_code == (200 if who in ACCESS[path] else 403)


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, cast):
    response = client.get(reverse("notifications:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ROLES)
def test_only_an_admin_is_offered_the_delivery_log_and_everyone_the_inbox(client, cast, who):
    login(client, cast, who)
    body = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("notifications:log")}"' in body) == (who == "admin")
    assert f'href="{reverse("notifications:inbox")}"' in body


# --- the permission choke-point ----------------------------------------------------------------


def test_a_person_sees_their_own_notice_and_an_admin_sees_every_notice_of_the_school(cast):
    notice = make_notice(cast.guard)
    assert get_notice_for_user(actor_for(cast.guard.user), notice.pk) == notice
    assert get_notice_for_user(actor_for(cast.admin.user), notice.pk, manage=True) == notice


@pytest.mark.parametrize("who", ["teacher", "leader", "principal", "other_teacher", "other_admin"])
def test_nobody_else_sees_a_persons_notice(cast, who):
    from django.http import Http404

    notice = make_notice(cast.guard)
    with pytest.raises(Http404):
        get_notice_for_user(actor_for(getattr(cast, who).user), notice.pk)


def test_another_schools_notice_is_404_for_an_admin(client, cast):
    notice = make_notice(cast.other_teacher, status=NoticeStatus.FAILED, channel="email")
    login(client, cast, "admin")
    assert client.get(reverse("notifications:notice", args=[notice.pk])).status_code == 404
    response = client.post(reverse("notifications:retry", args=[notice.pk]))
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED


def test_a_teacher_cannot_read_or_open_a_colleagues_notice(client, cast):
    notice = make_notice(cast.guard, url="/staff/")
    login(client, cast, "teacher")
    assert client.post(reverse("notifications:read", args=[notice.pk])).status_code == 404
    assert client.post(reverse("notifications:open", args=[notice.pk])).status_code == 404
    assert client.get(reverse("notifications:notice", args=[notice.pk])).status_code == 403
    notice.refresh_from_db()
    assert notice.read_at is None
    assert notice.subject not in client.get(reverse("notifications:inbox")).content.decode()


# --- inbox -------------------------------------------------------------------------------------


def test_the_inbox_lists_only_my_arrived_in_app_notices_newest_first_unread_bold(client, cast):
    now = timezone.now()
    older = make_notice(cast.teacher, subject="昨天的通知", sent_at=now - timedelta(days=1))
    newer = make_notice(cast.teacher, subject="今天的通知", read_at=now)
    make_notice(cast.teacher, subject="邮件通知", channel="email")
    make_notice(cast.teacher, subject="还没到时间", status=NoticeStatus.PENDING)
    make_notice(cast.guard, subject="别人的通知")
    login(client, cast, "teacher")
    body = client.get(reverse("notifications:inbox")).content.decode()
    assert body.index(newer.subject) < body.index(older.subject)
    for hidden in ["邮件通知", "还没到时间", "别人的通知"]:
        assert hidden not in body
    assert body.count("notice-unread") == 1


def test_marking_one_notice_read(client, cast):
    notice = make_notice(cast.teacher)
    other = make_notice(cast.teacher)
    login(client, cast, "teacher")
    response = client.post(reverse("notifications:read", args=[notice.pk]), {"page": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:inbox") + "?page=1"
    notice.refresh_from_db()
    other.refresh_from_db()
    assert notice.read_at is not None
    assert other.read_at is None


def test_marking_all_read_says_how_many(client, cast):
    for _ in range(3):
        make_notice(cast.teacher)
    make_notice(cast.teacher, read_at=timezone.now())
    mine_elsewhere = make_notice(cast.guard)
    login(client, cast, "teacher")
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert any("3" in text for text in message_texts(response))
    assert not Notice.objects.filter(recipient=cast.teacher.user, read_at__isnull=True).exists()
    mine_elsewhere.refresh_from_db()
    assert mine_elsewhere.read_at is None


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, cast):
    notice = make_notice(cast.teacher, url="/staff/1/")
    login(client, cast, "teacher")
    response = client.post(reverse("notifications:open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == "/staff/1/"
    notice.refresh_from_db()
    assert notice.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/phish", "//evil.example/x", "javascript:alert(1)"]
)
def test_opening_a_notice_never_redirects_off_site(client, cast, url):
    notice = make_notice(cast.teacher, url=url)
    login(client, cast, "teacher")
    response = client.post(reverse("notifications:open", args=[notice.pk]))
    assert response["Location"] == reverse("notifications:inbox")


def test_the_badge_counts_my_unread_in_app_notices(client, cast):
    make_notice(cast.teacher)
    make_notice(cast.teacher)
    make_notice(cast.teacher, read_at=timezone.now())
    make_notice(cast.teacher, channel="email")
    make_notice(cast.guard)
    login(client, cast, "teacher")
    response = client.get(reverse("notifications:badge"))
    assert response.status_code == 200
    assert ">2</span>" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_badge_is_empty_with_nothing_unread_or_after_logging_out(client, cast):
    login(client, cast, "teacher")
    assert "badge" not in client.get(reverse("notifications:badge")).content.decode()
    client.logout()
    response = client.get(reverse("notifications:badge"))
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_every_page_polls_the_badge_with_htmx(client, cast):
    login(client, cast, "teacher")
    body = client.get(reverse("home")).content.decode()
    assert f'hx-get="{reverse("notifications:badge")}"' in body
    assert 'hx-trigger="load, every 60s"' in body


# --- my notification settings --------------------------------------------------------------------


def test_saving_channels_email_and_quiet_hours(client, cast):
    ChannelConfig.objects.create(school=cast.school, kind="dingtalk", config={"url": "https://x"})
    login(client, cast, "teacher")
    response = client.post(
        reverse("notifications:preferences"),
        {
            "channels": ["email", "dingtalk"],
            "email": "teacher@example.cn",
            "quiet_start": "22:00",
            "quiet_end": "07:00",
        },
    )
    assert response.status_code == 302
    preference = Preference.objects.get(user=cast.teacher.user)
    assert preference.channels == ["inapp", "dingtalk", "email"]
    assert (preference.quiet_start, preference.quiet_end) == (time(22), time(7))
    cast.teacher.user.refresh_from_db()
    assert cast.teacher.user.email == "teacher@example.cn"


def test_e_mail_is_not_preselected_for_a_login_without_an_address(client, cast):
    login(client, cast, "teacher")
    form = client.get(reverse("notifications:preferences")).context["form"]
    assert form.initial["channels"] == ["inapp"]


def test_the_settings_offer_only_channels_the_school_has_enabled(client, cast):
    ChannelConfig.objects.create(school=cast.school, kind="feishu", config={}, enabled=False)
    ChannelConfig.objects.create(school=cast.other_school, kind="wecom", config={})
    ChannelConfig.objects.create(school=cast.school, kind="sms", config={})
    login(client, cast, "teacher")
    body = client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="email"' in body
    assert 'value="sms"' in body
    assert 'value="feishu"' not in body
    assert 'value="wecom"' not in body


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quiet_start": "22:00"}, None),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
        ({"quiet_start": "08:00", "quiet_end": "08:00"}, None),
        ({"channels": ["carrier-pigeon"]}, "channels"),
        ({"channels": ["dingtalk"]}, "channels"),  # the school has no DingTalk robot
        ({"channels": ["email"], "email": ""}, "email"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(client, cast, data, field):
    login(client, cast, "teacher")
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    assert not Preference.objects.filter(user=cast.teacher.user).exists()


def test_sending_myself_a_test_notice(client, cast):
    cast.teacher.user.email = "teacher@example.cn"
    cast.teacher.user.save(update_fields=["email"])
    login(client, cast, "teacher")
    response = client.post(reverse("notifications:test"))
    assert response.status_code == 302
    notices = Notice.objects.filter(recipient=cast.teacher.user, event__startswith="test:")
    assert sorted(notices.values_list("channel", flat=True)) == ["email", "inapp"]
    assert notices.get(channel="inapp").status == NoticeStatus.SENT
    assert message_texts(response)


def test_an_official_without_a_school_is_told_test_notices_need_one(client, cast):
    login(client, cast, "official")
    response = client.post(reverse("notifications:test"))
    assert response.status_code == 302
    assert not Notice.objects.exists()
    assert message_texts(response)


# --- channel configuration -----------------------------------------------------------------------


def channel_url(kind):
    return reverse("notifications:channel", args=[kind])


@pytest.mark.parametrize(
    "url", ["ftp://robot.example/hook", "file:///etc/passwd", "javascript:alert(1)", "robot"]
)
def test_a_robot_webhook_must_be_http_or_https(client, cast, url):
    login(client, cast, "admin")
    response = client.post(channel_url("dingtalk"), {"url": url, "enabled": "on"})
    assert response.status_code == 200
    assert "url" in response.context["form"].errors
    assert not ChannelConfig.objects.exists()


def test_saving_a_robot_and_keeping_its_secret_when_left_blank(client, cast):
    login(client, cast, "admin")
    url = "https://oapi.dingtalk.com/robot/send?access_token=abc"
    data = {"name": "值班群", "url": url, "secret": "SEC123", "enabled": "on"}
    assert client.post(channel_url("dingtalk"), data).status_code == 302
    form_page = client.get(channel_url("dingtalk")).content.decode()
    assert "SEC123" not in form_page  # write-only
    data = {"name": "值班群", "url": url + "d", "secret": "", "enabled": ""}
    assert client.post(channel_url("dingtalk"), data).status_code == 302
    row = ChannelConfig.objects.get(school=cast.school, kind="dingtalk")
    assert row.config == {"url": url + "d", "secret": "SEC123"}
    assert row.enabled is False


def test_a_saved_secret_can_be_removed_and_other_stored_keys_survive(client, cast):
    ChannelConfig.objects.create(
        school=cast.school,
        kind="sms",
        config={"url": "https://sms.example", "token": "T", "provider": "generic_http"},
    )
    login(client, cast, "admin")
    data = {"url": "https://sms.example/v2", "sign_name": "甲小学", "clear_token": "on"}
    assert client.post(channel_url("sms"), {**data, "enabled": "on"}).status_code == 302
    row = ChannelConfig.objects.get(school=cast.school, kind="sms")
    assert row.config == {
        "url": "https://sms.example/v2",
        "sign_name": "甲小学",
        "provider": "generic_http",
    }


def test_email_and_unknown_kinds_have_no_configuration_page(client, cast):
    login(client, cast, "admin")
    assert client.get(channel_url("email")).status_code == 404
    assert client.get(channel_url("pigeon")).status_code == 404


def test_an_admin_configures_only_their_own_school(client, cast):
    ChannelConfig.objects.create(
        school=cast.other_school, kind="wecom", config={"url": "https://b.example"}
    )
    login(client, cast, "admin")
    client.post(channel_url("wecom"), {"url": "https://a.example", "enabled": "on"})
    assert ChannelConfig.objects.get(school=cast.other_school).config == {
        "url": "https://b.example"
    }
    assert ChannelConfig.objects.get(school=cast.school).config == {"url": "https://a.example"}
    body = client.get(reverse("notifications:channels")).content.decode()
    assert body.count("text-bg-success") == 2  # e-mail and this school's WeCom robot


# --- delivery log --------------------------------------------------------------------------------


def test_the_log_lists_this_schools_notices_with_filters(client, cast):
    failed = make_notice(
        cast.teacher, channel="email", status=NoticeStatus.FAILED, subject="subject-failed"
    )
    make_notice(cast.guard, subject="subject-inapp")
    make_notice(cast.other_teacher, subject="subject-school-b")
    old = make_notice(cast.leader, subject="subject-last-week")
    Notice.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=7))
    login(client, cast, "admin")
    log = reverse("notifications:log")
    body = client.get(log).content.decode()
    assert "subject-failed" in body and "subject-inapp" in body and "subject-last-week" in body
    assert "subject-school-b" not in body
    body = client.get(log, {"status": "failed"}).content.decode()
    assert "subject-failed" in body and "subject-inapp" not in body
    body = client.get(log, {"channel": "inapp"}).content.decode()
    assert "subject-inapp" in body and "subject-failed" not in body
    today = timezone.localdate().isoformat()
    body = client.get(log, {"day": today}).content.decode()
    assert "subject-inapp" in body and "subject-last-week" not in body
    assert failed.subject in body


def test_a_notice_shows_every_delivery_attempt(client, cast):
    notice = make_notice(cast.teacher, channel="dingtalk", status=NoticeStatus.FAILED, attempts=2)
    now = timezone.now()
    DeliveryAttempt.objects.create(
        notice=notice, number=1, channel="dingtalk", started_at=now,
        outcome=AttemptOutcome.RETRY, detail="HTTP 503 from robot",
    )  # fmt: skip
    DeliveryAttempt.objects.create(
        notice=notice, number=2, channel="dingtalk", started_at=now,
        outcome=AttemptOutcome.FAILED, detail="errcode 310000 keywords not in content",
    )  # fmt: skip
    login(client, cast, "admin")
    body = client.get(reverse("notifications:notice", args=[notice.pk])).content.decode()
    assert "HTTP 503 from robot" in body
    assert "errcode 310000" in body
    assert reverse("notifications:retry", args=[notice.pk]) in body


def test_retrying_a_failed_notice(client, cast, django_capture_on_commit_callbacks):
    notice = make_notice(cast.teacher, channel="email", status=NoticeStatus.FAILED, attempts=6)
    login(client, cast, "admin")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("notifications:retry", args=[notice.pk]))
    assert response.status_code == 302
    assert len(callbacks) == 1  # the delivery task, enqueued on commit (not run here)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.attempt_base) == (NoticeStatus.PENDING, 6, 6)


def test_a_notice_that_has_not_failed_is_not_retried(client, cast):
    notice = make_notice(cast.teacher)
    login(client, cast, "admin")
    response = client.post(reverse("notifications:retry", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT
    assert (
        "retry" not in client.get(response["Location"]).content.decode().lower().split("<main")[0]
    )


# --- mutations are POST-only and CSRF-protected ---------------------------------------------------

MUTATIONS = [
    ("notifications:read", True),
    ("notifications:open", True),
    ("notifications:read_all", False),
    ("notifications:test", False),
    ("notifications:retry", True),
]


@pytest.mark.parametrize(("name", "takes_pk"), MUTATIONS)
def test_mutations_refuse_get(client, cast, name, takes_pk):
    notice = make_notice(cast.admin)
    login(client, cast, "admin")
    url = reverse(name, args=[notice.pk] if takes_pk else [])
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(("name", "takes_pk"), MUTATIONS)
def test_mutations_need_the_csrf_token(cast, name, takes_pk):
    notice = make_notice(cast.admin, status=NoticeStatus.FAILED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin.user)
    url = reverse(name, args=[notice.pk] if takes_pk else [])
    assert client.post(url).status_code == 403


def test_settings_forms_need_the_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin.user)
    assert client.post(reverse("notifications:preferences"), {}).status_code == 403
    assert client.post(channel_url("wecom"), {"url": "https://x.example"}).status_code == 403
    assert not ChannelConfig.objects.exists()


# --- query counts do not grow with data ----------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 30])
def test_the_inbox_runs_a_fixed_number_of_queries(client, cast, django_assert_num_queries, rows):
    for _ in range(rows):
        make_notice(cast.teacher, url="/")
    login(client, cast, "teacher")
    with django_assert_num_queries(INBOX_QUERIES):
        assert client.get(reverse("notifications:inbox")).status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_the_badge_runs_a_fixed_number_of_queries(client, cast, django_assert_num_queries, rows):
    for _ in range(rows):
        make_notice(cast.teacher)
    login(client, cast, "teacher")
    with django_assert_num_queries(BADGE_QUERIES):
        assert client.get(reverse("notifications:badge")).status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_the_log_runs_a_fixed_number_of_queries(client, cast, django_assert_num_queries, rows):
    people = [cast.teacher, cast.guard, cast.leader, cast.tech]
    for n in range(rows):
        make_notice(people[n % len(people)], channel="email", status=NoticeStatus.FAILED)
    login(client, cast, "admin")
    with django_assert_num_queries(LOG_QUERIES):
        assert client.get(reverse("notifications:log"), {"status": "failed"}).status_code == 200


@pytest.mark.parametrize("rows", [0, 5])
def test_the_channel_list_and_detail_run_a_fixed_number_of_queries(
    client, cast, django_assert_num_queries, rows
):
    kinds = ["dingtalk", "wecom", "feishu", "webhook", "sms"][:rows]
    for kind in kinds:
        ChannelConfig.objects.create(school=cast.school, kind=kind, config={"url": "https://x"})
    notice = make_notice(cast.teacher, channel="email", status=NoticeStatus.FAILED)
    for n in range(rows):
        DeliveryAttempt.objects.create(
            notice=notice, number=n + 1, channel="email", started_at=timezone.now()
        )
    login(client, cast, "admin")
    with django_assert_num_queries(CHANNELS_QUERIES):
        assert client.get(reverse("notifications:channels")).status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES):
        assert client.get(reverse("notifications:notice", args=[notice.pk])).status_code == 200


# session, user, the actor (staff, roles), then the page's own reads
INBOX_QUERIES = 4 + 2  # count, page
BADGE_QUERIES = 2 + 1  # count (no navigation in the fragment)
LOG_QUERIES = 4 + 2  # count, page with recipients
CHANNELS_QUERIES = 4 + 1  # the school's configurations
DETAIL_QUERIES = 4 + 2  # notice with recipient, attempts
