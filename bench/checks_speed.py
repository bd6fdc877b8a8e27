"""How fast each automatic check reads texts, on one core, once its models are loaded.

Run by hand (never by the tests)::

    .venv/bin/python bench/checks_speed.py              # the labelled sets' texts
    .venv/bin/python bench/checks_speed.py --rounds 5   # each text read 5 times

Reads the texts of ``bench/data/flags_*.jsonl`` (labels ignored) and times,
for every text check of ``TASUKI_CHECKS``, each text as its own document in
one non-persistent session (as ``check_texts`` does). Prints documents per
second per check, the load time of each check's first call (models, word
lists, the Sudachi dictionary), and the whole run's rate. A 100,000-character
text is timed on its own too (the longest input the checks are written for).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasuki.settings")

import django  # noqa: E402

django.setup()

from tasuki.review import checks  # noqa: E402
from tasuki.review.checks.base import Document, Session  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args(argv)
    texts = []
    for path in sorted((ROOT / "bench" / "data").glob("flags_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            texts.append((item["lang"], item["text"]))
    huge = ("沿道の声援に背中を押された。" + "The crowd carried me home. ") * 2500
    print(f"{len(texts)} texts x {args.rounds} rounds, one core\n")
    print(f"{'check':<22} {'first call':>11} {'docs/s':>9} {'100k chars':>11}")
    total = 0.0
    for check in checks.active_checks():
        if check.reads_photos:
            continue
        session = Session(persistent=False)
        started = time.perf_counter()
        list(check.check(Document(ref="warm", language="en", fields={"text": "warm up"}), session))
        first = time.perf_counter() - started
        started = time.perf_counter()
        for round_ in range(args.rounds):
            for i, (lang, text) in enumerate(texts):
                document = Document(ref=f"{round_}-{i}", language=lang, fields={"text": text})
                list(check.check(document, session))
        elapsed = time.perf_counter() - started
        total += elapsed
        started = time.perf_counter()
        list(check.check(Document(ref="huge", language="ja", fields={"text": huge}), session))
        big = time.perf_counter() - started
        rate = len(texts) * args.rounds / elapsed
        print(f"{check.name:<22} {first * 1000:>9.0f} ms {rate:>9,.0f} {big * 1000:>8.0f} ms")
    print(f"\nall text checks together: {len(texts) * args.rounds / total:,.0f} documents/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
