"""Delivery channels against local stand-ins for the providers: an HTTP server and an SMTP server
started on 127.0.0.1 by the fixtures below. Nothing here reaches the network."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from aiosmtpd.controller import Controller

from notifications.channels import CHANNEL_KINDS, Channel, DeliveryError, Message, get_channel

NOTICE = Message(
    subject="夜班提醒",
    body="您今晚 17:00 值夜班，请提前 5 分钟到岗。",
    url="https://duty.example.edu.cn/roster/shifts/42/",
    key="duty.assigned:42:7:webhook",
)
ROBOTS = ["dingtalk", "wecom", "feishu", "webhook"]


# --- a local HTTP server standing in for robots, webhooks and SMS gateways --------------------


@dataclass
class Recorded:
    path: str
    raw_query: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeService:
    port: int = 0
    requests: list[Recorded] = field(default_factory=list)
    replies: list[tuple[int, Any, float, dict[str, str]]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?access_token=abc"

    def reply(self, status: int = 200, body: Any = None, *, delay: float = 0.0, **headers: str):
        self.replies.append((status, {} if body is None else body, delay, headers))

    @property
    def last(self) -> Recorded:
        assert self.requests, "the service received no request"
        return self.requests[-1]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        service: FakeService = self.server.service  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        parts = urlsplit(self.path)
        service.requests.append(
            Recorded(
                path=parts.path,
                raw_query=parts.query,
                query=dict(parse_qsl(parts.query)),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=json.loads(raw.decode("utf-8")) if raw else None,
            )
        )
        status, body, delay, headers = (
            service.replies.pop(0) if service.replies else (200, {}, 0.0, {})
        )
        time.sleep(delay)
        data = json.dumps(body).encode("utf-8")
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up waiting (the timeout tests)

    def log_message(self, format, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler still sleeping for a timeout test must not hold teardown


@pytest.fixture
def service():
    server = _Server(("127.0.0.1", 0), _Handler)
    server.service = FakeService(port=server.server_address[1])  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.service  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
    thread.join()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def send(kind: str, address: str, message: Message = NOTICE, **config: Any) -> str:
    return get_channel(kind, config).send(address=address, message=message)


def failure(kind: str, address: str, message: Message = NOTICE, **config: Any) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(kind, address, message, **config)
    return caught.value


def signature(key: str, msg: str) -> str:
    digest = hmac.new(key.encode(), msg.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- the registry -----------------------------------------------------------------------------


def test_every_kind_offered_to_admins_has_a_channel():
    for kind, label in CHANNEL_KINDS:
        channel = get_channel(kind, {})
        assert isinstance(channel, Channel)
        assert channel.kind == kind
        assert str(label)


def test_an_unknown_channel_kind_is_a_permanent_failure():
    with pytest.raises(DeliveryError) as caught:
        get_channel("pager", {})
    assert caught.value.permanent


# --- chat robots and webhooks -----------------------------------------------------------------


def test_a_dingtalk_robot_gets_the_subject_body_and_link_as_text(service):
    service.reply(200, {"errcode": 0, "errmsg": "ok"})
    assert send("dingtalk", service.url) == "dingtalk ok"
    text = NOTICE.subject + "\n" + NOTICE.body + "\n" + NOTICE.url
    assert service.last.body == {"msgtype": "text", "text": {"content": text}}
    assert service.last.headers["content-type"].startswith("application/json")
    assert service.last.query == {"access_token": "abc"}


def test_a_dingtalk_robot_gets_a_signed_url(service):
    service.reply(200, {"errcode": 0})
    send("dingtalk", service.url, secret="SECabc123")
    query = service.last.query
    assert query["access_token"] == "abc"
    assert abs(int(query["timestamp"]) - time.time() * 1000) < 60_000
    expected = signature("SECabc123", f"{query['timestamp']}\nSECabc123")
    assert query["sign"] == expected
    assert "sign=" + expected.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D") in (
        service.last.raw_query
    )


def test_a_dingtalk_robot_sending_too_fast_is_retried(service):
    service.reply(200, {"errcode": 130101, "errmsg": "send too fast"})
    assert not failure("dingtalk", service.url).permanent


def test_a_dingtalk_robot_refusing_the_message_is_permanent(service):
    service.reply(200, {"errcode": 310000, "errmsg": "keywords not in content"})
    error = failure("dingtalk", service.url)
    assert error.permanent
    assert "310000" in str(error)


def test_a_wecom_robot_gets_a_text_message(service):
    service.reply(200, {"errcode": 0, "errmsg": "ok"})
    assert send("wecom", service.url) == "wecom ok"
    assert service.last.body["msgtype"] == "text"
    assert service.last.body["text"]["content"].startswith("夜班提醒\n")


def test_a_wecom_robot_over_its_rate_limit_is_retried(service):
    service.reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
    assert not failure("wecom", service.url).permanent


def test_a_wecom_robot_with_a_bad_key_is_permanent(service):
    service.reply(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    assert failure("wecom", service.url).permanent


def test_a_feishu_bot_gets_a_signed_body(service):
    service.reply(200, {"code": 0, "msg": "success", "data": {}})
    assert send("feishu", service.url, secret="feishu-secret") == "feishu ok"
    body = service.last.body
    assert body["msg_type"] == "text"
    assert body["content"]["text"].endswith(NOTICE.url)
    assert abs(int(body["timestamp"]) - time.time()) < 60
    assert body["sign"] == signature(f"{body['timestamp']}\nfeishu-secret", "")


def test_a_feishu_bot_without_a_secret_gets_no_signature(service):
    service.reply(200, {"code": 0})
    send("feishu", service.url)
    assert "sign" not in service.last.body


def test_a_feishu_bot_over_its_rate_limit_is_retried(service):
    service.reply(200, {"code": 9499, "msg": "Too Many Request"})
    assert not failure("feishu", service.url).permanent


def test_an_old_feishu_bot_answering_statuscode_is_understood(service):
    service.reply(200, {"StatusCode": 0, "StatusMessage": "success"})
    assert send("feishu", service.url) == "feishu ok"
    service.reply(200, {"StatusCode": 19021, "StatusMessage": "sign match fail"})
    assert failure("feishu", service.url).permanent


def test_a_generic_webhook_gets_the_message_fields_and_a_bearer_token(service):
    service.reply(204, {})
    assert send("webhook", service.url, token="t0ken") == "HTTP 204"
    assert service.last.body == {
        "id": NOTICE.key,
        "subject": NOTICE.subject,
        "body": NOTICE.body,
        "url": NOTICE.url,
        "urgent": False,
    }
    assert service.last.headers["authorization"] == "Bearer t0ken"
    assert service.last.headers["idempotency-key"] == NOTICE.key


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_an_urgent_message_to_a_robot_starts_with_the_urgent_marker(service, kind):
    service.reply(200, {"errcode": 0, "code": 0})
    send(kind, service.url, Message(subject="火警", body="实验楼三楼", urgent=True))
    body = service.last.body
    text = body["text"]["content"] if "text" in body else body["content"]["text"]
    assert text == "【紧急】火警\n实验楼三楼"


@pytest.mark.parametrize("kind", ROBOTS)
def test_the_configured_url_is_used_when_the_address_is_empty(service, kind):
    service.reply(200, {"errcode": 0, "code": 0})
    send(kind, "", url=service.url)
    assert service.last.path == "/hook"


@pytest.mark.parametrize("kind", ROBOTS)
def test_a_robot_without_any_url_is_a_permanent_failure(kind):
    assert failure(kind, "").permanent


@pytest.mark.parametrize("kind", ROBOTS)
@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_server_error_or_throttling_is_retried(service, kind, status):
    service.reply(status, {"message": "busy"})
    assert not failure(kind, service.url).permanent


@pytest.mark.parametrize("kind", ROBOTS)
@pytest.mark.parametrize("status", [400, 404])
def test_a_client_error_is_permanent(service, kind, status):
    service.reply(status, {"message": "bad request"})
    error = failure(kind, service.url)
    assert error.permanent
    assert f"HTTP {status}" in str(error)


@pytest.mark.parametrize("kind", ROBOTS)
def test_a_slow_server_times_out_and_is_retried(service, kind):
    service.reply(200, {"errcode": 0, "code": 0}, delay=1.0)
    started = time.monotonic()
    assert not failure(kind, service.url, timeout=0.2).permanent
    assert time.monotonic() - started < 0.9


@pytest.mark.parametrize("kind", ROBOTS)
def test_a_refused_connection_is_retried(kind):
    assert not failure(kind, f"http://127.0.0.1:{closed_port()}/hook").permanent


@pytest.mark.parametrize("kind", ROBOTS)
@pytest.mark.parametrize("url", ["ftp://127.0.0.1/hook", "file:///etc/passwd", "127.0.0.1/hook"])
def test_a_url_that_is_not_http_is_permanent(kind, url):
    assert failure(kind, url).permanent


@pytest.mark.parametrize("kind", ROBOTS)
def test_a_redirect_to_another_host_is_not_followed(service, kind):
    service.reply(302, {}, Location="http://elsewhere.invalid/steal")
    error = failure(kind, service.url)
    assert error.permanent
    assert "redirect" in str(error)
    assert len(service.requests) == 1


# --- SMS --------------------------------------------------------------------------------------


def sms_config(service: FakeService, **extra: Any) -> dict[str, Any]:
    return {"url": service.url, "token": "sms-token", "sign_name": "某某学校", **extra}


def test_an_sms_goes_to_the_gateway_with_a_normalized_phone_and_a_bearer_token(service):
    service.reply(200, {"ok": True, "id": "m-1"})
    assert send("sms", "+86 138-0000-1000", **sms_config(service)) == "sms HTTP 200"
    assert service.last.body == {
        "to": "13800001000",
        "text": NOTICE.text(),
        "sign_name": "某某学校",
    }
    assert service.last.headers["authorization"] == "Bearer sms-token"


def test_an_sms_to_an_invalid_phone_is_permanent_and_never_sent(service):
    assert failure("sms", "12345", **sms_config(service)).permanent
    assert service.requests == []


def test_a_long_sms_is_shortened_but_keeps_its_subject_and_link(service):
    long = Message(subject="隐患逾期", body="很长的说明。" * 100, url=NOTICE.url, urgent=True)
    send("sms", "13800001000", long, **sms_config(service))
    text = service.last.body["text"]
    assert len(text) == 300
    assert text.startswith("【紧急】隐患逾期\n很长的说明。")
    assert text.endswith("…\n" + NOTICE.url)


@pytest.mark.parametrize("answer", [{"ok": False}, {"code": 1}, {"code": "InvalidSign"}])
def test_an_sms_the_gateway_refuses_in_its_answer_is_permanent(service, answer):
    service.reply(200, answer)
    assert failure("sms", "13800001000", **sms_config(service)).permanent


def test_an_sms_the_gateway_accepts_with_code_zero_is_sent(service):
    service.reply(200, {"code": 0})
    assert send("sms", "13800001000", **sms_config(service)) == "sms HTTP 200"


def test_an_sms_gateway_that_is_down_is_retried(service):
    service.reply(503, {})
    assert not failure("sms", "13800001000", **sms_config(service)).permanent


def test_an_unknown_sms_provider_is_permanent(service):
    assert failure("sms", "13800001000", **sms_config(service, provider="carrier-pigeon")).permanent
    assert service.requests == []


# --- e-mail, against a local SMTP server ------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, or refuses every recipient with
    ``refuse`` (an SMTP reply such as "550 5.1.1 No such user")."""

    def __init__(self, refuse: str | None = None):
        self.refuse = refuse
        self.messages: list[Any] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """Start a local SMTP server (``smtp_server()`` or ``smtp_server(refuse="550 ...")``) and
    point Django's e-mail settings at it."""
    controllers = []

    def start(refuse: str | None = None) -> Mailbox:
        mailbox = Mailbox(refuse)
        controller = Controller(mailbox, hostname="127.0.0.1", port=closed_port())
        controller.start()
        controllers.append(controller)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = controller.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.DEFAULT_FROM_EMAIL = "值班系统 <duty@school.example>"
        return mailbox

    yield start
    for controller in controllers:
        controller.stop()


def test_an_email_is_delivered_with_its_chinese_subject_and_body(smtp_server):
    mailbox = smtp_server()
    receipt = send("email", "teacher@school.example")
    assert receipt.startswith("sent <")
    [mail] = mailbox.messages
    assert mail["Subject"] == "夜班提醒"
    assert mail["To"] == "teacher@school.example"
    assert mail["Message-ID"] in receipt
    assert mail.get_content_charset() == "utf-8"
    # SMTP carries lines ending in CRLF.
    assert mail.get_content().replace("\r\n", "\n") == f"{NOTICE.body}\n\n{NOTICE.url}\n"


def test_an_urgent_email_is_marked_in_the_subject_and_headers(smtp_server):
    mailbox = smtp_server()
    send(
        "email",
        "leader@school.example",
        Message(subject="火警\n实验楼", body="请立即到场", urgent=True),
    )
    [mail] = mailbox.messages
    assert mail["Subject"] == "【紧急】火警 实验楼"
    assert mail["X-Priority"] == "1"


def test_an_email_to_a_rejected_recipient_is_permanent(smtp_server):
    smtp_server(refuse="550 5.1.1 No such user")
    error = failure("email", "nobody@school.example")
    assert error.permanent
    assert "550" in str(error)


def test_an_email_to_a_busy_mailbox_is_retried(smtp_server):
    smtp_server(refuse="450 4.2.1 Mailbox busy, try again later")
    assert not failure("email", "busy@school.example").permanent


def test_an_invalid_email_address_is_permanent_and_never_sent(smtp_server):
    mailbox = smtp_server()
    assert failure("email", "not-an-address").permanent
    assert mailbox.messages == []


def test_an_unreachable_mail_server_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    assert not failure("email", "teacher@school.example").permanent
