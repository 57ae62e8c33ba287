"""Chinese phone numbers: normalise what people type, reject what cannot be dialled."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-()（）]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landlines: area code 0xx/0xxx + 7–8 digits, optional extension; the duty landline is one.
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def normalize_phone(raw: str) -> str:
    """``+86 138-0000-1000`` → ``13800001000``. Raises ValidationError if not a CN number."""
    value = _SEPARATORS.sub("", str(raw or "").strip())
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if _MOBILE.match(value) or _LANDLINE.match(value):
        return value
    raise ValidationError(
        _("“%(value)s” is not a valid phone number (11-digit mobile or landline with area code)."),
        code="invalid_phone",
        params={"value": raw},
    )


def validate_phone(value: str) -> None:
    if value:
        normalize_phone(value)
