"""The stored duplicate check over a campaign of 100,000 entries on PostgreSQL.

Run by hand (never by the tests)::

    .venv/bin/python bench/duplicate_lookup.py                 # 100,000 entries
    .venv/bin/python bench/duplicate_lookup.py --entries 20000 --keep

What it does, in order:

1. creates a fresh PostgreSQL database (``tasuki_bench_duplicates`` on
   127.0.0.1:5432, user ``postgres``, trust auth) and migrates it;
2. writes N generated entries (``bench/review_search.py``'s generator, whose
   stories are built from shared templates: many are alike, the worst case
   for candidate lookups) and their fingerprints — signature and 32 band
   rows each, computed by the duplicate check's own functions and written in
   bulk (checking them one by one would time the setup, not the lookup);
3. then checks R new entries one at a time with ``DuplicateCheck`` in stored
   mode, exactly as the worker does: half re-sends of a random earlier entry
   with small edits, half new stories; prints p50/p95/max of one check
   (fingerprint write, band lookup, verification), and how many re-sends were
   found and how many new stories were flagged;
4. drops the database (unless ``--keep``).
"""

from __future__ import annotations

import argparse
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
    english,
    generate,
    japanese,
    percentile,
    recreate_database,
)

DB_NAME = "tasuki_bench_duplicates"


def fingerprint_all(campaign, batch_size: int = 2000) -> int:
    """Signatures and band rows of every entry of ``campaign``, written in bulk."""
    from django.db import transaction

    from tasuki.entries.models import Entry
    from tasuki.review.check_models import FingerprintBand, TextFingerprint
    from tasuki.review.checks import duplicate
    from tasuki.review.flagging import FIELDS

    done = 0
    last = 0
    started = time.perf_counter()
    entries = Entry.objects.filter(campaign=campaign).order_by("pk").only("pk", *FIELDS)
    while True:
        batch = list(entries.filter(pk__gt=last)[:batch_size])
        if not batch:
            break
        prints, rows = [], []
        for entry in batch:
            shingle_set = duplicate.shingles(
                duplicate.story_text({name: getattr(entry, name) for name in FIELDS})
            )
            values = duplicate.signature(shingle_set)
            prints.append(
                TextFingerprint(
                    entry=entry,
                    campaign=campaign,
                    signature=duplicate.pack(values),
                    shingles=len(shingle_set),
                )
            )
            rows += [
                FingerprintBand(campaign=campaign, entry=entry, band=band, bucket=bucket)
                for band, bucket in enumerate(duplicate.bands(values))
            ]
        with transaction.atomic():
            TextFingerprint.objects.bulk_create(prints)
            FingerprintBand.objects.bulk_create(rows, batch_size=10_000)
        done += len(batch)
        last = batch[-1].pk
        rate = done / (time.perf_counter() - started)
        print(f"\r  fingerprinted {done:,} ({rate:,.0f}/s)", end="", flush=True)
    print()
    return done


def edited(text: str, rng: random.Random) -> str:
    """A re-send: one sentence dropped or repeated, a few characters changed."""
    parts = [p for p in text.replace("。", "。\n").replace(". ", ".\n").split("\n") if p]
    if len(parts) > 2 and rng.random() < 0.5:
        parts.pop(rng.randrange(len(parts)))
    joined = " ".join(parts)
    chars = list(joined)
    for _ in range(3):
        if chars:
            chars[rng.randrange(len(chars))] = rng.choice("、, ")
    return "".join(chars)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200, help="new entries checked one by one")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    recreate_database(DB_NAME)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasuki.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models.signals import post_save
    from django.utils import timezone

    from tasuki.entries.models import Entry, new_receipt
    from tasuki.review import flagging
    from tasuki.review.checks.base import Session
    from tasuki.review.checks.duplicate import DuplicateCheck
    from tests.factories import open_campaign

    # Entries written here are checked by hand, not by queued tasks.
    post_save.disconnect(sender=Entry, dispatch_uid="tasuki.review.check_new_entry")
    try:
        call_command("migrate", verbosity=0)
        campaign = open_campaign(slug="bench-duplicates")
        print(f"PostgreSQL {connection.pg_version // 10000}, database {DB_NAME}")
        seconds = generate(campaign, args.entries, args.seed)
        print(f"generated {args.entries:,} entries in {seconds:.1f} s")
        started = time.perf_counter()
        fingerprint_all(campaign)
        print(f"fingerprints written in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            for table in ("review_fingerprintband", "review_textfingerprint", "entries_entry"):
                cursor.execute(f"VACUUM ANALYZE {table}")

        rng = random.Random(args.seed + 1)
        ids = list(Entry.objects.filter(campaign=campaign).values_list("pk", flat=True))
        check = DuplicateCheck()
        timings, found, false = [], 0, 0
        period = campaign.periods.first()
        terms = campaign.terms_versions.first()
        for n in range(args.runs):
            resend = n % 2 == 0
            if resend:
                original = Entry.objects.get(pk=rng.choice(ids))
                fields = {name: getattr(original, name) for name in flagging.FIELDS}
                fields["episode"] = edited(fields["episode"], rng)
                fields["language"] = original.language
            else:
                fields = japanese(rng) if rng.random() < 0.6 else english(rng)
                fields["title"] = f"{fields['title']} {uuid.uuid4().hex[:6]}"
            now = timezone.now()
            entry = Entry.objects.create(
                campaign=campaign,
                period=period,
                terms_version=terms,
                receipt=new_receipt(),
                submission_key=uuid.uuid4(),
                role="runner",
                age_group="adult",
                consented_at=now,
                submitted_at=now,
                arrived_at=now,
                **fields,
            )
            document = flagging.document_for(entry)
            began = time.perf_counter()
            findings = list(check.check(document, Session(persistent=True)))
            timings.append((time.perf_counter() - began) * 1000)
            if resend:
                found += bool(findings)
            else:
                false += bool(findings)
        half = args.runs // 2
        print(
            f"\none stored duplicate check over {args.entries:,} entries ({args.runs} runs): "
            f"p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms, "
            f"max {max(timings):.1f} ms"
        )
        print(
            f"re-sends found: {found}/{args.runs - half}; generated stories flagged: {false}/{half}"
        )
        print(
            "(the generator builds stories from shared templates, so a generated story "
            "may truly be near another: 'flagged' is not all false)"
        )
    finally:
        connection.close()
        if not args.keep:
            drop_database(DB_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
