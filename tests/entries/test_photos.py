"""Photo intake: what is refused (and why, in words a person understands), what is
taken, and that what we serve is re-encoded pixels with no metadata at all.

Every image is made here, with Pillow and pillow_heif; nothing is downloaded.
"""

from __future__ import annotations

import functools
import io
import random
import re
import struct
import uuid
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image, ImageCms

from tasuki.entries import photos, services
from tasuki.entries.models import Entry, Photo, PhotoStatus, private_storage
from tests.factories import entry_data

pytestmark = pytest.mark.django_db

ORIENTATION = ExifTags.Base.Orientation
GPS_IFD = ExifTags.IFD.GPSInfo
RED, BLUE = (220, 20, 20), (20, 20, 220)

EMPTY = "This file is empty (0 bytes). Please choose the photo again."
NOT_A_PHOTO = (
    "This file is not a photo we can read, whatever its name says. "
    "Please choose a JPEG, PNG, WebP or HEIC photo."
)
GIF = (
    "GIF files are not accepted: a GIF keeps at most 256 colours, which spoils a photo, and "
    "an animated one cannot be shown as a single picture. Please choose a JPEG, PNG, WebP or "
    "HEIC photo."
)
MARKUP = (
    "This file is a web page or a drawing (HTML or SVG), not a photo. "
    "Please choose a JPEG, PNG, WebP or HEIC photo."
)
DAMAGED = (
    "This photo is damaged or incomplete (perhaps it did not finish copying). "
    "Please choose it again or pick another."
)
BOMB = "This image has too many pixels to be a photo. Please choose a smaller image."
TEN_THOUSAND_SQUARED = (
    "This image is 10,000 × 10,000 pixels; the limit is 50 megapixels. "
    "Please choose a smaller image."
)


# --- images, made here ------------------------------------------------------------


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def scene(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """A deterministic picture with some detail (gradients and stripes)."""
    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.merge(
        "RGB",
        (
            ramp,
            ramp.transpose(Image.Transpose.ROTATE_90).resize(ramp.size),
            Image.new("L", (width, height), 90),
        ),
    )
    for x in range(0, width, 40):
        image.paste((250, 250, 250), (x, 0, x + 6, height))
    return image.convert(mode)


def halves(width: int, height: int) -> Image.Image:
    """Left half red, right half blue: shows which way a picture was turned."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    return image


def noise_jpeg(width: int, height: int) -> bytes:
    """Incompressible (but repeatable) pixels: a big JPEG from a small picture."""
    pixels = random.Random(f"{width}x{height}").randbytes(width * height * 3)
    return encode(Image.frombytes("RGB", (width, height), pixels), "JPEG", quality=95)


def exif_with_gps(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ExifTags.Base.Model] = "iPhone 15"
    exif[ExifTags.Base.ImageDescription] = "Behind the finish tent"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (35.0, 40.0, 52.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (139.0, 45.0, 36.0)
    gps[ExifTags.GPS.GPSProcessingMethod] = b"ASCII\x00\x00\x00GPS"
    return exif.tobytes()


XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
    b'xmp:CreatorTool="Camera"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
SRGB_ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_metadata(width: int = 1000, height: int = 700) -> bytes:
    """A phone JPEG as it leaves the phone: EXIF with GPS, XMP, an ICC profile."""
    return encode(
        scene(width, height),
        "JPEG",
        quality=90,
        exif=exif_with_gps(),
        xmp=XMP,
        icc_profile=SRGB_ICC,
    )


def iphone_heic(width: int = 400, height: int = 200) -> bytes:
    """What an iPhone sends: HEIC, turned by EXIF Orientation 6, with GPS."""
    return encode(halves(width, height), "HEIF", exif=exif_with_gps(orientation=6), quality=90)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def bomb_png() -> bytes:
    """A valid 30000 × 30000 black-and-white PNG: 900 megapixels in ~100 KB."""
    side = 30_000
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + side // 8)  # filter byte + one bit a pixel
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


@functools.cache
def ten_thousand_squared_png() -> bytes:
    return encode(Image.new("L", (10_000, 10_000), 128), "PNG", optimize=True)


def truncated_jpeg() -> bytes:
    whole = encode(scene(800, 600), "JPEG", quality=90)
    return whole[: len(whole) // 2]


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<script>alert(1)</script><rect width="100" height="100"/></svg>\n'
)
HTML = (
    b"<!DOCTYPE html>\n<html><head><title>photo</title></head>"
    b"<body><img src=x onerror=alert(1)></body></html>\n"
)

#: (file name, bytes, code, message): each refused for its own reason.
REFUSALS = {
    "pdf_named_jpg": ("race.jpg", lambda: PDF, "unsupported_type", NOT_A_PHOTO),
    "text_named_jpg": (
        "race.jpg",
        lambda: b"Just some notes.\n" * 20,
        "unsupported_type",
        NOT_A_PHOTO,
    ),
    "gif": ("cheer.gif", lambda: encode(scene(64, 48), "GIF"), "gif", GIF),
    "gif_named_jpg": ("cheer.jpg", lambda: encode(scene(64, 48), "GIF"), "gif", GIF),
    "truncated_jpeg": ("half.jpg", truncated_jpeg, "damaged", DAMAGED),
    "empty": ("empty.jpg", lambda: b"", "empty", EMPTY),
    "svg_named_png": ("drawing.png", lambda: SVG, "markup", MARKUP),
    "html_named_jpg": ("page.jpg", lambda: HTML, "markup", MARKUP),
    "decompression_bomb": ("bomb.png", bomb_png, "too_many_pixels", BOMB),
    "ten_thousand_squared": (
        "huge.png",
        ten_thousand_squared_png,
        "too_many_pixels",
        TEN_THOUSAND_SQUARED,
    ),
}


# --- helpers ------------------------------------------------------------------------


def inspect_bytes(data: bytes) -> photos.PhotoInfo:
    with translation.override("en"):
        return photos.inspect(io.BytesIO(data), size=len(data))


def refusal(data: bytes) -> tuple[str, str]:
    with translation.override("en"):
        with pytest.raises(photos.PhotoError) as caught:
            photos.inspect(io.BytesIO(data), size=len(data))
        return caught.value.code, str(caught.value.message)


def url_in(lang: str, name: str, *args) -> str:
    """The URL under /ja/ or /en/, whatever language an earlier request left active."""
    with translation.override(lang):
        url = reverse(name, args=args)
    assert url.startswith(f"/{lang}/")
    return url


def upload(client, campaign, name: str, data: bytes, *, key=None, lang: str = "en"):
    """Upload as the form's script does: with the draft's key and a solved robot check."""
    from tests.conftest import solve_altcha

    url = url_in(lang, "entries:upload_photo", campaign.slug)
    return client.post(
        url,
        {
            "photo": SimpleUploadedFile(name, data),
            "submission_key": str(key or uuid.uuid4()),
            "altcha": solve_altcha(),
        },
        headers={"X-Tasuki-Fetch": "1"},
    )


def remove(client, campaign, token: str, key) -> dict:
    url = url_in("en", "entries:remove_photo", campaign.slug)
    return client.post(
        url, {"token": token, "submission_key": str(key)}, headers={"X-Tasuki-Fetch": "1"}
    ).json()


def stored_files(settings) -> list[str]:
    root = Path(settings.STORAGES["private"]["OPTIONS"]["location"])
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def rendition_bytes(photo: Photo) -> dict[tuple[int, str], bytes]:
    storage = private_storage()
    out = {}
    for width, entry in photo.renditions.items():
        for fmt in ("webp", "jpeg"):
            with storage.open(entry[fmt], "rb") as f:
                out[(int(width), fmt)] = f.read()
    return out


def jpeg_markers(data: bytes) -> list[int]:
    """The segment markers of a JPEG, from SOI up to the start of the pixels."""
    assert data[:2] == b"\xff\xd8"
    markers, at = [], 2
    while True:
        marker = data[at + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: only entropy-coded pixels follow
            return markers
        at += 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]


def webp_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, at = [], 12
    while at < len(data):
        kind, length = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        chunks.append(kind)
        at += 8 + length + (length & 1)
    return chunks


#: What Pillow reports for a JPEG / WebP that carries nothing but pixels.
PLAIN_INFO = {
    "jpeg": {"jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive", "progression"},
    "webp": {"loop", "background"},
}


def assert_no_metadata(data: bytes, fmt: str) -> Image.Image:
    """Re-open a served rendition and check it carries pixels only; return it."""
    image = Image.open(io.BytesIO(data))
    assert image.format == {"jpeg": "JPEG", "webp": "WEBP"}[fmt]
    assert dict(image.getexif()) == {}
    assert image.getexif().get_ifd(GPS_IFD) == {}
    assert set(image.info) == PLAIN_INFO[fmt]  # no exif, xmp, icc_profile, comment, dpi
    if fmt == "jpeg":
        app_segments = [m for m in jpeg_markers(data) if 0xE1 <= m <= 0xEF or m == 0xFE]
        assert app_segments == []  # only APP0 (JFIF): no EXIF, XMP, ICC, IPTC, comment
    else:
        assert webp_chunks(data) == [b"VP8 "]  # the simple format: no EXIF/XMP/ICCP chunk
    for needle in (b"Exif", b"GPS", b"http://ns.adobe.com/xap", b"Apple", b"finish tent"):
        assert (needle in data) is False, needle
    image.load()
    return image


# --- refusals: through inspect and through the upload endpoint --------------------------


@pytest.mark.parametrize("case", REFUSALS)
def test_inspect_refuses_with_code_and_message(case):
    _, make, code, message = REFUSALS[case]
    assert refusal(make()) == (code, message)


@pytest.mark.parametrize("case", REFUSALS)
def test_upload_refuses_with_code_and_message_and_stores_nothing(client, campaign, settings, case):
    name, make, code, message = REFUSALS[case]
    response = upload(client, campaign, name, make())
    assert response.status_code == 400
    assert response.json() == {"ok": False, "code": code, "message": message}
    assert Photo.objects.count() == 0
    assert stored_files(settings) == []


def test_inspect_refuses_file_over_size_limit(settings):
    settings.TASUKI_PHOTO_MAX_BYTES = 200_000
    data = noise_jpeg(600, 400)
    assert 200_000 < len(data) < 400_000
    code, message = refusal(data)
    size = f"{-(-len(data) * 100 // 1_048_576) / 100:.2f}".rstrip("0")
    assert (code, message) == (
        "too_large",
        f"This photo is {size} MB; the limit is 0.19 MB. Please choose a smaller one.",
    )


def test_upload_refuses_file_over_size_limit_and_stores_nothing(client, campaign, settings):
    settings.TASUKI_PHOTO_MAX_BYTES = 200_000
    data = noise_jpeg(600, 400)  # over the limit, under the early check's allowance
    response = upload(client, campaign, "big.jpg", data)
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert response.json()["message"].endswith("the limit is 0.19 MB. Please choose a smaller one.")
    assert Photo.objects.count() == 0
    assert stored_files(settings) == []


def test_upload_far_over_size_limit_is_answered_413_from_content_length(client, campaign, settings):
    settings.TASUKI_PHOTO_MAX_BYTES = 200_000
    data = noise_jpeg(800, 600)
    assert len(data) > 200_000 + 256 * 1024  # past the allowance for the form around it
    response = upload(client, campaign, "big.jpg", data)
    assert response.status_code == 413
    body = response.json()
    assert (body["ok"], body["code"]) == (False, "too_large")
    assert body["message"].startswith("This photo is ")
    assert body["message"].endswith("Please choose a smaller one.")
    assert Photo.objects.count() == 0
    assert stored_files(settings) == []


def test_upload_refusal_message_is_japanese_under_ja(client, campaign, settings):
    response = upload(client, campaign, "empty.jpg", b"", lang="ja")
    body = response.json()
    assert (response.status_code, body["code"]) == (400, "empty")
    assert re.search("写真|ファイル", body["message"]) is not None, body["message"]
    assert Photo.objects.count() == 0


# --- accepted photos ------------------------------------------------------------------


def test_rendition_widths_are_configured_widths_no_wider_than_original():
    assert photos.rendition_widths(4032) == [480, 960, 1600]
    assert photos.rendition_widths(1600) == [480, 960, 1600]
    assert photos.rendition_widths(1000) == [480, 960]
    assert photos.rendition_widths(300) == [300]


def test_inspect_accepts_jpeg_png_webp_heic_and_camera_mpo():
    jpeg = encode(scene(640, 480), "JPEG", quality=90)
    png = encode(scene(320, 200, "RGBA"), "PNG")
    webp = encode(scene(300, 200), "WEBP", quality=80)
    heic = iphone_heic(400, 200)
    mpo = encode(scene(640, 480), "MPO", save_all=True, append_images=[scene(320, 240)])
    found = {
        name: (info.format, info.width, info.height, info.size_bytes)
        for name, info in {
            "jpeg": inspect_bytes(jpeg),
            "png": inspect_bytes(png),
            "webp": inspect_bytes(webp),
            "heic": inspect_bytes(heic),
            "mpo": inspect_bytes(mpo),
        }.items()
    }
    assert found == {
        "jpeg": ("JPEG", 640, 480, len(jpeg)),
        "png": ("PNG", 320, 200, len(png)),
        "webp": ("WEBP", 300, 200, len(webp)),
        "heic": ("HEIF", 200, 400, len(heic)),  # as shown: turned upright
        "mpo": ("JPEG", 640, 480, len(mpo)),
    }


def test_inspect_reports_turned_jpeg_as_shown():
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    info = inspect_bytes(encode(halves(400, 200), "JPEG", exif=exif.tobytes()))
    assert (info.width, info.height) == (200, 400)


@pytest.mark.parametrize(
    ("name", "make", "fmt", "size", "widths"),
    [
        (
            "photo.jpg",
            lambda: encode(scene(2000, 1000), "JPEG", quality=88),
            "JPEG",
            (2000, 1000),
            [480, 960, 1600],
        ),
        (
            "alpha.png",
            lambda: encode(scene(1000, 600, "RGBA"), "PNG"),
            "PNG",
            (1000, 600),
            [480, 960],
        ),
        (
            "photo.webp",
            lambda: encode(scene(600, 400), "WEBP", quality=85),
            "WEBP",
            (600, 400),
            [480],
        ),
        ("IMG_0001.HEIC", iphone_heic, "HEIF", (200, 400), [200]),
    ],
    ids=["jpeg", "png_alpha", "webp", "heic"],
)
def test_upload_accepts_photo_and_worker_makes_clean_renditions(
    client, campaign, settings, worker, name, make, fmt, size, widths
):
    data = make()
    response = upload(client, campaign, name, data)
    assert response.status_code == 200, response.content
    body = response.json()
    photo = Photo.objects.get()
    assert body == {
        "ok": True,
        "token": photo.token,
        "width": size[0],
        "height": size[1],
        "format": fmt,
    }
    assert (photo.status, photo.size_bytes) == (PhotoStatus.UPLOADED, len(data))

    worker()

    photo.refresh_from_db()
    assert photo.status == PhotoStatus.READY
    assert sorted(int(w) for w in photo.renditions) == widths
    served = rendition_bytes(photo)
    assert sorted(served) == sorted((w, f) for w in widths for f in ("webp", "jpeg"))
    for (width, fmt_name), rendition in served.items():
        image = assert_no_metadata(rendition, fmt_name)
        expected_height = round(size[1] * width / size[0])
        assert (image.mode, image.size) == ("RGB", (width, expected_height))
        assert photo.renditions[str(width)]["height"] == expected_height
    assert [path for path in stored_files(settings) if name in path] == []  # never its name


def test_png_alpha_is_flattened_onto_white(client, campaign):
    image = Image.new("RGBA", (600, 300), (0, 0, 0, 0))  # fully transparent…
    image.paste((20, 20, 220, 255), (300, 0, 600, 300))  # …but for an opaque blue right half
    upload(client, campaign, "logo.png", encode(image, "PNG"))
    photo = services.process_photo(Photo.objects.get().pk)
    rendition = Image.open(io.BytesIO(rendition_bytes(photo)[(480, "jpeg")])).convert("RGB")
    left, right = rendition.getpixel((60, 150)), rendition.getpixel((420, 150))
    assert [round(c / 16) for c in left] == [16, 16, 16]  # white, give or take JPEG
    assert [round(c / 16) for c in right] == [1, 1, 14]


def test_sixteen_bit_grey_png_keeps_its_greys(client, campaign):
    upload(client, campaign, "scan.png", encode(Image.new("I;16", (600, 300), 32896), "PNG"))
    photo = services.process_photo(Photo.objects.get().pk)
    rendition = Image.open(io.BytesIO(rendition_bytes(photo)[(480, "jpeg")])).convert("RGB")
    assert [round(c / 8) for c in rendition.getpixel((240, 120))] == [16, 16, 16]  # mid-grey


def served_renditions(client, campaign, altcha_payload, worker, name: str, data: bytes):
    """Upload, submit an entry with the photo, run the worker, fetch each rendition as its
    owner does (through the manage link): {(width, fmt): bytes}, and the photo."""
    key = uuid.uuid4()
    token = upload(client, campaign, name, data, key=key).json()["token"]
    url = url_in("en", "entries:enter", campaign.slug)
    body = client.post(
        url,
        entry_data(submission_key=str(key), altcha=altcha_payload(), photo_tokens=[token]),
        headers={"X-Tasuki-Fetch": "1"},
    ).json()
    assert body["ok"] is True, body
    worker()
    entry = Entry.objects.get(receipt=body["receipt"])
    photo = entry.photos.get()
    assert photo.status == PhotoStatus.READY
    manage_token = services.issue_manage_token(entry)
    served = {}
    for width in photo.renditions:
        for fmt in ("webp", "jpeg"):
            response = client.get(
                url_in("en", "entries:manage_photo", manage_token, photo.token, width, fmt)
            )
            assert response.status_code == 200
            assert response["Content-Type"] == f"image/{fmt}"
            served[(int(width), fmt)] = b"".join(response.streaming_content)  # closes it
    return served, photo


def test_served_renditions_of_iphone_heic_are_upright_and_carry_no_metadata(
    client, campaign, altcha_payload, worker
):
    data = iphone_heic(400, 200)
    source = Image.open(io.BytesIO(data))
    assert source.info["exif"].count(b"GPS") == 1  # the original does carry GPS
    served, photo = served_renditions(client, campaign, altcha_payload, worker, "IMG.HEIC", data)
    assert sorted(served) == [(200, "jpeg"), (200, "webp")]
    for (_, fmt), rendition in served.items():
        image = assert_no_metadata(rendition, fmt).convert("RGB")
        assert image.size == (200, 400)  # portrait: height > width
        top, bottom = image.getpixel((100, 50)), image.getpixel((100, 350))
        assert [round(c / 32) for c in top] == [round(c / 32) for c in RED]  # left went up
        assert [round(c / 32) for c in bottom] == [round(c / 32) for c in BLUE]
    assert (photo.width, photo.height) == (200, 400)


def test_served_renditions_of_jpeg_with_gps_and_xmp_carry_none(
    client, campaign, altcha_payload, worker
):
    data = jpeg_with_metadata(1000, 700)
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(GPS_IFD)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert (b"http://ns.adobe.com/xap" in data, "icc_profile" in source.info) == (True, True)
    served, _ = served_renditions(client, campaign, altcha_payload, worker, "DSC.jpg", data)
    assert sorted(served) == [(480, "jpeg"), (480, "webp"), (960, "jpeg"), (960, "webp")]
    for (_, fmt), rendition in served.items():
        assert_no_metadata(rendition, fmt)


def test_turned_jpeg_renditions_are_upright(client, campaign):
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    upload(client, campaign, "turned.jpg", encode(halves(1000, 500), "JPEG", exif=exif.tobytes()))
    photo = services.process_photo(Photo.objects.get().pk)
    image = Image.open(io.BytesIO(rendition_bytes(photo)[(480, "jpeg")])).convert("RGB")
    assert image.size == (480, 960)
    assert [round(c / 32) for c in image.getpixel((240, 100))] == [round(c / 32) for c in RED]
    assert [round(c / 32) for c in image.getpixel((240, 860))] == [round(c / 32) for c in BLUE]


def test_photo_with_mistyped_exif_tag_is_still_processed(client, campaign, settings):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Apple"
    exif[ORIENTATION] = 6
    raw = exif.tobytes()
    # Make (0x010F) relabelled ImageWidth (0x0100), still as text: Pillow cannot write it back.
    broken = raw.replace(b"\x01\x0f\x00\x02", b"\x01\x00\x00\x02", 1)
    assert broken != raw
    response = upload(client, campaign, "odd.jpg", encode(scene(600, 300), "JPEG", exif=broken))
    assert response.status_code == 200, response.content
    photo = services.process_photo(Photo.objects.get().pk)
    assert photo.status == PhotoStatus.READY
    for (_, fmt), rendition in rendition_bytes(photo).items():
        assert_no_metadata(rendition, fmt)


# --- removing a photo before submitting ------------------------------------------------


def test_remove_photo_deletes_pending_photo_and_its_files(
    client, campaign, settings, django_capture_on_commit_callbacks
):
    key = uuid.uuid4()
    token = upload(client, campaign, "a.jpg", encode(scene(1000, 500), "JPEG"), key=key).json()[
        "token"
    ]
    services.process_photo(Photo.objects.get(token=token).pk)
    assert len(stored_files(settings)) == 1 + 2 * 2  # original + two widths × two formats
    with django_capture_on_commit_callbacks(execute=True):
        assert remove(client, campaign, token, key) == {"ok": True}
    assert Photo.objects.count() == 0
    assert stored_files(settings) == []


def test_remove_photo_of_another_submission_is_refused(
    client, campaign, settings, django_capture_on_commit_callbacks
):
    owner = uuid.uuid4()
    token = upload(client, campaign, "a.jpg", encode(scene(640, 480), "JPEG"), key=owner).json()[
        "token"
    ]
    files = stored_files(settings)
    with django_capture_on_commit_callbacks(execute=True):
        assert remove(client, campaign, token, uuid.uuid4()) == {"ok": False}
        assert remove(client, campaign, token, "not-a-key") == {"ok": False}
    assert list(Photo.objects.values_list("token", "submission_key")) == [(token, owner)]
    assert len(files) == 1  # the original, untouched
    assert stored_files(settings) == files
