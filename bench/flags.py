"""Score the automatic text checks on the labelled sets, through ``check_texts``.

Run by hand (never by the tests)::

    .venv/bin/python bench/flags.py                 # the held-out test set
    .venv/bin/python bench/flags.py --set dev       # the set detector authors may read
    .venv/bin/python bench/flags.py --set both
    .venv/bin/python bench/flags.py --file PATH     # any file in the same format
    .venv/bin/python bench/flags.py --set dev --output saved.jsonl   # score a saved run

What it does, for each set:

1. reads the labelled lines ``{"id", "lang", "text", "labels": [...],
   "duplicate_of"?}`` (``bench/data/README.md`` says what each label means);
2. writes a temporary copy holding only ``id``, ``lang`` and ``text`` (the
   command never sees a label) and runs ``manage.py check_texts`` on it in a
   subprocess, with ``TASUKI_OFFICIAL_HOSTS=www.marathon.example`` (the race's
   official site in the set);
3. compares the codes it prints with the labels and prints, per code and per
   language, TP, FP, FN, precision, recall and F1 (against the issue's target:
   precision ≥ 0.9, recall ≥ 0.8); for duplicates, whether ``duplicate_of``
   names the right earlier line; the share of clean lines (no label) with any
   flag (target < 5 %); entries checked per second (wall time of the command,
   and the rate the command itself reports on stderr, which leaves out
   start-up); and the misclassified ids per code, so detector authors can look.

A low score is a result, not an error: the script exits 0 unless the command
could not run at all. The scoring functions are importable (the tests use them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
SETS = {
    "dev": DATA / "flags_dev.jsonl",
    "test": DATA / "flags_test.jsonl",
    "blind": DATA / "flags_blind.jsonl",
    "blind2": DATA / "flags_blind2.jsonl",
}

#: The codes the set labels, in the order they are reported.
CODES = ("advert", "inappropriate", "off_purpose", "pii", "duplicate")
LANGUAGES = ("ja", "en")
#: The host the set uses for the race's official site.
OFFICIAL_HOST = "www.marathon.example"
#: A note that a check could not finish: reported apart, never counted as a flag.
NOT_CHECKED = "not_checked"

TARGET_PRECISION = 0.9
TARGET_RECALL = 0.8
TARGET_CLEAN_FLAGGED = 0.05

#: What ``check_texts`` writes on stderr when it is done.
RATE_LINE = re.compile(r"checked (\d+) texts in ([\d.]+) s")


# --- reading ---------------------------------------------------------------------------


def read_labelled(path: Path) -> list[dict[str, Any]]:
    """The labelled lines of ``path``, in order."""
    with open(path, encoding="utf-8") as source:
        return [json.loads(line) for line in source if line.strip()]


def read_output(lines: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """``check_texts`` output: line id (as a string) → its flags."""
    predicted: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        item = json.loads(line)
        predicted[str(item.get("id"))] = list(item.get("flags") or [])
    return predicted


# --- scoring ---------------------------------------------------------------------------


@dataclass
class Counts:
    """Confusion counts of one code in one language, with the ids behind them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    fp_ids: list[str] = field(default_factory=list)
    fn_ids: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None

    def meets_target(self) -> bool:
        """Precision and recall at the issue's target (a code never labelled nor flagged passes)."""
        p, r = self.precision, self.recall
        return (p is None or p >= TARGET_PRECISION) and (r is None or r >= TARGET_RECALL)


@dataclass
class Score:
    """Everything the report prints about one set."""

    #: (code, language) → counts; language "all" adds both up.
    counts: dict[tuple[str, str], Counts]
    #: language → (clean lines flagged, clean lines, their ids)
    clean: dict[str, tuple[int, int, list[str]]]
    #: language → (duplicates found naming the right line, duplicates found, wrong ids)
    duplicate_target: dict[str, tuple[int, int, list[str]]]
    #: ids the command printed nothing for, and ids with a "could not check" note
    missing: list[str]
    not_checked: list[str]
    #: codes the command printed that the set does not label: code → number of lines
    other_codes: dict[str, int]
    lines: int


def predicted_codes(flags: Iterable[Mapping[str, Any]]) -> set[str]:
    """The codes of ``flags`` that count as flags (not the "could not check" note)."""
    return {flag.get("code") for flag in flags if flag.get("code") != NOT_CHECKED}


def score(labelled: list[dict[str, Any]], predicted: Mapping[str, list[dict[str, Any]]]) -> Score:
    """Compare the labels of ``labelled`` with ``predicted`` (id → flags)."""
    counts = {(code, lang): Counts() for code in CODES for lang in (*LANGUAGES, "all")}
    clean_flagged = {lang: [0, 0, []] for lang in (*LANGUAGES, "all")}
    dup_target = {lang: [0, 0, []] for lang in (*LANGUAGES, "all")}
    missing: list[str] = []
    not_checked: list[str] = []
    other: dict[str, int] = {}
    for item in labelled:
        ref, lang = str(item["id"]), item["lang"]
        gold = set(item.get("labels") or ())
        if str(ref) not in predicted:
            missing.append(ref)
        flags = predicted.get(ref, [])
        if any(flag.get("code") == NOT_CHECKED for flag in flags):
            not_checked.append(ref)
        found = predicted_codes(flags)
        for code in found - set(CODES):
            other[code] = other.get(code, 0) + 1
        for code in CODES:
            for bucket in (lang, "all"):
                c = counts[(code, bucket)]
                if code in gold and code in found:
                    c.tp += 1
                elif code in found:
                    c.fp += 1
                    c.fp_ids.append(ref)
                elif code in gold:
                    c.fn += 1
                    c.fn_ids.append(ref)
        if not gold:
            for bucket in (lang, "all"):
                clean_flagged[bucket][1] += 1
                if found:
                    clean_flagged[bucket][0] += 1
                    clean_flagged[bucket][2].append(ref)
        if "duplicate" in gold and "duplicate" in found:
            named = {
                str(flag.get("duplicate_of"))
                for flag in flags
                if flag.get("code") == "duplicate" and flag.get("duplicate_of") is not None
            }
            right = str(item.get("duplicate_of")) in named
            for bucket in (lang, "all"):
                dup_target[bucket][1] += 1
                if right:
                    dup_target[bucket][0] += 1
                else:
                    dup_target[bucket][2].append(ref)
    return Score(
        counts=counts,
        clean={k: (v[0], v[1], v[2]) for k, v in clean_flagged.items()},
        duplicate_target={k: (v[0], v[1], v[2]) for k, v in dup_target.items()},
        missing=missing,
        not_checked=not_checked,
        other_codes=other,
        lines=len(labelled),
    )


# --- running ---------------------------------------------------------------------------


@dataclass
class Run:
    output: list[str]
    wall: float
    #: What the command reported: (texts, seconds) without its start-up, if it said.
    inner: tuple[int, float] | None
    returncode: int
    stderr: str


def run_check_texts(labelled: list[dict[str, Any]], python: str = sys.executable) -> Run:
    """Run ``manage.py check_texts`` on ``labelled`` without its labels."""
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", suffix=".jsonl", prefix="flags-", delete=False
    ) as handle:
        for item in labelled:
            bare = {"id": item["id"], "lang": item["lang"], "text": item["text"]}
            handle.write(json.dumps(bare, ensure_ascii=False) + "\n")
        path = handle.name
    env = {**os.environ, "TASUKI_OFFICIAL_HOSTS": OFFICIAL_HOST}
    try:
        started = time.perf_counter()
        done = subprocess.run(
            [python, str(ROOT / "manage.py"), "check_texts", path],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
        )
        wall = time.perf_counter() - started
    finally:
        os.unlink(path)
    match = RATE_LINE.search(done.stderr or "")
    inner = (int(match.group(1)), float(match.group(2))) if match else None
    return Run(done.stdout.splitlines(), wall, inner, done.returncode, done.stderr)


# --- report ----------------------------------------------------------------------------


def _num(value: float | None) -> str:
    return "   —" if value is None else f"{value:.2f}"


def report(name: str, result: Score, run: Run | None = None, *, list_ids: int = 30) -> str:
    """The printed report of one set."""
    out = [f"== {name}: {result.lines} lines =="]
    header = (
        f"{'code':<14}{'lang':<5}{'TP':>4}{'FP':>4}{'FN':>4}{'prec':>7}{'rec':>7}{'F1':>7}  target"
    )
    out.append(header)
    for code in CODES:
        for lang in (*LANGUAGES, "all"):
            c = result.counts[(code, lang)]
            mark = "ok" if c.meets_target() else "MISS"
            out.append(
                f"{code:<14}{lang:<5}{c.tp:>4}{c.fp:>4}{c.fn:>4}"
                f"{_num(c.precision):>7}{_num(c.recall):>7}{_num(c.f1):>7}  {mark}"
            )
    out.append("")
    for lang in (*LANGUAGES, "all"):
        right, found, _wrong = result.duplicate_target[lang]
        out.append(f"duplicate_of right ({lang}): {right}/{found} of the duplicates found")
    for lang in (*LANGUAGES, "all"):
        flagged, total, _listed = result.clean[lang]
        share = flagged / total if total else 0.0
        mark = "ok" if share < TARGET_CLEAN_FLAGGED else "MISS"
        out.append(
            f"clean lines flagged ({lang}): {flagged}/{total} = {share:.1%}  (target < 5 %) {mark}"
        )
    if run is not None:
        rate = result.lines / run.wall if run.wall else 0.0
        speed = f"speed: {rate:.1f} lines/s wall ({run.wall:.2f} s with start-up)"
        if run.inner:
            texts, seconds = run.inner
            inner_rate = texts / seconds if seconds else 0.0
            speed += f", {inner_rate:.1f} lines/s as the command reports it ({seconds:.2f} s)"
        out.append(speed)
    if result.missing:
        out.append(f"no output for {len(result.missing)} lines: {_ids(result.missing, list_ids)}")
    if result.not_checked:
        out.append(
            f"'could not check' notes on {len(result.not_checked)} lines: "
            f"{_ids(result.not_checked, list_ids)}"
        )
    if result.other_codes:
        out.append(
            "other codes (not scored): "
            + ", ".join(f"{code} ×{n}" for code, n in sorted(result.other_codes.items()))
        )
    out.append("")
    out.append("misclassified (FP = flagged without the label, FN = label not flagged):")
    for code in CODES:
        c = result.counts[(code, "all")]
        if c.fp_ids:
            out.append(f"  {code} FP: {_ids(c.fp_ids, list_ids)}")
        if c.fn_ids:
            out.append(f"  {code} FN: {_ids(c.fn_ids, list_ids)}")
    wrong = result.duplicate_target["all"][2]
    if wrong:
        out.append(f"  duplicate with the wrong duplicate_of: {_ids(wrong, list_ids)}")
    clean_ids = result.clean["all"][2]
    if clean_ids:
        out.append(f"  clean lines flagged: {_ids(clean_ids, list_ids)}")
    return "\n".join(out)


def _ids(ids: list[str], limit: int) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" … (+{len(ids) - limit})" if len(ids) > limit else "")


def as_json(result: Score, run: Run | None) -> dict[str, Any]:
    """The numbers of one set as JSON-ready data (for docs/benchmarks.md)."""
    data: dict[str, Any] = {"lines": result.lines, "codes": {}}
    for (code, lang), c in result.counts.items():
        data["codes"].setdefault(code, {})[lang] = {
            "tp": c.tp,
            "fp": c.fp,
            "fn": c.fn,
            "precision": c.precision,
            "recall": c.recall,
            "f1": c.f1,
        }
    data["clean_flagged"] = {k: {"flagged": v[0], "of": v[1]} for k, v in result.clean.items()}
    data["duplicate_of_right"] = {
        k: {"right": v[0], "of": v[1]} for k, v in result.duplicate_target.items()
    }
    if run is not None:
        data["wall_seconds"] = round(run.wall, 3)
        if run.inner:
            data["command_seconds"] = run.inner[1]
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--set",
        choices=["test", "dev", "blind", "blind2", "both", "all"],
        default="test",
        help="both: dev and test; all: every set",
    )
    parser.add_argument("--file", type=Path, help="a labelled JSON-lines file instead of a set")
    parser.add_argument(
        "--output",
        type=Path,
        help="score this saved check_texts output instead of running the command",
    )
    parser.add_argument("--python", default=sys.executable, help="the interpreter for manage.py")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    parser.add_argument("--ids", type=int, default=40, help="misclassified ids listed per code")
    args = parser.parse_args(argv)

    if args.file:
        targets = {args.file.name: args.file}
    elif args.set == "both":
        targets = {name: SETS[name] for name in ("dev", "test")}
    elif args.set == "all":
        targets = {name: path for name, path in SETS.items() if path.exists()}
    else:
        targets = {args.set: SETS[args.set]}
    if args.output and len(targets) != 1:
        parser.error("--output scores one set: give --set dev|test|blind|blind2 or --file")

    numbers = {}
    for name, path in targets.items():
        labelled = read_labelled(path)
        run = None
        if args.output:
            with open(args.output, encoding="utf-8") as saved:
                predicted = read_output(saved)
        else:
            run = run_check_texts(labelled, args.python)
            if run.returncode != 0 and not run.output:
                print(f"check_texts failed (exit {run.returncode}):", file=sys.stderr)
                print(run.stderr[-3000:], file=sys.stderr)
                return 1
            if run.returncode != 0:
                print(f"warning: check_texts exited {run.returncode}", file=sys.stderr)
            predicted = read_output(run.output)
        result = score(labelled, predicted)
        print(report(name, result, run, list_ids=args.ids))
        print()
        numbers[name] = as_json(result, run)
    if args.json:
        args.json.write_text(json.dumps(numbers, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
