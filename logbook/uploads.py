"""Photo uploads from a phone camera: validated, re-encoded, stored privately.

Nothing about an upload is trusted. The bytes must decode as JPEG, PNG or WebP under Pillow (a
renamed HTML/SVG/text file does not); the size and the pixel count are bounded before decoding
(a decompression bomb is refused from its header); the image is re-encoded as a fresh JPEG, so
EXIF — the GPS position a phone writes — never reaches storage; the stored name is generated,
so a client's ``../`` filename means nothing. Files live under MEDIA_ROOT/private and are served
only through a view that checks the school.
"""

from __future__ import annotations

import io
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024  # a phone photo is 2–6 MB
MAX_PIXELS = 40_000_000  # a 48-megapixel sensor's binned output fits; a bomb does not
MAX_SIDE = 2560  # stored photos are downscaled to this on their longer side
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
ACCEPT = "image/jpeg,image/png,image/webp"


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded photo ready to store: JPEG bytes without metadata."""

    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


def clean_image(upload) -> CleanImage:
    """Validate an uploaded file and re-encode it, or raise ValidationError with a clear
    message. ``upload`` is a Django UploadedFile (or any object with .size and .read())."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            _("The photo is too large (%(size)s MB); the limit is %(limit)s MB."),
            params={"size": round(size / 1024 / 1024, 1), "limit": MAX_BYTES // 1024 // 1024},
            code="too_large",
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("The photo is too large."), code="too_large")
    not_image = ValidationError(
        _("This file is not a photo. Upload a JPEG, PNG or WebP image."), code="not_image"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in ALLOWED_FORMATS:
                raise not_image
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels to process safely."), code="too_many_pixels"
                )
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("The image has too many pixels to process safely."), code="too_many_pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise not_image from exc
    return _encode(image)


def _encode(image: Image.Image) -> CleanImage:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # No exif= argument: Pillow writes no metadata, so the GPS position is gone.
    image.save(out, format="JPEG", quality=85, optimize=True)
    return CleanImage(data=out.getvalue(), width=image.width, height=image.height)


def store_image(clean: CleanImage, *, school_id: int, now: datetime) -> str:
    """Write the photo under a generated name; return the storage name."""
    name = f"private/photos/{school_id}/{now:%Y/%m}/{uuid.uuid4().hex}.jpg"
    return default_storage.save(name, ContentFile(clean.data))


def delete_stored(names: list[str]) -> None:
    """Undo store_image() when the transaction that was to record the photos fails."""
    for name in names:
        default_storage.delete(name)


@contextmanager
def atomic_with_files():
    """A durable transaction that collects the names of files stored inside it and deletes
    them if it fails: a photo is never left on disk without its row, nor a row without it."""
    stored: list[str] = []
    try:
        with transaction.atomic(durable=True):
            yield stored
    except BaseException:
        delete_stored(stored)
        raise


class PhotoField(forms.FileField):
    """A camera input whose cleaned value is a CleanImage (or None when left empty)."""

    default_error_messages = {"required": gettext_lazy("Take or choose a photo.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Photo"))
        kwargs.setdefault(
            "widget",
            forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        return clean_image(upload)
