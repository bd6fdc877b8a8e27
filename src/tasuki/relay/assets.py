"""What publishing puts in the public storage: photo renditions and preview cards.

Everything is encoded again from pixels (never a copied file), from the entry
photo's metadata-free full-size copy, so no original and no metadata is ever
public. Cards are drawn with IPAexGothic, an open font that ships inside a pip
package (``matplotlib-fontja``), so Japanese titles render on any machine.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import secrets
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from PIL import Image, ImageDraw, ImageFont, ImageOps

from tasuki.entries import photos as photo_lib
from tasuki.entries.models import Photo, private_storage

#: The size social networks expect of a preview card (1.91 : 1).
CARD_SIZE = (1200, 630)
#: The wide picture at the top of a story page (16 : 9), cropped around the focal point.
WIDE_SIZE = (1600, 900)
_INK = (255, 255, 255)
_SASH = (196, 30, 58)  # the brand's sash red


@functools.cache
def font_path() -> Path:
    """IPAexGothic from the ``matplotlib-fontja`` package (found without importing it)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The font package matplotlib-fontja is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path()), size)


def crop_box(
    width: int, height: int, ratio: float, focal_x: float, focal_y: float
) -> tuple[int, int, int, int]:
    """The largest box of aspect ``ratio`` inside the picture, centred on the focal
    point as far as the edges allow."""
    if width / height > ratio:
        box_w, box_h = round(height * ratio), height
    else:
        box_w, box_h = width, round(width / ratio)
    left = min(max(0, round(focal_x * width - box_w / 2)), width - box_w)
    top = min(max(0, round(focal_y * height - box_h / 2)), height - box_h)
    return left, top, left + box_w, top + box_h


def _read_full_size(photo: Photo) -> tuple[bytes, Image.Image]:
    with private_storage().open(photo.full_size, "rb") as source:
        data = source.read()
    with Image.open(io.BytesIO(data)) as opened:
        opened.load()
        image = opened.convert("RGB")
    # From raw pixels: nothing but the picture goes on.
    return data, Image.frombytes("RGB", image.size, image.tobytes())


def _save(storage: Storage, path: str, image: Image.Image, **params) -> str:
    buffer = io.BytesIO()
    image.save(buffer, **params)
    return storage.save(path, ContentFile(buffer.getvalue()))


def publish_photo(
    photo: Photo, *, focal_x: Decimal, focal_y: Decimal, storage: Storage, folder: str
) -> tuple[dict, Image.Image]:
    """Renditions of ``photo`` in ``storage``; returns them and the wide crop (for the card)."""
    data, image = _read_full_size(photo)
    name = secrets.token_urlsafe(12)
    # make_renditions re-encodes from pixels too (and names files by a random stem).
    renditions = photo_lib.make_renditions(
        io.BytesIO(data), name=f"{folder}-{name}", storage=storage
    )
    box = crop_box(*image.size, WIDE_SIZE[0] / WIDE_SIZE[1], float(focal_x), float(focal_y))
    wide = image.crop(box)
    if wide.width > WIDE_SIZE[0]:
        wide = wide.resize(WIDE_SIZE, Image.LANCZOS)
    written = []
    try:
        entry = {"width": wide.width, "height": wide.height}
        entry["webp"] = _save(
            storage, f"stories/{folder}/{name}-wide.webp", wide, format="WEBP", quality=80
        )
        written.append(entry["webp"])
        entry["jpeg"] = _save(
            storage,
            f"stories/{folder}/{name}-wide.jpg",
            wide,
            format="JPEG",
            quality=82,
            optimize=True,
            progressive=True,
        )
        renditions["wide"] = entry
    except BaseException:
        for path in [*written, *_paths(renditions)]:
            storage.delete(path)
        raise
    return renditions, wide


def _paths(renditions: dict) -> list[str]:
    return [p for r in renditions.values() for k, p in r.items() if k in ("webp", "jpeg")]


#: Characters Japanese typesetting never starts a line with (kinsoku): closing
#: punctuation, the long-vowel mark and small kana stay with the character before.
_NO_LINE_START = frozenset("。、」』）】!?！？・ーゝゞ々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮ")


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Lines of ``text`` no wider than ``width``: at spaces where there are spaces,
    anywhere in Japanese (which has none), never starting a line with 。、」, ー or small kana."""
    lines: list[str] = []
    line = ""
    spaced = not any(ord(ch) >= 0x3000 for ch in text)
    pieces = text.split() if spaced else list(text)
    joiner = " " if spaced else ""
    for piece in pieces:
        candidate = f"{line}{joiner}{piece}" if line else piece
        if font.getlength(candidate) <= width or not line or piece in _NO_LINE_START:
            line = candidate
            continue
        lines.append(line)
        line = piece
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


def make_card(
    *,
    title: str,
    byline: str,
    km_text: str,
    campaign_name: str,
    picture: Image.Image | None,
    storage: Storage,
    path: str,
) -> str:
    """A 1200×630 JPEG: the title large, the km mark and the byline, over the photo."""
    width, height = CARD_SIZE
    if picture is not None:
        box = crop_box(*picture.size, width / height, 0.5, 0.5)
        card = ImageOps.fit(picture.crop(box), CARD_SIZE, Image.LANCZOS)
        shade = Image.new("RGB", CARD_SIZE, (16, 24, 40))
        card = Image.blend(card, shade, 0.62)
    else:
        card = Image.new("RGB", CARD_SIZE, (24, 38, 64))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, 24, height), fill=_SASH)
    margin = 80
    draw.text((margin, 64), km_text, font=_font(44), fill=(255, 214, 102))
    title_font = _font(64)
    y = 150
    for line in _wrap(title, title_font, width - 2 * margin, 4):
        draw.text((margin, y), line, font=title_font, fill=_INK)
        y += 86
    draw.text((margin, height - 130), byline, font=_font(36), fill=_INK)
    small = _font(28)
    draw.text(
        (margin, height - 76),
        _wrap(campaign_name, small, width - 2 * margin, 1)[0],
        font=small,
        fill=(210, 218, 230),
    )
    # JPEG: a quarter of PNG's encoding time and size; the title is large enough
    # that quality 88 keeps its edges clean.
    return _save(storage, path, card, format="JPEG", quality=88, progressive=True)


def delete_files(storage: Storage, paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):  # already gone: the goal is that it is not there
            storage.delete(path)


def rendition_paths(renditions: dict) -> list[str]:
    return _paths(renditions)
