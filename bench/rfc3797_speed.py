"""Speed of the RFC 3797 selection and of the standalone verifier on a big pool.

    .venv/bin/python bench/rfc3797_speed.py [tickets] [count]

Prints the time of select() over 1,000,000 tickets drawing 30, and the time and
peak traced memory (tracemalloc) of building, writing and verifying a
1,000,000-ticket draw.json with the standalone verifier.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from tasuki.draws import export, rfc3797, verify

SOURCES = [
    {"name": "lottery", "values": ["07", "12", "03", "41", "29", "18"]},
    {"name": "drand", "values": ["98765432109876543210987654321098765432109876543210"]},
]


def timed(label, action):
    tracemalloc.start()
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<48} {seconds * 1000:9.1f} ms   peak {peak / 2**20:7.1f} MiB")
    return result


def main() -> None:
    tickets_n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    values = [source["values"] for source in SOURCES]

    runs = []
    for _ in range(20):
        started = time.perf_counter()
        rfc3797.select(tickets_n, values, count)
        runs.append(time.perf_counter() - started)
    print(
        f"select({tickets_n:,} tickets, {count}): best {min(runs) * 1000:.2f} ms, "
        f"median {sorted(runs)[len(runs) // 2] * 1000:.2f} ms over 20 runs"
    )

    tickets = [hashlib.sha256(str(n).encode()).hexdigest()[:16] for n in range(tickets_n)]
    document = timed(
        "draw_document (pool hash + selection)",
        lambda: export.draw_document(tickets, SOURCES, count),
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "draw.json"
        text = json.dumps(document)
        path.write_text(text, encoding="utf-8")
        print(f"draw.json size: {path.stat().st_size / 2**20:.1f} MiB")
        del document, text
        outcome = timed(
            "verify: load + pool hash + key + steps", lambda: verify.check(verify.load(str(path)))
        )
        print("verifier says:", "VALID" if outcome is None else f"INVALID: {outcome}")


if __name__ == "__main__":
    main()
