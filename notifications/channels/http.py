"""One JSON POST over the standard library, with the failure rules every HTTP channel shares.

- only http(s) URLs with a host; anything else is a permanent failure;
- an explicit timeout (10 s unless the channel's config says otherwise);
- redirects are never followed: a webhook that moved must be re-entered by the admin, and a
  redirect must not carry our secrets or message to another host;
- timeouts, refused connections, 429 and 5xx are retryable; any other 3xx/4xx is permanent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any
from urllib.parse import urlsplit

from .base import DeliveryError

DEFAULT_TIMEOUT = 10.0
# Providers answer with a few hundred bytes; don't let a misbehaving endpoint fill memory.
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "DutySchool-notifications/1"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        """The decoded JSON body, or None if it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def snippet(self, limit: int = 200) -> str:
        return self.body.decode("utf-8", errors="replace")[:limit]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx, handled as permanent below


_opener = urllib.request.build_opener(_NoRedirect)


def check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(f"not an http(s) URL: {url[:100]!r}", permanent=True)
    return url


def post_json(
    url: str,
    payload: Any,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Response:
    """POST ``payload`` as JSON. Returns the response whatever its status; raises a retryable
    DeliveryError when no response came back at all."""
    url = check_url(url)
    request = urllib.request.Request(  # noqa: S310 - check_url allows only http(s)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        },
        method="POST",
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Response(response.status, response.read(MAX_RESPONSE_BYTES))
    except urllib.error.HTTPError as error:  # a response with a 3xx/4xx/5xx status
        with error:
            return Response(error.code, error.read(MAX_RESPONSE_BYTES))
    except (urllib.error.URLError, HTTPException, OSError) as error:
        # URLError wraps refused connections, DNS and TLS failures and connect timeouts;
        # TimeoutError (an OSError) is a read timeout.
        reason = getattr(error, "reason", None) or error
        raise DeliveryError(f"no response: {reason}", permanent=False) from error


def raise_for_status(response: Response) -> None:
    """Apply the shared status rules: return on 2xx, raise otherwise."""
    status = response.status
    if 200 <= status < 300:
        return
    detail = f"HTTP {status}: {response.snippet()}"
    if status == 429 or status >= 500:
        raise DeliveryError(detail, permanent=False)
    if 300 <= status < 400:
        raise DeliveryError(f"redirect not followed, update the URL ({detail})", permanent=True)
    raise DeliveryError(detail, permanent=True)
