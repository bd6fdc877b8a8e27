"""Search over 100,000 entries on PostgreSQL: indexing rate, query latency, plan.

Run by hand (never by the tests)::

    .venv/bin/python bench/review_search.py            # 100,000 entries, 50 timed runs per term
    .venv/bin/python bench/review_search.py --help

What it does, in order:

1. creates a fresh PostgreSQL database (``tasuki_bench_search`` on 127.0.0.1:5432,
   user ``postgres``, trust auth) and migrates it;
2. writes N entries (60 % Japanese, 40 % English) made of sentences this script
   puts together from its own phrase lists (seeded, so every run has the same
   text), with ``bulk_create``;
3. indexes them with ``review.search.reindex`` (Sudachi in this process, one
   core) and prints the rate, then ``VACUUM ANALYZE``;
4. for each term, runs what the queue will run for a search (the campaign's
   entries narrowed by ``search()``, newest first: the count for the pager and
   the first page of 50) R times after a few warm-up runs, and prints p50/p95
   of each and of both together;
5. prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the count and of the page for the
   Japanese term, and drops the database (unless ``--keep``).

``bench/review_queue.py`` (the queue page as a whole) will grow from this.
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
DB_NAME = "tasuki_bench_search"

# --- the generated stories ---------------------------------------------------------------
# Phrase lists written for this benchmark. Each entry is a random walk through
# them, so the words are spread the way real answers spread them: some (沿道,
# the water station) in many entries, some (シミュレーション) in few.

JA_PLACES = [
    "スタート地点",
    "五キロ地点",
    "給水所",
    "折り返し地点",
    "三十キロの壁",
    "最後の坂",
    "ゴール手前",
    "沿道",
    "商店街",
    "川沿いの橋",
    "公園の横",
    "駅前の交差点",
]
JA_PEOPLE = [
    "ボランティアの高校生",
    "見知らぬおばあさん",
    "会社の先輩",
    "小学生の娘",
    "父",
    "ペースランナー",
    "太鼓の応援団",
    "救護の看護師さん",
    "隣を走る海外の方",
    "古い友人",
    "犬を連れた男性",
    "吹奏楽部の生徒たち",
]
JA_ACTIONS = [
    "名前を呼んでくれた",
    "水を手渡してくれた",
    "ハイタッチをしてくれた",
    "しばらく並んで走ってくれた",
    "手作りの看板を掲げていた",
    "飴を配っていた",
    "背中を押してくれた",
    "笑顔で手を振っていた",
    "「あと少し」と声をかけてくれた",
    "転んだ私を起こしてくれた",
]
JA_FEELINGS = [
    "本当に感動した",
    "涙が止まらなかった",
    "胸が熱くなった",
    "元気が出た",
    "心が温かくなった",
    "嬉しかった",
    "力が湧いてきた",
    "疲れが吹き飛んだ",
    "一生忘れないと思った",
    "走ってきてよかったと思った",
    "言葉にならなかった",
    "思わず笑ってしまった",
]
JA_EXTRA = [
    "今年で{n}回目の出場です。",
    "練習では毎朝{n}キロ走りました。",
    "雨の中、沿道の声援がずっと続いていた。",
    "去年は途中でやめてしまったので、今年こそと決めていた。",
    "家族が{place}で待っていてくれた。",
    "脚が動かなくなったとき、{person}の姿が見えた。",
    "タイムは{n}時間台でしたが、満足しています。",
]
JA_WISHES = [
    "来年も同じ場所で応援してほしい。",
    "ゴール後に座れるベンチを増やしてほしい。",
    "二十回大会も家族で参加したい。",
    "ボランティアの皆さんにお礼を伝えたい。",
    "給水所の紙コップを減らす工夫があると嬉しい。",
    "子ども向けの短いコースができたら参加したい。",
]
JA_TITLES = [
    "沿道の声",
    "あと一キロ",
    "雨のゴール",
    "ありがとうの坂",
    "四十二キロの手紙",
    "給水所の笑顔",
]

EN_PLACES = [
    "the start line",
    "the 5 km mark",
    "the water station",
    "the turnaround",
    "the 30 km wall",
    "the last hill",
    "the final stretch",
    "the river bridge",
    "the shopping street",
    "the park gate",
    "the station crossing",
]
EN_PEOPLE = [
    "a volunteer",
    "an old lady I had never met",
    "a colleague",
    "my daughter",
    "my father",
    "the pacer",
    "the taiko drummers",
    "a nurse at the aid tent",
    "a runner from abroad",
    "an old friend",
    "a man with his dog",
    "the school brass band",
]
EN_ACTIONS = [
    "called my name",
    "handed me a cup of water",
    "gave me a high five",
    "ran beside me for a while",
    "held up a handmade sign",
    "was giving out sweets",
    "pushed me on",
    "waved and smiled",
    "shouted 'almost there'",
    "helped me up when I fell",
]
EN_FEELINGS = [
    "I was deeply moved",
    "I could not stop crying",
    "my heart was full",
    "I found new energy",
    "I felt warm inside",
    "I was so happy",
    "my legs came back to life",
    "the pain simply disappeared",
    "I knew I would never forget it",
    "I was glad I had entered",
    "I had no words",
    "I laughed out loud",
]
EN_EXTRA = [
    "This was my {ordinal} marathon.",
    "I trained {n} km every morning.",
    "The night before, I ran the course in my head again and again.",
    "It rained all day, and the cheering never stopped.",
    "Last year I dropped out, so this year I had to finish.",
    "My family was waiting at {place}.",
    "When my legs stopped, I saw {person}.",
    "My time was over {n} hours, and I am proud of it.",
]
EN_WISHES = [
    "Please keep the cheering spots where they are.",
    "More benches after the finish would help families.",
    "I want to run the 20th race with my children.",
    "I would like to thank every volunteer in person.",
    "Fewer paper cups at the water stations would be great.",
    "A short course for kids would be wonderful.",
]
EN_TITLES = [
    "Voices along the road",
    "One more kilometre",
    "A finish in the rain",
    "The hill of thanks",
    "A 42 km letter",
    "Smiles at the water station",
]
ORDINALS = ["first", "second", "third", "fifth", "tenth"]


def _fill(rng: random.Random, template: str, places, people) -> str:
    return template.format(
        n=rng.randint(2, 15),
        place=rng.choice(places),
        person=rng.choice(people),
        ordinal=rng.choice(ORDINALS),
    )


def japanese(rng: random.Random) -> dict:
    def scene() -> str:
        return (
            f"{rng.choice(JA_PLACES)}で{rng.choice(JA_PEOPLE)}が{rng.choice(JA_ACTIONS)}。"
            f"そのとき{rng.choice(JA_FEELINGS)}。"
        )

    def extra() -> str:
        return _fill(rng, rng.choice(JA_EXTRA), JA_PLACES, JA_PEOPLE)

    episode = "".join(rng.choice((scene, extra))() for _ in range(rng.randint(4, 9)))
    if rng.random() < 0.01:  # a rare word, in about 0.6 % of all entries
        episode += "前の晩はコースを何度もシミュレーションした。"
    return {
        "language": "ja",
        "title": rng.choice(JA_TITLES),
        "pen_name": f"ランナー{rng.randint(1, 9999)}",
        "resonated_story": scene() if rng.random() < 0.6 else "",
        "appeal": scene() + extra(),
        "episode": episode,
        "wishes": rng.choice(JA_WISHES),
        "tagline": rng.choice(JA_TITLES),
        "country": "JP",
    }


def english(rng: random.Random) -> dict:
    def scene() -> str:
        return (
            f"At {rng.choice(EN_PLACES)}, {rng.choice(EN_PEOPLE)} {rng.choice(EN_ACTIONS)}, "
            f"and {rng.choice(EN_FEELINGS)}. "
        )

    def extra() -> str:
        return _fill(rng, rng.choice(EN_EXTRA), EN_PLACES, EN_PEOPLE) + " "

    return {
        "language": "en",
        "title": rng.choice(EN_TITLES),
        "pen_name": f"Runner {rng.randint(1, 9999)}",
        "resonated_story": scene() if rng.random() < 0.6 else "",
        "appeal": scene() + extra(),
        "episode": "".join(rng.choice((scene, extra))() for _ in range(rng.randint(4, 9))),
        "wishes": rng.choice(EN_WISHES),
        "tagline": rng.choice(EN_TITLES),
        "country": rng.choice(["GB", "US", "AU", "CA", "NZ", "IE"]),
    }


# --- database -------------------------------------------------------------------------------


def pg_admin(statement) -> None:
    import psycopg

    with psycopg.connect(
        "host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True
    ) as conn:
        conn.execute(statement)


def recreate_database(name: str) -> None:
    from psycopg import sql

    pg_admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    pg_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    pg_admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- phases ---------------------------------------------------------------------------------


def generate(campaign, count: int, seed: int) -> float:
    """Write ``count`` entries; returns the seconds it took."""
    from django.utils import timezone

    from tasuki.entries.models import Entry, new_receipt

    rng = random.Random(seed)
    period = campaign.periods.first()
    terms = campaign.terms_versions.first()
    start = timezone.now()
    batch: list[Entry] = []
    started = time.perf_counter()
    for n in range(count):
        fields = japanese(rng) if rng.random() < 0.6 else english(rng)
        at = start - timezone.timedelta(seconds=count - n)
        batch.append(
            Entry(
                campaign=campaign,
                period=period,
                terms_version=terms,
                receipt=new_receipt(),
                submission_key=uuid.UUID(int=rng.getrandbits(128), version=4),
                role=rng.choice(["runner", "volunteer", "spectator", "charity"]),
                age_group="adult",
                consented_at=at,
                submitted_at=at,
                arrived_at=at,
                **fields,
            )
        )
        if len(batch) == 5000 or n == count - 1:
            Entry.objects.bulk_create(batch)
            batch = []
            print(f"\r  written {n + 1:,} of {count:,}", end="", flush=True)
    print()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def time_term(campaign, term: str, runs: int, warmup: int = 5) -> dict:
    from tasuki.entries.models import Entry
    from tasuki.review.search import search

    counts, pages, totals = [], [], []
    matched = 0
    for i in range(warmup + runs):
        queryset = search(Entry.objects.filter(campaign=campaign).order_by("-submitted_at"), term)
        t0 = time.perf_counter()
        matched = queryset.count()
        t1 = time.perf_counter()
        page = list(queryset[:50])
        t2 = time.perf_counter()
        assert len(page) == min(50, matched)
        if i >= warmup:
            counts.append((t1 - t0) * 1000)
            pages.append((t2 - t1) * 1000)
            totals.append((t2 - t0) * 1000)
    return {"matched": matched, "count": counts, "page": pages, "total": totals}


def explain(campaign, term: str) -> None:

    from tasuki.entries.models import Entry
    from tasuki.review.search import search

    queryset = search(Entry.objects.filter(campaign=campaign).order_by("-submitted_at"), term)
    # .count() runs SELECT COUNT(*) over the same unordered WHERE clause.
    for label, qs in (("rows counted", queryset.order_by()), ("first page", queryset[:50])):
        plan = qs.explain(analyze=True, buffers=True, costs=False)
        print(f"\nEXPLAIN ({label}, {term!r}):\n{plan}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per term")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--terms", nargs="+", default=["感動", "marathon", "ｼｭﾐﾚｰｼｮﾝ", "給水所 ボランティア"]
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    recreate_database(DB_NAME)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasuki.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tasuki.review.search import reindex
    from tests.factories import open_campaign

    try:
        call_command("migrate", verbosity=0)
        campaign = open_campaign(slug="bench-search")
        print(f"PostgreSQL {connection.pg_version // 10000}, database {DB_NAME}")
        seconds = generate(campaign, args.entries, args.seed)
        print(f"generated {args.entries:,} entries in {seconds:.1f} s")

        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            rate = done / (time.perf_counter() - started)
            print(f"\r  indexed {done:,} of {total:,} ({rate:,.0f}/s)", end="", flush=True)

        indexed = reindex(campaign=campaign, progress=progress, batch_size=1000)
        seconds = time.perf_counter() - started
        print(f"\nindexed {indexed:,} entries in {seconds:.1f} s: {indexed / seconds:,.0f}/s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE review_entrysearch")
            cursor.execute("VACUUM ANALYZE entries_entry")
            cursor.execute(
                "SELECT pg_size_pretty(pg_relation_size('review_entrysearch_vector_gin')),"
                " pg_size_pretty(pg_total_relation_size('review_entrysearch'))"
            )
            gin, table = cursor.fetchone()
        print(f"GIN index {gin}; review_entrysearch with its indexes and TOAST {table}")

        print(f"\n{args.runs} timed runs per term after 5 warm-ups (ms): count + first page of 50")
        print(
            f"{'term':<22} {'matches':>8}  {'count p50/p95':>14}  {'page p50/p95':>14}  "
            f"{'both p50/p95':>14}"
        )
        for term in args.terms:
            r = time_term(campaign, term, args.runs)
            cells = [
                f"{percentile(r[k], 50):6.1f}/{percentile(r[k], 95):6.1f}"
                for k in ("count", "page", "total")
            ]
            print(f"{term:<22} {r['matched']:>8,}  {cells[0]:>14}  {cells[1]:>14}  {cells[2]:>14}")
        explain(campaign, args.terms[0])
        explain(campaign, args.terms[2])
    finally:
        if not args.keep:
            drop_database(DB_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
