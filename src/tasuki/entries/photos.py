"""Photo intake: decide what a file is from its bytes, refuse what is not a
photo with a message a person understands, and re-encode what is.

Nothing an entrant uploads is ever served as uploaded. :func:`make_renditions`
decodes the image, applies the EXIF orientation, converts to sRGB and writes
fresh WebP and JPEG files of a few widths that carry no metadata at all (no
EXIF, GPS, XMP or maker notes): the encoder is given only pixels.
:func:`make_full_size` does the same at full size, for publishing; after both,
the worker deletes the upload itself.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass
from typing import IO

import pillow_heif
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from tasuki.core.errors import EntrantError

pillow_heif.register_heif_opener()

#: The formats we accept, by what Pillow calls them, and what entrants call them.
ACCEPTED = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "HEIF": "HEIC/HEIF"}
#: What Pillow (and pillow_heif) call formats we take under another name: a camera's
#: MPO is a JPEG with a second picture appended, and is shown as that JPEG.
_SAME_AS = {"MPO": "JPEG", "HEIC": "HEIF"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
#: EXIF orientations that turn the picture a quarter: width and height swap.
_QUARTER_TURNS = {5, 6, 7, 8}


class PhotoError(EntrantError, ValueError):
    """A photo we cannot take, with a translated message for the entrant."""

    field = "photos"


@dataclass(frozen=True)
class PhotoInfo:
    format: str
    width: int
    height: int
    size_bytes: int
    sha256: str


def sniff(head: bytes) -> str | None:
    """The image format the first bytes announce, whatever the file is called."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and (
        head[8:12] in _HEIF_BRANDS or any(b in head[16:64] for b in _HEIF_BRANDS)
    ):
        return "HEIF"
    return None


def _looks_like_markup(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<", b"<?xml")) and any(
        tag in text for tag in (b"<svg", b"<html", b"<!doctype", b"<?xml", b"<body", b"<script")
    )


def _megapixels(n: int) -> str:
    return f"{n / 1_000_000:.0f}"


def _megabytes(n: int, *, rounding=math.floor) -> str:
    """``n`` bytes in MB, to at most two decimals ("20", "0.19", "20.04").

    A size is rounded up and a limit down, so a file over the limit never reads
    as no bigger than the limit ("20.0 MB; the limit is 20 MB").
    """
    hundredths = rounding(n * 100 / 1_048_576)
    return f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")


def too_large(size: int) -> PhotoError:
    """The refusal for a photo of ``size`` bytes over the configured limit."""
    return PhotoError(
        "too_large",
        _("This photo is %(size)s MB; the limit is %(limit)s MB. Please choose a smaller one.")
        % {
            "size": _megabytes(size, rounding=math.ceil),
            "limit": _megabytes(settings.TASUKI_PHOTO_MAX_BYTES),
        },
    )


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 when absent or unreadable: then nothing is turned)."""
    try:
        return int(image.getexif().get(ExifTags.Base.Orientation) or 1)
    except Exception:  # metadata we cannot read is metadata we ignore
        return 1


def inspect(file: IO[bytes], *, size: int) -> PhotoInfo:
    """Check an upload is a photo we can take; raise :class:`PhotoError` if not.

    The whole image is decoded once (cheaply, at reduced scale for JPEG) so that
    a truncated or damaged file is refused now, while the entrant can still
    pick another, rather than failing later in the worker.
    """
    if size == 0:
        raise PhotoError("empty", _("This file is empty (0 bytes). Please choose the photo again."))
    if size > settings.TASUKI_PHOTO_MAX_BYTES:
        raise too_large(size)
    file.seek(0)
    head = file.read(1024)
    kind = sniff(head[:64])
    if kind is None and head.startswith((b"GIF87a", b"GIF89a")):
        raise PhotoError(
            "gif",
            _(
                "GIF files are not accepted: a GIF keeps at most 256 colours, which spoils a "
                "photo, and an animated one cannot be shown as a single picture. Please choose "
                "a JPEG, PNG, WebP or HEIC photo."
            ),
        )
    if kind is None:
        if _looks_like_markup(head):
            raise PhotoError(
                "markup",
                _(
                    "This file is a web page or a drawing (HTML or SVG), not a photo. "
                    "Please choose a JPEG, PNG, WebP or HEIC photo."
                ),
            )
        raise PhotoError(
            "unsupported_type",
            _(
                "This file is not a photo we can read, whatever its name says. "
                "Please choose a JPEG, PNG, WebP or HEIC photo."
            ),
        )
    file.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: file.read(1 << 20), b""):
        digest.update(chunk)
    file.seek(0)
    max_pixels = settings.TASUKI_PHOTO_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Our own limit (below) decides, and names the size; Pillow's warning
            # would refuse some images with a vaguer message. Pillow's hard limit
            # (DecompressionBombError, at twice its warning) still applies.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(file)
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoError(
                    "too_many_pixels",
                    _(
                        "This image is %(width)s × %(height)s pixels; the limit is %(limit)s "
                        "megapixels. Please choose a smaller image."
                    )
                    % {
                        "width": f"{width:,}",
                        "height": f"{height:,}",
                        "limit": _megapixels(max_pixels),
                    },
                )
            if image.format in {"JPEG", "MPO"}:
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except PhotoError:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoError(
            "too_many_pixels",
            _("This image has too many pixels to be a photo. Please choose a smaller image."),
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoError(
            "damaged",
            _(
                "This photo is damaged or incomplete (perhaps it did not finish copying). "
                "Please choose it again or pick another."
            ),
        ) from exc
    finally:
        file.seek(0)
    fmt = _SAME_AS.get(image.format, image.format)
    if fmt not in ACCEPTED or fmt != kind:
        raise PhotoError(
            "unsupported_type",
            _(
                "This file is not a photo we can read, whatever its name says. "
                "Please choose a JPEG, PNG, WebP or HEIC photo."
            ),
        )
    if _orientation(image) in _QUARTER_TURNS:
        width, height = height, width  # as the photo is shown (and its renditions made)
    return PhotoInfo(
        format=fmt, width=width, height=height, size_bytes=size, sha256=digest.hexdigest()
    )


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels in sRGB, alpha flattened onto white: what every browser shows alike."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode in ("I", "I;16", "I;16L", "I;16B"):
        # 16-bit grey (PNG): scale to 8 bits; a plain convert would clip it to white.
        image = image.convert("I").point(lambda v: v * (1 / 257)).convert("L").convert("RGB")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the pixels are still good enough as they are
    return image


def rendition_widths(original_width: int) -> list[int]:
    """The configured widths no wider than the original (at least one)."""
    widths = [w for w in settings.TASUKI_PHOTO_WIDTHS if w <= original_width]
    return widths or [original_width]


def make_renditions(source: IO[bytes], *, name: str, storage: Storage) -> dict:
    """Write metadata-free WebP + JPEG renditions of ``source``; return their paths.

    ``name`` is the random stem the files get (never the entrant's file name).
    A phone JPEG is decoded at the smallest of 1/8, 1/4, 1/2 or full scale that
    still covers the widest rendition, and each smaller rendition is made from
    the one above it: the worker then spends a fraction of the time of a full
    decode and three full-size resizes, and the pixels are the same to the eye.
    """
    with Image.open(source) as opened:
        stored_w, stored_h = opened.size
        turned = _orientation(opened) in _QUARTER_TURNS
        shown_w, shown_h = (stored_h, stored_w) if turned else (stored_w, stored_h)
        widths = sorted(rendition_widths(shown_w), reverse=True)
        if opened.format in {"JPEG", "MPO"} and widths[0] < shown_w:
            scale = widths[0] / shown_w
            opened.draft(None, (math.ceil(stored_w * scale), math.ceil(stored_h * scale)))
        opened.load()
        try:
            image = ImageOps.exif_transpose(opened)  # applies and drops the Orientation tag
        except Exception:  # EXIF Pillow cannot rewrite (struct.error, TypeError):
            image = opened.copy()  # the pixels stay as stored
        image = _to_srgb(image)
    # Building fresh images from raw pixels guarantees no metadata can ride along.
    image = Image.frombytes("RGB", image.size, image.tobytes())
    out: dict[str, dict] = {}
    written: list[str] = []
    try:
        for width in widths:
            height = max(1, round(shown_h * width / shown_w))
            if image.size != (width, height):
                image = image.resize((width, height), Image.LANCZOS, reducing_gap=3.0)
            entry: dict = {"width": width, "height": height}
            for fmt, ext, params in _ENCODINGS:
                buffer = io.BytesIO()
                image.save(buffer, **params)
                path = storage.save(
                    f"photos/web/{name[:2]}/{name}-{width}.{ext}", ContentFile(buffer.getvalue())
                )
                written.append(path)
                entry[fmt] = path
            out[str(width)] = entry
    except BaseException:
        # A failure half-way leaves nothing behind: no row will ever name these files.
        for path in written:
            storage.delete(path)
        raise
    return dict(sorted(out.items(), key=lambda item: int(item[0])))


_ENCODINGS = (
    ("webp", "webp", {"format": "WEBP", "quality": 80, "method": 4}),
    ("jpeg", "jpg", {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True}),
)


def _pixels(source: IO[bytes]) -> Image.Image:
    """The full-size picture as shown (orientation applied, sRGB), from pixels only."""
    with Image.open(source) as opened:
        opened.load()
        try:
            image = ImageOps.exif_transpose(opened)
        except Exception:  # EXIF Pillow cannot rewrite: the pixels stay as stored
            image = opened.copy()
        image = _to_srgb(image)
    return Image.frombytes("RGB", image.size, image.tobytes())


def make_full_size(source: IO[bytes], *, name: str, storage: Storage) -> str:
    """Write a full-size JPEG of ``source`` that carries no metadata; return its path.

    This is the copy kept for publishing once the uploaded original, with its
    EXIF, GPS position, camera details and comments, is deleted. Like the
    renditions it is encoded from raw pixels, so nothing else can ride along.
    """
    image = _pixels(source)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=92, optimize=True)
    return storage.save(f"photos/full/{name[:2]}/{name}.jpg", ContentFile(buffer.getvalue()))
