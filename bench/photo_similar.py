"""The same-photo check against a campaign with many photos, on PostgreSQL.

Run by hand (never by the tests)::

    .venv/bin/python bench/photo_similar.py                  # 100,000 stored photo hashes
    .venv/bin/python bench/photo_similar.py --photos 30000

``SimilarPhotoCheck`` reads every stored photo fingerprint of the campaign and
compares them with numpy (no index can answer "within 6 bits"). This bench
measures what that costs as a campaign grows:

1. creates a fresh PostgreSQL database (``tasuki_bench_photos``) and migrates it;
2. writes 2,000 entries and N photo fingerprints spread over them, with random
   hashes (what the check compares; the photos themselves are not needed);
3. checks R real photos (a generated 1600 × 1200 JPEG each, half of them a
   re-encoded copy of a photo whose hashes are among the stored ones) with the
   check in stored mode, as the worker does, and prints p50/p95/max of one
   check and of its hashing alone, and how many copies were found;
4. drops the database (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.review_search import (  # noqa: E402 (the paths above come first)
    drop_database,
    generate,
    percentile,
    recreate_database,
)

DB_NAME = "tasuki_bench_photos"


def picture(rng: random.Random):
    """A 1600 × 1200 photo-like image: gradients, shapes and noise."""
    import numpy as np
    from PIL import Image, ImageDraw

    base = np.linspace(0, 255, 1600, dtype=np.float32)[None, :].repeat(1200, axis=0)
    rgb = np.stack([base, base[::-1], np.full_like(base, rng.randrange(256))], axis=2)
    image = Image.fromarray(rgb.astype("uint8"))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(1500), rng.randrange(1100)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse([x, y, x + rng.randrange(50, 400), y + rng.randrange(50, 400)], fill=colour)
    return image


def jpeg(image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    recreate_database(DB_NAME)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ["PRIVATE_MEDIA_ROOT"] = f"/tmp/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasuki.settings")
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import connection
    from django.db.models.signals import post_save

    from tasuki.entries.models import Entry, Photo, PhotoStatus, private_storage
    from tasuki.review import flagging
    from tasuki.review.check_models import PhotoFingerprint
    from tasuki.review.checks import photos
    from tasuki.review.checks.base import Session
    from tests.factories import open_campaign

    post_save.disconnect(sender=Entry, dispatch_uid="tasuki.review.check_new_entry")
    rng = random.Random(args.seed)
    try:
        call_command("migrate", verbosity=0)
        campaign = open_campaign(slug="bench-photos")
        print(f"PostgreSQL {connection.pg_version // 10000}, database {DB_NAME}")
        generate(campaign, 2000, args.seed)
        entry_ids = list(Entry.objects.filter(campaign=campaign).values_list("pk", flat=True))
        started = time.perf_counter()
        rows = [
            PhotoFingerprint(
                photo_id=10_000_000 + n,  # no photo row: only the hashes are compared
                entry_id=rng.choice(entry_ids),
                campaign=campaign,
                phash=photos.to_signed(rng.getrandbits(64)),
                dhash=photos.to_signed(rng.getrandbits(64)),
            )
            for n in range(args.photos)
        ]
        PhotoFingerprint.objects.bulk_create(rows, batch_size=10_000)
        print(f"{args.photos:,} stored photo hashes in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE review_photofingerprint")

        check = photos.SimilarPhotoCheck()
        storage = private_storage()
        timings, hashing, copies_found = [], [], 0
        for run in range(args.runs):
            image = picture(rng)
            copy = run % 2 == 0
            if copy:
                # Store this photo's hashes under another entry, then send a re-encoded copy.
                phash, dhash = photos.image_hashes(image)
                PhotoFingerprint.objects.create(
                    photo_id=20_000_000 + run,
                    entry_id=rng.choice(entry_ids),
                    campaign=campaign,
                    phash=photos.to_signed(phash),
                    dhash=photos.to_signed(dhash),
                )
                data = jpeg(image.resize((1200, 900)), quality=60)
            else:
                data = jpeg(image)
            entry = Entry.objects.get(pk=rng.choice(entry_ids))
            token = Photo.new_token()
            path = storage.save(f"photos/full/{token[:2]}/{token}.jpg", ContentFile(data))
            photo = Photo.objects.create(
                token=token,
                submission_key=uuid.uuid4(),
                entry=entry,
                original="",
                format="jpeg",
                width=1600,
                height=1200,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                status=PhotoStatus.READY,
                full_size=path,
            )
            document = flagging.document_for(entry, photos=[photo])
            began = time.perf_counter()
            photos.image_hashes(photos.open_photo(photo, size=check.WORKING_SIZE))
            hashing.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            findings = check.check_photo(photo, document, Session(persistent=True))
            timings.append((time.perf_counter() - began) * 1000)
            if copy:
                copies_found += any(f.code == "photo_duplicate" for f in findings)
        print(
            f"\none photo checked against {args.photos:,} stored hashes ({args.runs} runs): "
            f"p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
            f"max {max(timings):.1f} ms; of which opening and hashing the photo "
            f"p50 {percentile(hashing, 50):.1f} ms"
        )
        print(f"re-encoded copies found: {copies_found}/{(args.runs + 1) // 2}")
    finally:
        connection.close()
        if not args.keep:
            drop_database(DB_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
