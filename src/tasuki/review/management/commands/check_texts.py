"""Score texts outside the database with the same checks entries get.

``manage.py check_texts FILE.jsonl`` reads lines ``{"id": ..., "lang": "ja"|"en",
"text": ...}`` in order, treating every earlier line as an earlier entry of the
same campaign, and prints one JSON line per input line::

    {"id": ..., "flags": [{"code": ..., "severity": ..., "reason": ...,
      "spans": [[start, end], ...], "duplicate_of": <id, for duplicates>}]}

Spans are character offsets into the line's ``text``. A line that is not valid
JSON or lacks a text is answered with ``"flags": []`` and an ``"error"``, and
the rest are still checked. It reads no database rows and writes nothing: the
duplicate check keeps the earlier lines in memory. ``-`` reads standard input.
"""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand

from tasuki.review import checks
from tasuki.review.checks.base import Document, Finding, Session
from tasuki.review.flagging import official_hosts


def _finding(finding: Finding, language: str) -> dict:
    out = {
        "code": finding.code,
        "severity": finding.severity,
        "reason": finding.reason_in(language),
        "spans": [[span.start, span.end] for span in finding.spans],
    }
    if finding.duplicate_of is not None:
        out["duplicate_of"] = finding.duplicate_of
    if finding.similarity is not None:
        out["similarity"] = round(finding.similarity, 4)
    return out


class Command(BaseCommand):
    help = "Check the texts of a JSON-lines file with the automatic checks and print the flags."

    def add_arguments(self, parser):
        parser.add_argument("file", help='JSON lines {"id", "lang", "text"}, or - for stdin')
        parser.add_argument(
            "--reasons-in",
            choices=["ja", "en", "line"],
            default="line",
            help="language of the reasons (default: each line's own language)",
        )

    def handle(self, *args, file: str, reasons_in: str, **options):
        source = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115
        session = Session(persistent=False)
        hosts = official_hosts()
        write = self.stdout.write
        started = time.perf_counter()
        count = 0
        try:
            for number, line in enumerate(source, start=1):
                if not line.strip():
                    continue
                count += 1
                item = None
                try:
                    item = json.loads(line)
                    ref, text = item.get("id", number), item.get("text")
                    if not isinstance(text, str):
                        raise ValueError("the line has no text")
                except (ValueError, AttributeError) as error:
                    ref = (
                        item.get("id", number) if isinstance(locals().get("item"), dict) else number
                    )
                    write(json.dumps({"id": ref, "flags": [], "error": str(error)}))
                    continue
                language = item.get("lang") if item.get("lang") in ("ja", "en") else "en"
                document = Document(
                    ref=ref, language=language, fields={"text": text}, official_hosts=hosts
                )
                findings = checks.run(document, session, photos=False)
                shown_in = language if reasons_in == "line" else reasons_in
                write(
                    json.dumps(
                        {"id": ref, "flags": [_finding(f, shown_in) for f in findings]},
                        ensure_ascii=False,
                    )
                )
        finally:
            if source is not sys.stdin:
                source.close()
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0.0
        self.stderr.write(f"checked {count} texts in {elapsed:.2f} s ({rate:.1f} per second)")
