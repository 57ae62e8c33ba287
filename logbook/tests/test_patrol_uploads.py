"""Photo uploads: only real JPEG/PNG/WebP images, bounded in bytes and pixels, re-encoded without
EXIF (no GPS position), stored under a generated name, served only to the school's staff. A bad
upload is a clear form error and leaves nothing behind — no row, no file."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from logbook.models import EvidencePhoto, Hazard
from logbook.uploads import MAX_SIDE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg(size=(64, 48), *, gps: bool = False, color="red") -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    if gps:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
        info[ExifTags.GPS.GPSLatitudeRef] = "N"
        info[ExifTags.GPS.GPSLatitude] = (31.0, 14.0, 5.5)
        info[ExifTags.GPS.GPSLongitudeRef] = "E"
        info[ExifTags.GPS.GPSLongitude] = (121.0, 28.0, 3.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels but carries only a few rows: what a
    decompression bomb looks like to a server that trusts the header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def report(client, cast, upload):
    client.force_login(cast.teacher.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client.post(
        reverse("logbook:hazard-new"),
        {"location": "操场", "category": "sports", "severity": "general",
         "description": "篮球架松动", "photo": upload},
    )  # fmt: skip


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_a_phone_photo_is_stored_without_its_gps_position(client, cast, media):
    original = jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    response = report(client, cast, SimpleUploadedFile("IMG_0001.jpg", original, "image/jpeg"))
    hazard = Hazard.objects.get()
    assert response.status_code == 302
    photo = EvidencePhoto.objects.get(hazard=hazard)
    (path,) = stored_files(media)
    stored = Image.open(path)
    assert stored.format == "JPEG" and stored.size == (64, 48)
    exif = stored.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in exif
    assert b"PhoneCo" not in path.read_bytes()
    assert photo.file.name.startswith(f"private/photos/{cast.school.pk}/")


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("photo.jpg", b"just some text, renamed", "image/jpeg"),
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("photo.jpg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/jpeg"),
        ("photo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
        ("photo.jpg", jpeg()[:40], "image/jpeg"),  # truncated
    ],
)
def test_anything_but_a_real_photo_is_refused_and_nothing_is_saved(
    client, cast, media, name, content, content_type
):
    response = report(client, cast, SimpleUploadedFile(name, content, content_type))
    assert response.status_code == 200
    assert "This file is not a photo" in response.content.decode()
    assert not Hazard.objects.exists() and not EvidencePhoto.objects.exists()
    assert stored_files(media) == []


def test_a_50_mb_upload_is_a_clear_form_error(client, cast, media):
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (50 * 1024 * 1024)
    response = report(client, cast, SimpleUploadedFile("big.jpg", big, "image/jpeg"))
    assert response.status_code == 200
    assert "too large" in response.content.decode()
    assert not Hazard.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize("side", [7000, 30000])  # over our limit; over Pillow's bomb limit
def test_a_decompression_bomb_is_refused_from_its_header(client, cast, media, side):
    bomb = png_header(side, side)
    assert len(bomb) < 200_000
    response = report(client, cast, SimpleUploadedFile("bomb.png", bomb, "image/png"))
    assert response.status_code == 200
    assert "too many pixels" in response.content.decode()
    assert not Hazard.objects.exists() and stored_files(media) == []


def test_a_dot_dot_filename_means_nothing(client, cast, media):
    upload = SimpleUploadedFile("../../../etc/passwd.jpg", jpeg(), "image/jpeg")
    assert report(client, cast, upload).status_code == 302
    (path,) = stored_files(media)
    assert path.resolve().is_relative_to(media.resolve())
    assert "passwd" not in path.name and path.suffix == ".jpg"


def test_a_very_large_photo_is_downscaled_and_a_transparent_png_flattened(client, cast, media):
    out = io.BytesIO()
    Image.new("RGBA", (4000, 1000), (0, 0, 255, 0)).save(out, "PNG")
    assert (
        report(client, cast, SimpleUploadedFile("a.png", out.getvalue(), "image/png")).status_code
        == 302
    )
    (path,) = stored_files(media)
    stored = Image.open(path)
    assert stored.format == "JPEG" and stored.size == (MAX_SIDE, MAX_SIDE // 4)


def test_photos_are_served_only_to_their_schools_staff(client, cast, media):
    report(client, cast, SimpleUploadedFile("a.jpg", jpeg(), "image/jpeg"))
    photo = EvidencePhoto.objects.get()
    url = reverse("logbook:photo", args=[photo.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(cast.other_teacher.user)
    assert client.get(url).status_code == 404
    client.force_login(cast.official.user)
    assert client.get(url).status_code in (403, 404)
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert not str(photo.file.name).startswith("/")
