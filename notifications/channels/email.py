"""E-mail through Django's configured backend (``settings.EMAIL_*``, env-driven)."""

from __future__ import annotations

import smtplib
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.core.validators import validate_email

from .base import URGENT_PREFIX, Channel, DeliveryError, Message


def _is_permanent(code: int | None) -> bool:
    # 5xx replies are final; 4xx (mailbox busy, greylisting) ask us to come back later.
    return code is not None and 500 <= code < 600


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class EmailChannel(Channel):
    kind = "email"

    def send(self, *, address: str, message: Message) -> str:
        address = (address or "").strip()
        try:
            validate_email(address)
        except ValidationError:
            raise DeliveryError(
                f"invalid e-mail address {address[:100]!r}", permanent=True
            ) from None

        # A header must be one line; Django refuses newlines in the subject.
        subject = " ".join(message.subject.split())
        headers = {"Message-ID": make_msgid(domain=DNS_NAME)}
        if message.urgent:
            subject = f"{URGENT_PREFIX}{subject}"
            headers.update({"X-Priority": "1", "Importance": "high"})
        body = f"{message.body}\n\n{message.url}" if message.url else message.body
        timeout = self.timeout(getattr(settings, "EMAIL_TIMEOUT", None) or 10.0)
        email = EmailMessage(
            subject=subject,
            body=body,
            from_email=self.config.get("from_email") or settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=headers,
            connection=get_connection(timeout=timeout),
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _reply in error.recipients.values()]
            permanent = bool(codes) and all(_is_permanent(code) for code in codes)
            raise DeliveryError(
                f"recipient refused: {error.recipients}", permanent=permanent
            ) from error
        except smtplib.SMTPResponseException as error:
            # Data, sender, auth and greeting errors all carry the server's reply code.
            reply = _text(error.smtp_error)
            raise DeliveryError(
                f"SMTP {error.smtp_code}: {reply[:200]}", permanent=_is_permanent(error.smtp_code)
            ) from error
        except (smtplib.SMTPException, OSError) as error:
            # Disconnects, refused connections, DNS failures and timeouts.
            raise DeliveryError(f"SMTP unavailable: {error}", permanent=False) from error
        return f"sent {headers['Message-ID']}"
