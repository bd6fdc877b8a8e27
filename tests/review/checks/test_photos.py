"""Photo checks: nudity (NudeNet), faces (OpenCV's Haar cascade), the same photo
in another entry and stock photos (perceptual hashes), too small to publish.

Images are drawn here with Pillow and numpy: no file from outside the repository.
The faces are simple drawings (skin oval, eyes with brows, nose, mouth) that
OpenCV's frontal-face cascade does detect at the scales used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter

from tasuki.entries.models import (
    EntrantDetails,
    Entry,
    Photo,
    PhotoStatus,
    new_receipt,
    private_storage,
)
from tasuki.review.check_models import PhotoFingerprint
from tasuki.review.checks import photos
from tasuki.review.checks.base import Document, Session
from tasuki.review.checks.photos import FaceCheck, NudityCheck, SimilarPhotoCheck, SmallPhotoCheck

# --- drawing ------------------------------------------------------------------------------


def draw_face(draw: ImageDraw.ImageDraw, cx: float, cy: float, w: float) -> None:
    """A frontal face ``w`` pixels wide centred on (cx, cy)."""
    h = w * 1.3
    draw.ellipse([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], fill=(205, 170, 140))
    draw.chord(
        [cx - w / 2 - 2, cy - h / 2 - 4, cx + w / 2 + 2, cy - h / 6], 180, 360, fill=(40, 30, 25)
    )
    ey = cy - h * 0.08
    for side in (-1, 1):
        ex = cx + side * w * 0.22
        draw.ellipse(
            [ex - w * 0.11, ey - w * 0.05, ex + w * 0.11, ey + w * 0.05], fill=(245, 245, 245)
        )
        draw.ellipse(
            [ex - w * 0.05, ey - w * 0.05, ex + w * 0.05, ey + w * 0.05], fill=(50, 35, 30)
        )
        draw.rectangle(
            [ex - w * 0.14, ey - w * 0.15, ex + w * 0.13, ey - w * 0.11], fill=(60, 45, 35)
        )
    nose = [(cx, ey + w * 0.02), (cx - w * 0.07, cy + h * 0.15), (cx + w * 0.07, cy + h * 0.15)]
    draw.polygon(nose, fill=(185, 145, 115))
    draw.ellipse([cx - w * 0.18, cy + h * 0.25, cx + w * 0.18, cy + h * 0.31], fill=(150, 70, 70))


def faces_image(count: int, *, width=1600, height=1200, face=240) -> Image.Image:
    image = Image.new("RGB", (width, height), (120, 150, 180))
    draw = ImageDraw.Draw(image)
    for i in range(count):
        draw_face(draw, width * (i + 1) / (count + 1), height / 2, face)
    return image.filter(ImageFilter.GaussianBlur(2))


def crowd_image(*, width=2000, height=1500, face=50, rows=4, per_row=14) -> Image.Image:
    """Runners further away: many faces about 3 % of the shorter side."""
    image = Image.new("RGB", (width, height), (90, 110, 90))
    draw = ImageDraw.Draw(image)
    for r in range(rows):
        for i in range(per_row):
            draw_face(draw, 50 + i * (width - 100) / per_row, 400 + r * 150, face)
    return image


def landscape(width=1600, height=1200, seed=1) -> Image.Image:
    """Sky, hills and a road: no people."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, height)[:, None, None]
    sky = np.array([110, 160, 230]) * (1 - y) + np.array([70, 120, 60]) * y
    array = np.broadcast_to(sky, (height, width, 3)).copy()
    array += rng.normal(0, 12, array.shape)
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.polygon(
        [
            (0, height),
            (width * 0.45, height * 0.55),
            (width * 0.55, height * 0.55),
            (width, height),
        ],
        fill=(80, 80, 85),
    )
    return image


def runner_image() -> Image.Image:
    """A stick-figure runner in a shirt and shorts on a road."""
    image = landscape()
    draw = ImageDraw.Draw(image)
    draw.ellipse([760, 300, 840, 390], fill=(205, 170, 140))
    draw.rectangle([740, 390, 860, 620], fill=(220, 40, 40))  # shirt
    draw.rectangle([745, 620, 855, 720], fill=(30, 30, 60))  # shorts
    draw.line([(770, 720), (720, 950)], fill=(205, 170, 140), width=30)
    draw.line([(830, 720), (900, 930)], fill=(205, 170, 140), width=30)
    return image


def jpeg(image: Image.Image, quality=90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


# --- entries and photos -----------------------------------------------------------------


def make_entry(campaign, *, email="a@example.com", when=None) -> Entry:
    when = when or timezone.now()
    entry = Entry.objects.create(
        campaign=campaign,
        period=campaign.periods.first(),
        terms_version=campaign.terms_versions.first(),
        receipt=new_receipt(),
        submission_key=uuid.uuid4(),
        consented_at=when,
        submitted_at=when,
        arrived_at=when,
        language="en",
        title="t",
        pen_name="p",
        role="runner",
        country="JP",
        appeal="a",
        episode="e",
        wishes="w",
        tagline="t",
        age_group="adult",
    )
    EntrantDetails.objects.create(
        entry=entry, real_name="A", email=email, email_digest="d-" + email
    )
    return entry


def make_photo(entry, image: Image.Image | None, *, data: bytes | None = None) -> Photo:
    data = data if data is not None else jpeg(image)
    token = Photo.new_token()
    path = private_storage().save(f"photos/full/{token[:2]}/{token}.jpg", ContentFile(data))
    width, height = image.size if image is not None else (0, 0)
    return Photo.objects.create(
        token=token,
        submission_key=entry.submission_key,
        entry=entry,
        original="",
        format="jpeg",
        width=width,
        height=height,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status=PhotoStatus.READY,
        full_size=path,
    )


def document(entry, photo_list) -> Document:
    return Document(
        ref=entry.pk,
        language="en",
        fields={},
        campaign_id=entry.campaign_id,
        entry=entry,
        photos=list(photo_list),
    )


def run(check, entry, photo_list, *, persistent=True) -> list:
    return list(check.check(document(entry, photo_list), Session(persistent=persistent)))


# --- shared -------------------------------------------------------------------------------


def test_every_photo_check_reads_photos_and_finds_nothing_without_them():
    for cls in (NudityCheck, FaceCheck, SimilarPhotoCheck, SmallPhotoCheck):
        assert cls.reads_photos
        doc = Document(ref="x", language="ja", fields={"text": "写真なし"})
        assert list(cls().check(doc, Session(persistent=False))) == []


def test_fractions_are_clipped_to_the_image():
    assert photos.fractions([100, 50, 200, 100], 400, 200) == (0.25, 0.25, 0.5, 0.5)
    assert photos.fractions([-10, 150, 500, 100], 400, 200) == (0.0, 0.75, 1.0, 0.25)


@pytest.mark.django_db
@pytest.mark.parametrize("cls", [NudityCheck, FaceCheck, SimilarPhotoCheck, SmallPhotoCheck])
def test_an_unreadable_photo_asks_for_a_look_instead_of_failing(campaign, cls):
    entry = make_entry(campaign)
    broken = make_photo(entry, None, data=b"\xff\xd8 this is not a jpeg")
    missing = make_photo(entry, landscape(400, 300))
    private_storage().delete(missing.full_size)
    empty = make_photo(entry, landscape(400, 300))
    empty.full_size = ""
    for photo in (missing, empty):  # no size recorded: the size check reads the file too
        photo.width = photo.height = 0
    findings = run(cls(), entry, [broken, missing, empty])
    assert [f.photo for f in findings] == [broken.pk, missing.pk, empty.pk]
    assert {f.code for f in findings} == {cls.code}
    assert {f.severity for f in findings} == {"low"}
    assert all("could not be" in f.reason and "please look at it" in f.reason for f in findings)


# --- nudity -------------------------------------------------------------------------------


def fake_detector(detections):
    seen = []

    def detect(array):
        seen.append(array.shape)
        return detections

    detect.seen = seen
    return detect


@pytest.mark.django_db
def test_nudity_maps_the_detectors_boxes_to_fractions(campaign):
    entry = make_entry(campaign)
    photo = make_photo(entry, landscape(1280, 960))
    detector = fake_detector(
        [
            {"class": "FEMALE_BREAST_EXPOSED", "score": 0.81, "box": [64, 48, 128, 96]},
            {"class": "BUTTOCKS_EXPOSED", "score": 0.55, "box": [320, 240, 320, 480]},
            {"class": "BUTTOCKS_EXPOSED", "score": 0.3, "box": [0, 0, 10, 10]},  # under threshold
            {"class": "MALE_BREAST_EXPOSED", "score": 0.99, "box": [0, 0, 50, 50]},  # bare chest
            {"class": "FACE_FEMALE", "score": 0.9, "box": [0, 0, 50, 50]},
        ]
    )
    [finding] = run(NudityCheck(detector=detector), entry, [photo])
    # The detector saw the 640-pixel working copy; boxes are fractions of it.
    assert detector.seen == [(480, 640, 3)]
    assert finding.code == "nudity" and finding.severity == "high"
    assert finding.photo == photo.pk and finding.score == pytest.approx(0.81)
    assert finding.boxes == ((0.1, 0.1, 0.2, 0.2), (0.5, 0.5, 0.5, 0.5))
    assert finding.params == {"percent": 81}
    assert "81 %" in finding.reason_in("en")


@pytest.mark.django_db
def test_nudity_only_exposed_classes_over_the_threshold(campaign):
    entry = make_entry(campaign)
    photo = make_photo(entry, landscape(640, 480))
    covered = fake_detector(
        [
            {"class": "FEMALE_BREAST_COVERED", "score": 0.95, "box": [1, 1, 5, 5]},
            {"class": "MALE_BREAST_EXPOSED", "score": 0.95, "box": [1, 1, 5, 5]},
            {"class": "BELLY_EXPOSED", "score": 0.95, "box": [1, 1, 5, 5]},
        ]
    )
    assert run(NudityCheck(detector=covered), entry, [photo]) == []
    weak = fake_detector([{"class": "ANUS_EXPOSED", "score": 0.6, "box": [1, 1, 5, 5]}])
    assert run(NudityCheck(detector=weak, threshold=0.7), entry, [photo]) == []
    assert len(run(NudityCheck(detector=weak), entry, [photo])) == 1


@pytest.mark.django_db
def test_nudenet_itself_does_not_flag_a_landscape_or_a_dressed_runner(campaign):
    entry = make_entry(campaign)
    pictures = [make_photo(entry, landscape()), make_photo(entry, runner_image())]
    assert run(NudityCheck(), entry, pictures) == []
    # The real model ran and returned NudeNet's detections (a list of dicts).
    assert isinstance(photos.nudenet_detect(np.asarray(runner_image().resize((320, 240)))), list)


# --- faces --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_faces_are_flagged_with_their_boxes(campaign):
    entry = make_entry(campaign)
    photo = make_photo(entry, faces_image(2))
    [finding] = run(FaceCheck(), entry, [photo])
    assert finding.code == "faces" and finding.severity == "low"
    assert finding.params == {"count": 2} and finding.photo == photo.pk
    assert len(finding.boxes) == 2
    lefts = sorted(box[0] for box in finding.boxes)
    assert lefts[0] < 1 / 3 < lefts[1] < 2 / 3  # one face on each third
    for _left, top, width, height in finding.boxes:
        assert 0.1 < width < 0.3 and 0.25 < top + height / 2 < 0.75
    assert 0 < finding.score <= 1
    assert "2 faces" in finding.reason_in("en")


@pytest.mark.django_db
def test_one_face_is_the_entrant_and_tiny_faces_are_a_crowd(campaign):
    entry = make_entry(campaign)
    selfie = make_photo(entry, faces_image(1, face=400))
    crowd = make_photo(entry, crowd_image())
    empty = make_photo(entry, landscape())
    assert run(FaceCheck(), entry, [selfie, crowd, empty]) == []
    # The crowd's faces are there (found at full size); they are too small to count.
    sensitive = FaceCheck(min_face=0.01, min_faces=1)
    sensitive.WORKING_SIDE = 1500
    assert len(sensitive.faces(crowd_image())) >= 20
    assert len(FaceCheck(min_faces=1).faces(faces_image(1, face=400))) == 1


def test_faces_on_a_large_photo_are_found_on_a_downscaled_copy():
    image = faces_image(3, width=4800, height=3200, face=600)
    boxes = FaceCheck().faces(image)
    assert len(boxes) == 3


# --- the same photo elsewhere, stock photos ----------------------------------------------


@pytest.mark.django_db
def test_the_same_photo_in_another_entry_is_found_even_re_encoded(campaign):
    first = make_entry(campaign, email="a@example.com", when=timezone.now() - dt.timedelta(hours=1))
    second = make_entry(campaign, email="b@example.com")
    check = SimilarPhotoCheck()
    original = runner_image()
    assert run(check, first, [make_photo(first, original)]) == []
    # Re-encoded smaller and at a lower quality: still the same photo.
    smaller = Image.open(io.BytesIO(jpeg(original.resize((1200, 900)), quality=60)))
    copy = make_photo(second, smaller)
    other = make_photo(second, faces_image(2))
    findings = run(check, second, [copy, other])
    [finding] = findings
    assert finding.code == "photo_duplicate" and finding.severity == "medium"
    assert finding.duplicate_of == first.pk and finding.photo == copy.pk
    assert 0.9 <= finding.score <= 1
    assert PhotoFingerprint.objects.filter(campaign=campaign).count() == 3
    # Checking again replaces the fingerprints rather than adding rows.
    run(check, second, [copy, other])
    assert PhotoFingerprint.objects.filter(campaign=campaign).count() == 3


@pytest.mark.django_db
def test_different_photos_of_the_same_kind_are_not_the_same(campaign):
    first = make_entry(campaign, email="a@example.com")
    second = make_entry(campaign, email="b@example.com")
    check = SimilarPhotoCheck()
    run(check, first, [make_photo(first, landscape(seed=1)), make_photo(first, faces_image(2))])
    different = [make_photo(second, faces_image(3)), make_photo(second, crowd_image())]
    assert run(check, second, different) == []
    # Nothing is written for check_texts-like runs.
    before = PhotoFingerprint.objects.count()
    assert run(check, second, different, persistent=False) == []
    assert PhotoFingerprint.objects.count() == before


@pytest.mark.django_db
def test_a_photo_from_three_entrants_is_a_stock_photo(campaign):
    check = SimilarPhotoCheck()
    poster = runner_image()
    entries = [make_entry(campaign, email=f"{n}@example.com") for n in range(3)]
    results = [run(check, entry, [make_photo(entry, poster)]) for entry in entries]
    assert [f.code for f in results[1]] == ["photo_duplicate"]
    codes = sorted(f.code for f in results[2])
    assert codes == ["photo_duplicate", "stock_photo"]
    stock = next(f for f in results[2] if f.code == "stock_photo")
    assert stock.params == {"count": 3} and stock.severity == "low"
    # The same entrant sending it three times is not a stock photo.
    same = [make_entry(campaign, email="same@example.com") for _ in range(3)]
    other = faces_image(2)
    results = [run(check, entry, [make_photo(entry, other)]) for entry in same]
    assert [f.code for f in results[2]] == ["photo_duplicate"]


@pytest.mark.django_db
def test_a_photo_matching_a_known_image_is_a_stock_photo(campaign, tmp_path):
    poster = faces_image(3)
    phash, dhash = photos.image_hashes(poster)
    known = tmp_path / "known.txt"
    known.write_text(f"# the organiser's poster\n{phash:016x} {dhash:016x}  # poster\nnot-hex\n")
    entry = make_entry(campaign)
    copy = make_photo(entry, poster.resize((1400, 1050)))
    unrelated = make_photo(entry, landscape())
    check = SimilarPhotoCheck(known_hashes=str(known))
    [finding] = run(check, entry, [copy, unrelated], persistent=False)
    assert finding.code == "stock_photo" and finding.severity == "medium"
    assert finding.photo == copy.pk and "may not be the entrant's own" in finding.reason
    # The shipped default list is empty: nothing matches.
    assert photos.load_known_hashes(str(photos.KNOWN_HASHES)) == ()
    assert run(SimilarPhotoCheck(), entry, [copy], persistent=False) == []
    # A missing file is logged, not fatal.
    assert run(SimilarPhotoCheck(known_hashes=str(tmp_path / "none.txt")), entry, [copy]) == []


def test_hashes_are_signed_64_bit_and_hamming_counts_bits():
    assert photos.to_signed(2**64 - 1) == -1 and photos.to_unsigned(-1) == 2**64 - 1
    values = np.array([photos.to_signed(0), photos.to_signed(2**64 - 1), 3], dtype=np.int64)
    assert list(photos.hamming(values, 1)) == [1, 63, 1]


# --- too small ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_small_photo_is_flagged_with_its_size(campaign):
    entry = make_entry(campaign)
    small = make_photo(entry, landscape(800, 1100))
    wide = make_photo(entry, landscape(1600, 900))  # a landscape fills the column
    portrait = make_photo(entry, landscape(1080, 1350))
    [finding] = run(SmallPhotoCheck(), entry, [small, wide, portrait])
    assert finding.code == "photo_small" and finding.photo == small.pk
    assert finding.params == {"width": 800, "height": 1100}
    assert "800 × 1100 pixels" in finding.reason_in("en")
    assert run(SmallPhotoCheck(min_side=1000), entry, [small]) == []
    # No size recorded: the file is read.
    small.width = small.height = 0
    [finding] = run(SmallPhotoCheck(), entry, [small])
    assert finding.params == {"width": 800, "height": 1100}
