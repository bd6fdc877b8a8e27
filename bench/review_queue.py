"""The review queue and entry pages over 100,000 entries on PostgreSQL, timed whole.

Run by hand (never by the tests)::

    .venv/bin/python bench/review_queue.py            # 100,000 entries, 30 timed requests per case
    .venv/bin/python bench/review_queue.py --explain  # and EXPLAIN ANALYZE per case

What it does, in order:

1. creates a fresh PostgreSQL database (``tasuki_bench_queue`` on 127.0.0.1:5432,
   user ``postgres``, trust auth) and migrates it;
2. writes N entries (60 % Japanese, 40 % English) and indexes them for search,
   with ``bench/review_search.py``'s own functions (imported, not copied);
3. gives 30 % of the entries a review: 1-3 reviewer accounts each score every
   rubric item, and a tenth of those reviewed entries also get a decision
   (feature, eligible, or disqualify), written with ``bulk_create``, then
   ``VACUUM ANALYZE``;
4. signs a reviewer (TOTP device, second factor verified) into Django's test
   Client and, with DEBUG off, times the real views in this process: each case
   a few warm-up requests, then R timed ones; prints p50/p95/max, the SQL
   queries per request, and whether p95 is under the 150 ms target;
5. with ``--explain``, prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest SQL
   query of one request of each case; drops the database (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.review_search import (  # noqa: E402 (the paths above come first)
    drop_database,
    generate,
    percentile,
    recreate_database,
)

DB_NAME = "tasuki_bench_queue"
TARGET_MS = 150.0


def add_reviews(campaign, reviewers, share: float, seed: int) -> dict:
    """Reviews, scores and decisions for ``share`` of the entries.

    Fixtures for a benchmark, written with ``bulk_create``: the product path
    (``review.services``) records each change one at a time with its audit
    row, which would take minutes here and is not what is being measured.
    """
    from tasuki.entries.models import Entry
    from tasuki.review import selectors
    from tasuki.review.models import Decision, Review, Score
    from tasuki.review.states import DecisionKind, ReviewState

    rng = random.Random(seed)
    items = list(selectors.rubric(campaign))
    criterion = selectors.criteria(campaign).first()
    ids = list(Entry.objects.filter(campaign=campaign).values_list("pk", flat=True))
    chosen = sorted(rng.sample(ids, int(len(ids) * share)))
    outcomes = {}  # entry id -> decision kind, for a tenth of the reviewed entries
    reviews = []
    for entry_id in chosen:
        kind = None
        if rng.random() < 0.1:
            kind = rng.choice(
                [DecisionKind.FEATURE, DecisionKind.MAKE_ELIGIBLE, DecisionKind.DISQUALIFY]
            )
            outcomes[entry_id] = kind
        reviews.append(
            Review(
                entry_id=entry_id,
                state=ReviewState.DECIDED if kind else ReviewState.IN_REVIEW,
                featured=kind == DecisionKind.FEATURE,
                eligible=kind == DecisionKind.MAKE_ELIGIBLE,
                disqualified_for=criterion if kind == DecisionKind.DISQUALIFY else None,
                version=1 if kind else 0,
            )
        )
    Review.objects.bulk_create(reviews, batch_size=5000)
    review_ids = dict(Review.objects.filter(entry__campaign=campaign).values_list("entry_id", "pk"))
    scores, decisions = [], []
    for entry_id in chosen:
        review_id = review_ids[entry_id]
        for reviewer in rng.sample(reviewers, rng.randint(1, 3)):
            scores.extend(
                Score(
                    review_id=review_id,
                    item=item,
                    reviewer=reviewer,
                    value=rng.randint(item.low, item.high),
                )
                for item in items
            )
        if entry_id in outcomes:
            kind = outcomes[entry_id]
            decisions.append(
                Decision(
                    review_id=review_id,
                    kind=kind,
                    criterion=criterion if kind == DecisionKind.DISQUALIFY else None,
                    version=0,
                    by=rng.choice(reviewers),
                )
            )
    Score.objects.bulk_create(scores, batch_size=5000)
    Decision.objects.bulk_create(decisions, batch_size=5000)
    # The scoring service keeps each review's summary (mean, spread, reviewers);
    # bulk_create bypasses it, so the fixtures ask for the same summary in bulk.
    from tasuki.review.services import refresh_score_summaries

    refresh_score_summaries(Review.objects.all())
    return {"reviews": len(reviews), "scores": len(scores), "decisions": len(decisions)}


def run_case(client, url: str, runs: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for i in range(warmup + runs):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - t0) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if i >= warmup:
            times.append(elapsed)
            queries.append(len(captured.captured_queries))
    return {"times": times, "queries": queries, "last": captured.captured_queries}


def explain_slowest(captured: list[dict]) -> None:
    from django.db import connection

    slowest = max(captured, key=lambda q: float(q["time"]))
    print(f"  slowest query ({float(slowest['time']) * 1000:.1f} ms in that request):")
    print("  " + slowest["sql"][:1500])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + slowest["sql"])
        print("\n".join("    " + row[0] for row in cursor.fetchall()))


def add_flags(campaign, share: float, seed: int) -> int:
    """Open and dismissed flags on ``share`` of the entries (one or two each),
    as the checks would leave them, for the queue's flag filters."""
    import hashlib

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tasuki.entries.models import Entry
    from tasuki.review.check_models import Flag

    rng = random.Random(seed)
    someone = get_user_model().objects.first()
    codes = ["advert", "inappropriate", "off_purpose", "pii", "duplicate", "faces"]
    ids = list(Entry.objects.filter(campaign=campaign).values_list("pk", flat=True))
    rows = []
    for entry_id in rng.sample(ids, int(len(ids) * share)):
        for n in range(rng.randint(1, 2)):
            dismissed = rng.random() < 0.3
            rows.append(
                Flag(
                    entry_id=entry_id,
                    campaign=campaign,
                    code=rng.choice(codes),
                    severity=rng.choice(["low", "medium", "high"]),
                    reason="A flag written by the bench.",
                    evidence={"spans": [["episode", 0, 5]]},
                    fingerprint=hashlib.sha256(f"{entry_id}-{n}".encode()).hexdigest(),
                    dismissed_at=timezone.now() if dismissed else None,
                    dismissed_by=someone if dismissed else None,
                    dismissed_reason="Checked by the bench." if dismissed else "",
                )
            )
    Flag.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each case")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    recreate_database(DB_NAME)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasuki.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    from tasuki.entries.models import Entry
    from tasuki.review.models import Score
    from tasuki.review.search import reindex
    from tests.factories import open_campaign
    from tests.staff.conftest import make_staff, sign_in

    try:
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)  # as make run and a deploy do
        campaign = open_campaign(slug="bench-queue")
        print(
            f"PostgreSQL {connection.pg_version // 10000}, database {DB_NAME}, "
            f"DEBUG {settings.DEBUG}"
        )
        seconds = generate(campaign, args.entries, args.seed)
        print(f"generated {args.entries:,} entries in {seconds:.1f} s")
        started = time.perf_counter()
        indexed = reindex(campaign=campaign, batch_size=1000)
        print(f"indexed {indexed:,} entries in {time.perf_counter() - started:.1f} s")

        me = make_staff("bench-reviewer", "reviewer")
        others = [make_staff(f"reviewer-{n}", "reviewer", device=False) for n in range(1, 6)]
        started = time.perf_counter()
        made = add_reviews(campaign, others, share=0.3, seed=args.seed)
        print(
            f"{made['reviews']:,} reviews, {made['scores']:,} scores, "
            f"{made['decisions']:,} decisions in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        made_flags = add_flags(campaign, 0.08, args.seed)
        print(f"{made_flags:,} flags in {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            tables = ("entries_entry", "review_entrysearch", "review_review", "review_score")
            for table in (*tables, "review_flag"):
                cursor.execute(f"VACUUM ANALYZE {table}")

        client = sign_in(Client(HTTP_HOST="localhost"), me)
        period = campaign.periods.first()
        scored = (
            Entry.objects.filter(pk__in=Score.objects.values("review__entry_id"))
            .order_by("pk")
            .first()
        )
        with translation.override("ja"):
            base = reverse("review:queue", args=[campaign.slug])
            entry_url = reverse("review:entry", args=[campaign.slug, scored.pk])
        cases = [
            ("queue, no filter, page 1", base),
            (
                "period+language+new, by arrival",
                f"{base}?period={period.pk}&language=ja&state=new&order=arrival",
            ),
            ("sorted by score", f"{base}?order=score"),
            ("last page (?page=2000)", f"{base}?page=2000"),
            ("search 感動", f"{base}?q=感動"),
            ("search marathon", f"{base}?q=marathon"),
            ("entry page (scored; claims it)", entry_url),
            ("flag=any", f"{base}?flag=any"),
            ("flag=none", f"{base}?flag=none"),
            ("flag=pii", f"{base}?flag=pii"),
            ("flag=advert+language+new", f"{base}?flag=advert&language=ja&state=new"),
            ("flag=pii sorted by score", f"{base}?flag=pii&order=score"),
        ]
        print(
            f"\n{args.runs} timed requests per case after {args.warmup} warm-ups, "
            f"signed in as a reviewer (ms)"
        )
        print(f"{'case':<34} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8}  p95 < 150 ms")
        results = []
        for label, url in cases:
            r = run_case(client, url, args.runs, args.warmup)
            p95 = percentile(r["times"], 95)
            q = sorted(set(r["queries"]))
            print(
                f"{label:<34} {percentile(r['times'], 50):7.1f} {p95:7.1f} "
                f"{max(r['times']):7.1f} {'/'.join(map(str, q)):>8}  "
                f"{'yes' if p95 < TARGET_MS else 'NO'}",
                flush=True,
            )
            results.append((label, url, r))
        if args.explain:
            for label, url, r in results:
                print(f"\nEXPLAIN, {label}: {url}")
                explain_slowest(r["last"])
    finally:
        if not args.keep:
            drop_database(DB_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
