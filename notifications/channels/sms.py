"""SMS through a provider adapter.

The SMS channel validates the phone number and shortens the text; a ``SmsProvider`` makes the one
call to the SMS gateway. The provider is chosen by the channel config's ``provider`` key
(``"generic_http"`` when absent).

Adding a provider (Aliyun 阿里云短信, Tencent Cloud 腾讯云短信, a carrier gateway...):

1. subclass ``SmsProvider``, set ``name``, and implement ``send(*, phone, text) -> str``, reading
   credentials from ``self.config`` (the school's channel configuration);
2. return a short receipt (the provider's message id) on success; raise
   ``DeliveryError(..., permanent=False)`` for timeouts, throttling and 5xx, and
   ``permanent=True`` for anything the provider will reject again (bad number, unapproved
   template or sign name, 4xx). ``http.post_json`` and ``http.raise_for_status`` already apply
   these rules to plain HTTP;
3. add the class to ``PROVIDERS``. Template-based providers (Aliyun, Tencent) need a template
   id and parameters in the config; map ``text`` onto the template there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError

from staff.phones import normalize_phone

from .base import Channel, DeliveryError, Message
from .http import post_json, raise_for_status

MAX_SMS_CHARS = 300


class SmsProvider:
    name: ClassVar[str] = ""

    def __init__(self, config: dict[str, Any]):
        self.config = config

    def send(self, *, phone: str, text: str, timeout: float) -> str:
        raise NotImplementedError


class GenericHttpSmsProvider(SmsProvider):
    """POST ``{"to", "text", "sign_name"}`` as JSON to ``config["url"]``, with an optional
    ``Authorization: Bearer <config["token"]>``. Success is a 2xx whose JSON, if it has ``ok``
    or ``code``, says ``ok: true`` / ``code: 0``."""

    name = "generic_http"

    def send(self, *, phone: str, text: str, timeout: float) -> str:
        url = self.config.get("url") or ""
        if not url:
            raise DeliveryError("SMS gateway URL not configured", permanent=True)
        token = self.config.get("token")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        payload = {"to": phone, "text": text, "sign_name": self.config.get("sign_name", "")}
        response = post_json(url, payload, headers=headers, timeout=timeout)
        raise_for_status(response)
        data = response.json()
        if isinstance(data, dict):
            rejected = ("ok" in data and not data["ok"]) or (
                "code" in data and str(data["code"]) != "0"
            )
            if rejected:
                raise DeliveryError(f"SMS rejected: {response.snippet()}", permanent=True)
        return f"sms HTTP {response.status}"


PROVIDERS: dict[str, type[SmsProvider]] = {
    GenericHttpSmsProvider.name: GenericHttpSmsProvider,
}


def sms_text(message: Message, limit: int = MAX_SMS_CHARS) -> str:
    """The message as SMS text of at most ``limit`` characters; the body is shortened first so
    the subject and the link survive."""
    text = message.text()
    if len(text) <= limit:
        return text
    short = Message(subject=message.subject, body="", url=message.url, urgent=message.urgent)
    room = limit - len(short.text()) - 2  # the newline before the body and the ellipsis
    if room > 0:
        short = Message(
            subject=message.subject,
            body=message.body[:room] + "…",
            url=message.url,
            urgent=message.urgent,
        )
    return short.text()[:limit]


class SmsChannel(Channel):
    kind = "sms"

    def send(self, *, address: str, message: Message) -> str:
        try:
            phone = normalize_phone(address)
        except ValidationError:
            raise DeliveryError(f"invalid phone number {address[:40]!r}", permanent=True) from None
        name = self.config.get("provider") or GenericHttpSmsProvider.name
        try:
            provider = PROVIDERS[name](self.config)
        except KeyError:
            raise DeliveryError(f"unknown SMS provider {name!r}", permanent=True) from None
        return provider.send(phone=phone, text=sms_text(message), timeout=self.timeout())
