"""Photo checks: nudity, identifiable faces, the same photo elsewhere, too small.

Each reads ``document.photos`` (ready ``entries.Photo`` rows) and opens the
photo's metadata-free full-size JPEG from the private storage. A photo that
cannot be opened or decoded is never an error: it gets a LOW finding of the
check's own code asking a reviewer to look at it. ``check_texts`` has no
photos, so these checks find nothing there.

Models load once per process, lazily and under a lock: NudeNet's detector
(its ``320n.onnx`` ships inside the ``nudenet`` package) and OpenCV's bundled
Haar cascade (one classifier per thread: ``detectMultiScale`` keeps state).
Nothing is downloaded.

Measured per 12-megapixel JPEG (4032 × 3024) on one core, decoding included
(at reduced size through JPEG draft mode): NudeNet about 45 ms, the face
cascade about 35 ms, the two hashes about 18 ms; the size check reads no
file. Loading NudeNet's model takes about 0.2 s once per process.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop
from PIL import Image, ImageOps

from tasuki.review.checks.base import Check, Document, Finding, Session, Severity

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]

#: Larger than any photo the upload accepts; beyond this Pillow refuses (a decompression bomb).
MAX_PIXELS = 80_000_000


class Unreadable(Exception):
    """The photo's file is missing or no decoder could read it."""


def open_photo(photo: Any, *, size: int | None = None) -> Image.Image:
    """The photo as an RGB image, upright. With ``size``, a JPEG is decoded at
    the smallest scale (1/2, 1/4 or 1/8: JPEG draft mode, much faster) that
    keeps both sides at least ``size`` pixels. Raises :class:`Unreadable`."""
    from tasuki.entries.models import private_storage

    path = getattr(photo, "full_size", "") or ""
    if not path:
        raise Unreadable("no full-size file")
    try:
        with private_storage().open(path, "rb") as handle:
            image = Image.open(handle)
            if image.width * image.height > MAX_PIXELS:
                raise Unreadable("too many pixels")
            if size:
                image.draft("RGB", (size, size))
            image.load()
        image = ImageOps.exif_transpose(image)
        return image.convert("RGB")
    except Unreadable:
        raise
    except Exception as error:  # any decoder or storage failure: the photo is unreadable
        raise Unreadable(type(error).__name__) from error


def working_copy(image: Image.Image, longest: int) -> Image.Image:
    """``image`` scaled down (never up) to ``longest`` pixels on its longer side."""
    if max(image.size) <= longest:
        return image
    copy = image.copy()
    copy.thumbnail((longest, longest), Image.Resampling.BILINEAR)
    return copy


def fractions(box: Sequence[float], width: int, height: int) -> Box:
    """A pixel box (left, top, width, height) as fractions of the image, clipped to it."""
    left, top, w, h = (float(v) for v in box)
    left = min(max(left / width, 0.0), 1.0)
    top = min(max(top / height, 0.0), 1.0)
    return (left, top, min(w / width, 1.0 - left), min(h / height, 1.0 - top))


class PhotoCheck(Check):
    """What every photo check shares: the loop over photos and unreadable files."""

    reads_photos = True
    #: The code of this check's findings and the sentence for an unreadable photo.
    code = ""
    UNREADABLE = ""

    def check(self, document: Document, session: Session) -> Iterable[Finding]:
        findings: list[Finding] = []
        for photo in document.photos:
            try:
                findings.extend(self.check_photo(photo, document, session))
            except Unreadable as error:
                log.warning("photo %s could not be read (%s)", photo.pk, error)
                findings.append(
                    Finding(
                        code=self.code,
                        severity=Severity.LOW,
                        reason=self.UNREADABLE,
                        photo=photo.pk,
                    )
                )
        return findings

    @abc.abstractmethod
    def check_photo(self, photo: Any, document: Document, session: Session) -> list[Finding]:
        """The findings about one photo."""


# --- nudity ---------------------------------------------------------------------------

#: NudeNet's classes that are nudity. Covered parts, faces, feet, bellies,
#: armpits and a bare male chest (a runner without a shirt) are not.
EXPOSED = frozenset(
    {
        "FEMALE_BREAST_EXPOSED",
        "FEMALE_GENITALIA_EXPOSED",
        "MALE_GENITALIA_EXPOSED",
        "BUTTOCKS_EXPOSED",
        "ANUS_EXPOSED",
    }
)

_nudenet_lock = threading.Lock()


@cache
def _nudenet_detector() -> Any:
    from nudenet import NudeDetector

    return NudeDetector()


def nudenet_detect(image: np.ndarray) -> list[dict[str, Any]]:
    """NudeNet's detections on an RGB array: ``[{"class", "score", "box": [x, y, w, h]}]``."""
    with _nudenet_lock:  # loading once; onnxruntime's run itself is thread-safe
        detector = _nudenet_detector()
    # NudeNet converts its input with RGBA→BGR, so it is given RGBA.
    rgba = np.dstack([image, np.full(image.shape[:2], 255, dtype=np.uint8)])
    return detector.detect(rgba)


class NudityCheck(PhotoCheck):
    """Exposed breasts, genitalia, buttocks or anus, found by NudeNet."""

    codes = ("nudity",)
    code = "nudity"
    REASON = gettext_noop(
        "This photo may show nudity (detector score %(percent)s %%); please look at it "
        "before it is published."
    )
    UNREADABLE = gettext_noop("This photo could not be checked for nudity; please look at it.")
    #: NudeNet works on 320 × 320 pixels: a 640-pixel copy loses nothing it sees.
    WORKING_SIZE = 640

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.threshold = float(options.get("threshold", 0.5))
        detector = options.get("detector")
        if isinstance(detector, str):
            detector = import_string(detector)
        #: A callable taking an RGB ``numpy`` array and returning NudeNet-style
        #: detections (tests pass a fake one); NudeNet by default.
        self.detect: Callable[[np.ndarray], list[dict[str, Any]]] = detector or nudenet_detect

    def check_photo(self, photo: Any, document: Document, session: Session) -> list[Finding]:
        image = working_copy(open_photo(photo, size=self.WORKING_SIZE), self.WORKING_SIZE)
        width, height = image.size
        hits = [
            d
            for d in self.detect(np.asarray(image))
            if d.get("class") in EXPOSED and float(d.get("score", 0)) >= self.threshold
        ]
        if not hits:
            return []
        hits.sort(key=lambda d: -float(d["score"]))
        score = float(hits[0]["score"])
        return [
            Finding(
                code=self.code,
                severity=Severity.HIGH,
                reason=self.REASON,
                params={"percent": round(score * 100)},
                photo=photo.pk,
                score=score,
                boxes=tuple(fractions(d["box"], width, height) for d in hits),
            )
        ]


# --- faces ----------------------------------------------------------------------------

_cascades = threading.local()


def face_cascade() -> Any:
    """This thread's frontal-face Haar cascade (bundled with opencv-python-headless 4.x)."""
    cascade = getattr(_cascades, "face", None)
    if cascade is None:
        import cv2

        cascade = cv2.CascadeClassifier(
            cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
        )
        if cascade.empty():
            raise RuntimeError("OpenCV's frontal-face cascade is missing")
        _cascades.face = cascade
    return cascade


class FaceCheck(PhotoCheck):
    """Several faces large enough to recognise: people other than the entrant.

    A face counts when it is at least ``min_face`` (5 %) of the photo's shorter
    side: about 60 pixels in the 1600-pixel rendition the story publishes, a
    face someone who knows the person would recognise. Runners far away in a
    crowd are smaller and not counted, and that size also removes most of the
    cascade's false detections, which are small. One face is most often the
    entrant, so the check speaks from ``min_faces`` (2). The photo is first
    scaled to 640 pixels on its shorter side (faster, and the cascade needs no
    more), and ``min_neighbors`` is 6 rather than OpenCV's 3, which fires on
    foliage and crowds.
    """

    codes = ("faces",)
    code = "faces"
    REASON = gettext_noop(
        "The photo shows %(count)s faces; people other than the entrant may not have "
        "agreed to appear."
    )
    UNREADABLE = gettext_noop("This photo could not be checked for faces; please look at it.")
    WORKING_SIDE = 640

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.min_face = float(options.get("min_face", 0.05))
        self.min_faces = int(options.get("min_faces", 2))
        self.min_neighbors = int(options.get("min_neighbors", 6))
        self.scale_factor = float(options.get("scale_factor", 1.1))

    def faces(self, image: Image.Image) -> list[Box]:
        """The faces of ``image`` as fractional boxes, largest first."""
        import cv2

        width, height = image.size
        scale = min(1.0, self.WORKING_SIDE / min(width, height))
        if scale < 1.0:
            image = image.resize(
                (max(1, round(width * scale)), max(1, round(height * scale))),
                Image.Resampling.BILINEAR,
            )
        gray = cv2.equalizeHist(np.asarray(image.convert("L")))
        side = max(24, round(min(gray.shape) * self.min_face))
        found = face_cascade().detectMultiScale(
            gray,
            scaleFactor=self.scale_factor,
            minNeighbors=self.min_neighbors,
            minSize=(side, side),
        )
        h, w = gray.shape
        boxes = [fractions(box, w, h) for box in (found if len(found) else [])]
        return sorted(boxes, key=lambda b: -(b[2] * b[3]))

    def check_photo(self, photo: Any, document: Document, session: Session) -> list[Finding]:
        image = open_photo(photo, size=self.WORKING_SIDE)
        boxes = self.faces(image)
        if len(boxes) < self.min_faces:
            return []
        width, height = image.size
        # The largest face's height as a share of the shorter side: how prominent it is.
        largest = max(b[3] * height for b in boxes) / min(width, height)
        return [
            Finding(
                code=self.code,
                severity=Severity.LOW,
                reason=self.REASON,
                params={"count": len(boxes)},
                photo=photo.pk,
                score=min(1.0, largest),
                boxes=tuple(boxes),
            )
        ]


# --- the same photo elsewhere, stock photos ---------------------------------------------

#: The default list of known images: empty, documented (the organiser adds its own).
KNOWN_HASHES = Path(__file__).parent / "data" / "known_photo_hashes.txt"


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def image_hashes(image: Image.Image) -> tuple[int, int]:
    """The 64-bit perceptual and difference hashes (unsigned) of ``image``."""
    import imagehash

    return int(str(imagehash.phash(image)), 16), int(str(imagehash.dhash(image)), 16)


def hamming(a: np.ndarray | int, b: int) -> np.ndarray:
    """Bits that differ between each of ``a`` (signed 64-bit) and ``b``."""
    x = np.bitwise_xor(np.asarray(a, dtype=np.int64), np.int64(to_signed(b)))
    return np.bitwise_count(x.view(np.uint64)).astype(np.int64)


@cache
def load_known_hashes(path: str) -> tuple[tuple[int, int | None], ...]:
    """The (phash, dhash or None) of each line of a known-hashes file (hex; ``#`` comments)."""
    known = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            parts = [int(part, 16) for part in line.split()[:2]]
        except ValueError:
            log.warning("%s line %s is not a hex hash; ignored", path, number)
            continue
        if any(part >> 64 for part in parts):
            log.warning("%s line %s is longer than 64 bits; ignored", path, number)
            continue
        known.append((parts[0], parts[1] if len(parts) > 1 else None))
    return tuple(known)


class SimilarPhotoCheck(PhotoCheck):
    """The same or a near-identical photo in another entry, and stock-like photos.

    Both hashes are computed on the whole photo (imagehash's ``phash`` and
    ``dhash``, 64 bits each): re-encoding, resizing, a little cropping or a
    filter keep them within a few bits, while different photos of the same
    place differ by 20 or more. Two photos are the same when ``phash`` differs
    by at most ``max_distance`` (6) bits and ``dhash`` by at most
    ``max_dhash_distance`` (10): the two hashes must agree. The hashes are
    stored in ``PhotoFingerprint`` (entries only) and compared with the other
    photos of the campaign, vectorised.

    ``stock_photo``: a photo matching an image of ``known_hashes`` (a text file
    of hex hashes, one photo per line: "phash [dhash]" — the organiser's own
    promotional photos that entrants copy from the official site), or that
    appears in the entries of ``stock_entrants`` (3) different entrants or more.
    """

    codes = ("photo_duplicate", "stock_photo")
    code = "photo_duplicate"
    SAME_PHOTO = gettext_noop(
        "The same or a nearly identical photo (%(percent)s %% alike) was sent with another "
        "entry of this campaign."
    )
    KNOWN = gettext_noop(
        "This photo matches a known image (for example a promotional photo from the official "
        "site); it may not be the entrant's own photo."
    )
    MANY_ENTRANTS = gettext_noop(
        "This photo was sent by %(count)s different entrants; it may be a photo from the web "
        "rather than the entrant's own."
    )
    UNREADABLE = gettext_noop(
        "This photo could not be compared with the other photos of this campaign; please look "
        "at it."
    )
    #: Hashes are computed on small images; decoding at 1/8 scale is plenty.
    WORKING_SIZE = 256

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.max_distance = int(options.get("max_distance", 6))
        self.max_dhash_distance = int(options.get("max_dhash_distance", 10))
        self.stock_entrants = int(options.get("stock_entrants", 3))
        self.known_hashes = str(options.get("known_hashes") or KNOWN_HASHES)

    def known(self) -> tuple[tuple[int, int | None], ...]:
        try:
            return load_known_hashes(self.known_hashes)
        except OSError:
            log.warning("the known photo hashes file %s cannot be read", self.known_hashes)
            return ()

    def _matches_known(self, phash: int, dhash: int) -> bool:
        for known_phash, known_dhash in self.known():
            if int(hamming(to_signed(known_phash), phash)) > self.max_distance:
                continue
            if known_dhash is None or int(hamming(to_signed(known_dhash), dhash)) <= (
                self.max_dhash_distance
            ):
                return True
        return False

    def check_photo(self, photo: Any, document: Document, session: Session) -> list[Finding]:
        image = open_photo(photo, size=self.WORKING_SIZE)
        phash, dhash = image_hashes(image)
        findings = []
        if self._matches_known(phash, dhash):
            findings.append(
                Finding(
                    code="stock_photo",
                    severity=Severity.MEDIUM,
                    reason=self.KNOWN,
                    photo=photo.pk,
                    score=1.0,
                )
            )
        entry = document.entry
        if not session.persistent or entry is None:
            return findings
        from tasuki.entries.models import EntrantDetails
        from tasuki.review.check_models import PhotoFingerprint

        campaign_id = document.campaign_id or entry.campaign_id
        PhotoFingerprint.objects.update_or_create(
            photo_id=photo.pk,
            defaults={
                "entry_id": entry.pk,
                "campaign_id": campaign_id,
                "phash": to_signed(phash),
                "dhash": to_signed(dhash),
            },
        )
        rows = list(
            PhotoFingerprint.objects.filter(campaign_id=campaign_id)
            .exclude(entry_id=entry.pk)
            .values_list("entry_id", "phash", "dhash")
        )
        if not rows:
            return findings
        table = np.array(rows, dtype=np.int64)
        p_distance = hamming(table[:, 1], phash)
        d_distance = hamming(table[:, 2], dhash)
        same = (p_distance <= self.max_distance) & (d_distance <= self.max_dhash_distance)
        if not same.any():
            return findings
        matches = sorted(
            (int(p), int(e)) for p, e in zip(p_distance[same], table[same, 0], strict=True)
        )
        distance, other_entry = matches[0]  # the closest; ties: the lowest id (usually earliest)
        similarity = 1.0 - distance / 64
        findings.append(
            Finding(
                code="photo_duplicate",
                severity=Severity.MEDIUM,
                reason=self.SAME_PHOTO,
                params={"percent": round(similarity * 100)},
                duplicate_of=other_entry,
                photo=photo.pk,
                score=similarity,
            )
        )
        entries = {e for _, e in matches} | {entry.pk}
        digests = set(
            EntrantDetails.objects.filter(entry_id__in=entries).values_list(
                "email_digest", flat=True
            )
        )
        entrants = len(digests) or 1
        if entrants >= self.stock_entrants:
            findings.append(
                Finding(
                    code="stock_photo",
                    severity=Severity.LOW,
                    reason=self.MANY_ENTRANTS,
                    params={"count": entrants},
                    photo=photo.pk,
                    score=similarity,
                )
            )
        return findings


# --- too small ----------------------------------------------------------------------------


class SmallPhotoCheck(PhotoCheck):
    """A photo whose longer side is under ``min_side`` (1,200) pixels.

    The published story shows photos in a column up to 960 pixels wide (with
    renditions up to 1,600 for sharp screens); a photo whose longer side is
    under 1,200 pixels is blurred there, or a thumbnail. The longer side, so
    that a 1,600 × 900 landscape or a 1,080 × 1,350 portrait passes. The size
    is the one recorded at upload; the file is read only when none was recorded.
    """

    codes = ("photo_small",)
    code = "photo_small"
    REASON = gettext_noop(
        "This photo is %(width)s × %(height)s pixels, too small to publish in a story."
    )
    UNREADABLE = gettext_noop(
        "This photo's size could not be checked; please look at it before it is published."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.min_side = int(options.get("min_side", 1200))

    def check_photo(self, photo: Any, document: Document, session: Session) -> list[Finding]:
        width, height = int(photo.width or 0), int(photo.height or 0)
        if not width or not height:
            width, height = open_photo(photo).size
        if max(width, height) >= self.min_side:
            return []
        return [
            Finding(
                code=self.code,
                severity=Severity.LOW,
                reason=self.REASON,
                params={"width": width, "height": height},
                photo=photo.pk,
                score=max(width, height) / self.min_side,
            )
        ]


def main(paths: Sequence[str]) -> None:  # pragma: no cover - a helper for the organiser
    """Print the hashes of image files as lines for a known-hashes file."""
    for path in paths:
        with Image.open(path) as image:
            phash, dhash = image_hashes(ImageOps.exif_transpose(image).convert("RGB"))
        print(f"{phash:016x} {dhash:016x}  # {Path(path).name}")


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:])
