#!/usr/bin/env python
"""Train the text classifier that backs up the checks' word lists.

    .venv/bin/python scripts/train_text_model.py            # writes the model
    .venv/bin/python scripts/train_text_model.py --dry-run  # only the figures

Reads the labelled lines of ``bench/data/train/*.jsonl`` and the two tuning
sets (``flags_dev.jsonl``, ``flags_test.jsonl``); never ``flags_blind.jsonl``,
which stays the blind measure. For each code it:

1. scores every line by 5-fold cross-validation as the check will at run
   time (the whole text), with a model that never saw that line;
2. picks, per language, the lowest threshold at which, on those held-out
   scores, precision is at least ``--precision`` (0.95) and at most
   ``--clean-rate`` (1.5 %) of the clean lines would be flagged;
3. trains on every line; raises a threshold that a genuine demo entry
   (``entries/demo/entries.json``, whole entries of seven answers, all clean)
   would cross to just above it; and writes the non-zero weights, the bias
   and the thresholds to ``src/tasuki/review/checks/data/text_model.npz``.

It prints, per code, the held-out precision and recall at the chosen
threshold. Deterministic: the same lines give the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import os  # noqa: E402

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tasuki.settings")
django.setup()

from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from tasuki.review.checks import classifier  # noqa: E402

DATA = ROOT / "bench" / "data"
CODES = ("inappropriate", "advert", "off_purpose")


def read_lines() -> list[dict]:
    files = [
        *sorted((DATA / "train").glob("*.jsonl")),
        DATA / "flags_dev.jsonl",
        DATA / "flags_test.jsonl",
    ]
    rows = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                if isinstance(item.get("text"), str) and item["text"].strip():
                    rows.append(item)
    return rows


#: How far above the highest-scoring genuine demo entry a threshold must be.
DEMO_MARGIN = 0.03


def demo_entries() -> list[str]:
    """The demo's entries (genuine stories written for the demo, all clean), each
    as the checks read an entry: its answers joined, without the pen name."""
    from tasuki.review.flagging import FIELDS

    path = ROOT / "src" / "tasuki" / "entries" / "demo" / "entries.json"
    items = json.loads(path.read_text(encoding="utf-8"))
    return [
        "\n".join(item[name] for name in FIELDS if name != "pen_name" and item.get(name))
        for item in items
    ]


def fit(matrix, labels: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
    model.fit(matrix, labels)
    return model


def choose_threshold(scores, labels, clean, precision: float, clean_rate: float) -> float:
    for hundredths in range(30, 100):
        threshold = hundredths / 100
        flagged = scores >= threshold
        tp = int((flagged & labels).sum())
        fp = int((flagged & ~labels).sum())
        if tp == 0:
            continue
        if tp / (tp + fp) >= precision and (flagged & clean).sum() <= clean_rate * clean.sum():
            return threshold
    return 0.995


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--precision", type=float, default=0.95)
    parser.add_argument("--clean-rate", type=float, default=0.015)
    parser.add_argument("--c", type=float, default=20.0, help="inverse regularisation")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    rows = read_lines()
    texts = [row["text"] for row in rows]
    clean = np.array([not row.get("labels") for row in rows])
    vectorizer = classifier.vectorizer()
    matrix = vectorizer.transform([classifier.prepare(t) for t in texts])
    print(f"{len(rows)} lines ({clean.sum()} clean)")
    out: dict[str, np.ndarray] = {"codes": np.array(CODES)}
    demo = {}
    for lang in ("ja", "en"):
        entries = [t for t in demo_entries() if classifier.language_of(t) == lang]
        demo[lang] = (entries, vectorizer.transform([classifier.prepare(t) for t in entries]))
    for code in CODES:
        labels = np.array([code in row.get("labels", []) for row in rows])
        held_out = np.zeros(len(rows))
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
        for train, test in folds.split(matrix, labels):
            model = fit(matrix[train], labels[train], args.c)
            held_out[test] = model.predict_proba(matrix[test])[:, 1]
        # One threshold per language: the model is surer of one script than the
        # other, and a single cut-off would trade one language's precision for
        # the other's recall. A text's language is read from its letters, as
        # at run time (classifier.language_of), not from the line's label.
        thresholds = {}
        for lang in ("ja", "en"):
            in_lang = np.array([classifier.language_of(t) == lang for t in texts])
            threshold = choose_threshold(
                held_out[in_lang],
                labels[in_lang],
                clean[in_lang],
                args.precision,
                args.clean_rate,
            )
            thresholds[lang] = threshold
            flagged = held_out[in_lang] >= threshold
            ltp = int((flagged & labels[in_lang]).sum())
            lfp = int((flagged & ~labels[in_lang]).sum())
            lfn = int((~flagged & labels[in_lang]).sum())
            lclean = int((flagged & clean[in_lang]).sum())
            print(
                f"{code:14s} {lang}  held out at {threshold:.2f}: "
                f"precision {ltp / max(ltp + lfp, 1):.2f} recall {ltp / max(ltp + lfn, 1):.2f} "
                f"({ltp} found, {lfp} wrong, {lfn} missed; "
                f"clean flagged {lclean}/{int(clean[in_lang].sum())})"
            )
        final = fit(matrix, labels, args.c)
        # Whole entries are longer than the training lines (seven answers, not
        # one): the genuine demo entries, every one clean, must stay unflagged.
        # A threshold the longest of them would cross is raised just above it.
        for lang, (texts_of_lang, demo_matrix) in demo.items():
            highest = float(final.predict_proba(demo_matrix)[:, 1].max())
            if highest + DEMO_MARGIN > thresholds[lang]:
                raised = min(0.99, round(highest + DEMO_MARGIN, 2))
                print(
                    f"{code:14s} {lang}  raised to {raised:.2f}: a genuine demo entry "
                    f"({len(texts_of_lang)} of them) scores {highest:.2f}"
                )
                thresholds[lang] = raised
        weights = final.coef_[0].astype(np.float32)
        index = np.flatnonzero(weights)
        out[f"{code}_index"] = index.astype(np.int32)
        out[f"{code}_value"] = weights[index]
        out[f"{code}_bias"] = np.array(final.intercept_[0], dtype=np.float32)
        for lang, threshold in thresholds.items():
            out[f"{code}_threshold_{lang}"] = np.array(threshold, dtype=np.float32)
    if not args.dry_run:
        classifier.MODEL_PATH.parent.mkdir(exist_ok=True)
        np.savez_compressed(classifier.MODEL_PATH, **out)
        size = classifier.MODEL_PATH.stat().st_size
        print(f"wrote {classifier.MODEL_PATH.relative_to(ROOT)} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
