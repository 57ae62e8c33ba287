"""One interface for every delivery channel.

A channel turns a ``Message`` into one external call and either returns a short receipt or raises
``DeliveryError`` saying whether trying again later can help. Channels know nothing about the
outbox: the caller writes the attempt row before ``send()`` and calls it outside any transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

# A fixed marker, deliberately not translated: chat-robot keyword filters and people's phone
# notification rules match on it whatever language the rest of the text is in.
URGENT_PREFIX = "【紧急】"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    url: str = ""  # absolute link to the record, may be empty
    urgent: bool = False  # emergencies (incident escalations)
    # The outbox row's idempotency key. Channels whose receivers can deduplicate send it
    # (the generic webhook as "id" and an Idempotency-Key header), so a retry after a sender
    # died mid-call is recognisable as the same notice.
    key: str = ""

    def text(self) -> str:
        """Subject, body and link as one plain-text block, for chat robots and SMS."""
        subject = f"{URGENT_PREFIX}{self.subject}" if self.urgent else self.subject
        return "\n".join(part for part in (subject, self.body, self.url) if part)


class DeliveryError(Exception):
    """``permanent=True``: the same call will fail again (bad address, 4xx, rejected by the
    provider), so don't retry. ``permanent=False``: a transient failure, retry later."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent

    def __str__(self) -> str:
        return str(self.args[0])


class Channel:
    kind: str = ""

    def __init__(self, config: dict[str, Any] | None = None):
        # Per-school channel configuration: URLs, secrets, provider names, timeouts.
        self.config: dict[str, Any] = dict(config or {})

    def send(self, *, address: str, message: Message) -> str:
        """Deliver ``message`` to ``address``; return a short receipt or raise DeliveryError."""
        raise NotImplementedError

    def timeout(self, default: float = 10.0) -> float:
        try:
            value = float(self.config.get("timeout", default))
        except (TypeError, ValueError):
            return default
        return value if value > 0 else default


CHANNEL_KINDS = [
    ("email", _("Email")),
    ("dingtalk", _("DingTalk group robot")),
    ("wecom", _("WeCom group robot")),
    ("feishu", _("Feishu group robot")),
    ("webhook", _("Generic JSON webhook")),
    ("sms", _("SMS")),
]

# Dotted paths, imported on first use, so that importing base never pulls in SMTP or HTTP code.
_CLASSES = {
    "email": "notifications.channels.email.EmailChannel",
    "dingtalk": "notifications.channels.webhooks.DingTalkChannel",
    "wecom": "notifications.channels.webhooks.WeComChannel",
    "feishu": "notifications.channels.webhooks.FeishuChannel",
    "webhook": "notifications.channels.webhooks.JsonWebhookChannel",
    "sms": "notifications.channels.sms.SmsChannel",
}


def get_channel(kind: str, config: dict[str, Any] | None = None) -> Channel:
    """The channel for ``kind``; an unknown kind is a permanent delivery failure."""
    try:
        path = _CLASSES[kind]
    except KeyError:
        raise DeliveryError(f"unknown channel kind {kind!r}", permanent=True) from None
    return import_string(path)(config or {})
