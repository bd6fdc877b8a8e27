"""Once a photo is processed, no stored file keeps what the camera wrote into it."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from PIL import ExifTags, Image

from tasuki.entries import services
from tasuki.entries.models import Photo, PhotoStatus, private_storage

pytestmark = pytest.mark.django_db

COMMENT = b"Taken at home, 12 Sakura-dori"
CAMERA = "TasukiCam Z9"


def jpeg_with_gps_and_comment(width: int = 2400, height: int = 1600) -> bytes:
    image = Image.new("RGB", (width, height), (30, 140, 90))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (35.0, 41.0, 22.2)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (139.0, 41.0, 30.1)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=COMMENT)
    return buffer.getvalue()


def stored(settings) -> dict[str, bytes]:
    root = settings.STORAGES["private"]["OPTIONS"]["location"]
    out = {}
    for directory, _, files in os.walk(root):
        for name in files:
            with open(os.path.join(directory, name), "rb") as f:
                out[os.path.relpath(os.path.join(directory, name), root)] = f.read()
    return out


def test_no_stored_file_keeps_gps_camera_or_comment_after_processing(settings, worker):
    data = jpeg_with_gps_and_comment()
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry GPS …
    assert COMMENT in data and CAMERA.encode() in data  # … a comment and the camera
    photo = services.store_photo(submission_key=uuid.uuid4(), file=io.BytesIO(data), size=len(data))
    original = photo.original
    assert stored(settings)[original] == data  # kept byte for byte until processed

    worker()

    photo.refresh_from_db()
    assert photo.status == PhotoStatus.READY
    assert photo.original == "" and not private_storage().exists(original)
    files = stored(settings)
    assert photo.full_size in files and len(files) == 1 + 3 * 2  # full size + 3 widths × 2
    for path, content in files.items():
        assert COMMENT not in content, path
        assert CAMERA.encode() not in content, path
        assert b"Exif\x00\x00" not in content, path
        image = Image.open(io.BytesIO(content))
        assert not image.getexif(), path
        assert "comment" not in image.info and "exif" not in image.info, path
    full = Image.open(io.BytesIO(files[photo.full_size]))
    assert (full.format, full.size) == ("JPEG", (2400, 1600))  # full size, for publishing


def test_a_photo_that_cannot_be_converted_keeps_its_upload_for_staff(settings):
    data = jpeg_with_gps_and_comment(400, 300)
    photo = services.store_photo(
        submission_key=uuid.uuid4(), file=io.BytesIO(data), size=len(data), enqueue=False
    )
    with private_storage().open(photo.original, "wb") as f:
        f.write(data[: len(data) // 3])  # damaged after the check
    assert services.process_photo(photo.pk) is None
    photo = Photo.objects.get(pk=photo.pk)
    assert photo.status == PhotoStatus.FAILED
    assert list(stored(settings)) == [photo.original]  # nothing half-made beside it
