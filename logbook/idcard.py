"""Identity document numbers: what a visitor shows at the gate, checked before it is stored.

Chinese resident ID numbers (居民身份证) follow GB 11643-1999: 6 digits of region, 8 of birth
date, 3 of sequence and a check character computed with ISO 7064 MOD 11-2 (``X`` stands for
10). Each way of getting one wrong has its own message, so the guard knows what to look at.

A 15-digit number is the pre-1999 first-generation card, no longer valid since 2013: under
居民身份证 it is refused with a message asking for the 18-digit number on the current card; if
the visitor really has nothing else it can be recorded under 其他 (other), which only checks the
shape. Other document types get shape checks only: their numbering differs by issuer.

Error messages never repeat the number itself: messages end up in pages and logs.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdType(models.TextChoices):
    RESIDENT = "resident", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAO = "hk_macao", _("Travel permit for Hong Kong and Macao residents")
    TAIWAN = "taiwan", _("Travel permit for Taiwan residents")
    OTHER = "other", _("Other document")


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SPACES = re.compile(r"[\s\-]")
_SHAPES = {
    # Chinese passports: E/G + 8; foreign ones vary, so letters and digits, 5–20 of them.
    IdType.PASSPORT: (
        re.compile(r"^[A-Z0-9]{5,20}$"),
        _("A passport number is 5 to 20 letters and digits."),
    ),
    # 港澳居民来往内地通行证: H (Hong Kong) or M (Macao) + 8 digits, or + 10 on older cards.
    IdType.HK_MACAO: (
        re.compile(r"^[HM]\d{8}(\d{2})?$"),
        _("A Hong Kong or Macao permit number is H or M followed by 8 (or 10) digits."),
    ),
    # 台湾居民来往大陆通行证: 8 digits since 2015; older ones 10 digits or 8 + a letter.
    IdType.TAIWAN: (
        re.compile(r"^\d{8}(\d{2}|[A-Z])?$"),
        _("A Taiwan permit number is 8 digits (older permits: 10 characters)."),
    ),
    IdType.OTHER: (
        re.compile(r"^[A-Z0-9]{4,30}$"),
        _("A document number is 4 to 30 letters and digits."),
    ),
}


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalize_id_number(id_type: str, raw: str) -> str:
    """The number as stored (upper case, no spaces or dashes), or ValidationError."""
    value = _SPACES.sub("", str(raw or "")).upper()
    if not value:
        raise ValidationError(_("Enter the document number."), code="required")
    if id_type == IdType.RESIDENT:
        return _resident(value)
    shape = _SHAPES.get(id_type)
    if shape is None:
        raise ValidationError(_("Choose a document type."), code="id_type")
    pattern, message = shape
    if not pattern.match(value):
        raise ValidationError(message, code="id_shape")
    return value


def _resident(value: str) -> str:
    if re.fullmatch(r"\d{15}", value):
        raise ValidationError(
            _(
                "This is a 15-digit number from a first-generation card, which is no longer "
                "valid. Ask for the 18-digit number on the current card, or choose “Other "
                "document” if the visitor has nothing else."
            ),
            code="id_legacy",
        )
    if len(value) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(count)d."),
            code="id_length",
            params={"count": len(value)},
        )
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."), code="id_chars"
        )
    if value[0] in "09":
        raise ValidationError(
            _("The first digits are not a region code: check the number."), code="id_region"
        )
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        born = None
    if born is None or born.year < 1900 or born > timezone.localdate():
        raise ValidationError(
            _("Digits 7 to 14 are not a possible date of birth: check the number."),
            code="id_birth",
        )
    if check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The last character (the check digit) does not match: check for a typing mistake."),
            code="id_check",
        )
    return value


def mask_id_number(value: str) -> str:
    """First 3 and last 4 characters, the rest as asterisks; short numbers keep less."""
    if len(value) >= 10:
        keep_front, keep_back = 3, 4
    elif len(value) >= 6:
        keep_front, keep_back = 1, 2
    else:
        return "*" * len(value)
    hidden = len(value) - keep_front - keep_back
    return f"{value[:keep_front]}{'*' * hidden}{value[-keep_back:]}"
