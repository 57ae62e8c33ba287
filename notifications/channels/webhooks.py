"""Chat group robots (DingTalk, WeCom, Feishu) and a generic JSON webhook.

The address is the robot's webhook URL; when it is empty the channel's configured ``url`` is
used (one robot per school group). Shared HTTP and status rules live in ``http.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any
from urllib.parse import urlencode

from .base import Channel, DeliveryError, Message
from .http import Response, post_json, raise_for_status


def _sign(key: str, msg: str) -> str:
    digest = hmac.new(key.encode("utf-8"), msg.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class _RobotChannel(Channel):
    """A robot answering ``{<code_field>: 0}`` on success, a non-zero code on failure."""

    code_fields: tuple[str, ...] = ("errcode",)
    retryable_codes: frozenset[int] = frozenset()

    def url(self, address: str) -> str:
        return (address or self.config.get("url") or "").strip()

    def payload(self, message: Message) -> dict[str, Any]:
        raise NotImplementedError

    def send(self, *, address: str, message: Message) -> str:
        url = self.url(address)
        if not url:
            raise DeliveryError("no webhook URL configured", permanent=True)
        response = post_json(url, self.payload(message), timeout=self.timeout())
        return self.check(response)

    def check(self, response: Response) -> str:
        data = response.json()
        code = self._code(data)
        # A rate-limit code is retryable whatever HTTP status it came with.
        if code in self.retryable_codes:
            raise DeliveryError(f"{self.kind} rate limit: {response.snippet()}", permanent=False)
        raise_for_status(response)
        if code == 0:
            return f"{self.kind} ok"
        if code is None:
            raise DeliveryError(f"unexpected response: {response.snippet()}", permanent=True)
        raise DeliveryError(f"{self.kind} rejected: {response.snippet()}", permanent=True)

    def _code(self, data: Any) -> int | None:
        if not isinstance(data, dict):
            return None
        for field in self.code_fields:
            if field in data:
                try:
                    return int(data[field])
                except (TypeError, ValueError):
                    return None
        return None


class DingTalkChannel(_RobotChannel):
    kind = "dingtalk"
    # 130101: sending too fast; -1: system busy.
    retryable_codes = frozenset({130101, -1})

    def url(self, address: str) -> str:
        url = super().url(address)
        secret = self.config.get("secret")
        if not url or not secret:
            return url
        timestamp = str(int(time.time() * 1000))
        # urlencode quote_plus-es the base64 signature, as DingTalk's documentation requires.
        query = urlencode({"timestamp": timestamp, "sign": _sign(secret, f"{timestamp}\n{secret}")})
        return f"{url}{'&' if '?' in url else '?'}{query}"

    def payload(self, message: Message) -> dict[str, Any]:
        return {"msgtype": "text", "text": {"content": message.text()}}


class WeComChannel(_RobotChannel):
    kind = "wecom"
    # 45009: API rate limit; -1: system busy.
    retryable_codes = frozenset({45009, -1})

    def payload(self, message: Message) -> dict[str, Any]:
        return {"msgtype": "text", "text": {"content": message.text()}}


class FeishuChannel(_RobotChannel):
    kind = "feishu"
    code_fields = ("code", "StatusCode")  # newer API says "code", older bots "StatusCode"
    # 9499: too many requests; 11232: custom-bot frequency limit.
    retryable_codes = frozenset({9499, 11232})

    def payload(self, message: Message) -> dict[str, Any]:
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": message.text()}}
        secret = self.config.get("secret")
        if secret:
            timestamp = str(int(time.time()))
            # Feishu signs nothing: the key is the timestamp and secret, the message is empty.
            payload["timestamp"] = timestamp
            payload["sign"] = _sign(f"{timestamp}\n{secret}", "")
        return payload


class JsonWebhookChannel(Channel):
    """POSTs the message's fields as JSON; any 2xx is success. An optional ``token`` in the
    config is sent as ``Authorization: Bearer <token>``."""

    kind = "webhook"

    def send(self, *, address: str, message: Message) -> str:
        url = (address or self.config.get("url") or "").strip()
        if not url:
            raise DeliveryError("no webhook URL configured", permanent=True)
        payload = {
            "id": message.key,
            "subject": message.subject,
            "body": message.body,
            "url": message.url,
            "urgent": message.urgent,
        }
        token = self.config.get("token")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if message.key:
            headers["Idempotency-Key"] = message.key
        response = post_json(url, payload, headers=headers, timeout=self.timeout())
        raise_for_status(response)
        return f"HTTP {response.status}"
