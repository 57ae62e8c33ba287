"""Visitor ID numbers at rest: encrypted (Fernet), looked up by keyed HMAC, shown masked.

Keys come from the environment (dutyschool/settings.py):

- ``VISITOR_ID_KEYS``: comma-separated Fernet keys. The first encrypts; every one decrypts.
  Make one with ``python -c "from cryptography.fernet import Fernet;
  print(Fernet.generate_key().decode())"``.
- ``VISITOR_LOOKUP_KEY``: a separate secret (at least 32 characters) for the HMAC-SHA256 lookup
  column that answers "has this person visited before". A plain hash would not do: there are
  only about 10^11 plausible resident ID numbers, so an unkeyed hash is reversed by enumeration.

With DEBUG on and a key unset, both are derived from SECRET_KEY (demo and development only);
with DEBUG off the settings module refuses to start without them.

Rotation:

1. Generate a new key and put it *first*: ``VISITOR_ID_KEYS=<new>,<old>``; restart web and
   workers. New visits are encrypted with the new key; old ones still decrypt.
2. Run ``manage.py rotate_visitor_keys``: every stored number is re-encrypted with the first
   key and its lookup HMAC recomputed with the current ``VISITOR_LOOKUP_KEY`` (so the lookup
   key is rotated the same way: change it, then run the command).
3. Remove the old key: ``VISITOR_ID_KEYS=<new>``; restart.

Plaintext numbers exist only in memory: in the request that registers a visit and in the
audited reveal. They are never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_LOOKUP_KEY = 32


def _derived(label: str) -> bytes:
    digest = hashlib.sha256(f"dutyschool:{label}:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _id_keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "VISITOR_ID_KEYS", None) or ())
    if keys:
        return keys
    if not settings.DEBUG:
        raise ImproperlyConfigured("VISITOR_ID_KEYS must be set when DEBUG is off.")
    return (_derived("visitor-id").decode(),)


def lookup_key() -> bytes:
    key = getattr(settings, "VISITOR_LOOKUP_KEY", "") or ""
    if not key:
        if not settings.DEBUG:
            raise ImproperlyConfigured("VISITOR_LOOKUP_KEY must be set when DEBUG is off.")
        return _derived("visitor-lookup")
    if len(key) < MIN_LOOKUP_KEY:
        raise ImproperlyConfigured(
            f"VISITOR_LOOKUP_KEY must be at least {MIN_LOOKUP_KEY} characters."
        )
    return key.encode()


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        # Never echo the keys themselves.
        raise ImproperlyConfigured(
            "VISITOR_ID_KEYS holds a value that is not a Fernet key (32 url-safe base64 bytes)."
        ) from exc


def encrypt(plain: str) -> str:
    return _fernet(_id_keys()).encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet(_id_keys()).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("the stored ID number cannot be decrypted with the configured keys") from (
            exc
        )


def reencrypt(token: str) -> str:
    """The same plaintext under the first (current) key."""
    return _fernet(_id_keys()).rotate(token.encode()).decode()


def lookup_hmac(id_type: str, number: str) -> str:
    """Keyed HMAC of the normalised number and its type, hex: the "visited before" column."""
    message = f"{id_type}:{number}".encode()
    return hmac.new(lookup_key(), message, hashlib.sha256).hexdigest()
