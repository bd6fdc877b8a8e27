#!/usr/bin/env python
"""Train the text classifier that backs up the checks' word lists.

    .venv/bin/python scripts/train_text_model.py            # writes the model
    .venv/bin/python scripts/train_text_model.py --dry-run  # only the figures

Reads the labelled lines of ``bench/data/train/*.jsonl`` and the two tuning
sets (``flags_dev.jsonl``, ``flags_test.jsonl``); never ``flags_blind.jsonl``,
which stays the blind measure. For each code it:

1. scores every line by 5-fold cross-validation the way the check will at run
   time (the highest of the whole text and its one- and two-sentence
   passages), with a model that never saw that line;
2. picks the lowest threshold at which, on those held-out scores, precision
   is at least ``--precision`` (0.95) and at most ``--clean-rate`` (1.5 %) of
   the clean lines would be flagged;
3. trains on every line and writes the non-zero weights, the bias and the
   threshold to ``src/tasuki/review/checks/data/text_model.npz``.

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


def fit(matrix, labels: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="liblinear")
    model.fit(matrix, labels)
    return model


def passage_scores(model: LogisticRegression, texts: list[str], vectorizer) -> np.ndarray:
    """Each text's score as the check computes it: the highest over its passages."""
    helper = classifier.TextModel.__new__(classifier.TextModel)
    out = np.zeros(len(texts))
    for i, text in enumerate(texts):
        spans = helper.passages(text)
        matrix = vectorizer.transform([classifier.prepare(text[a:b]) for a, b in spans])
        out[i] = model.predict_proba(matrix)[:, 1].max()
    return out


def choose_threshold(scores, labels, clean, precision: float, clean_rate: float) -> float:
    for threshold in np.arange(0.30, 0.995, 0.01):
        flagged = scores >= threshold
        tp = int((flagged & labels).sum())
        fp = int((flagged & ~labels).sum())
        if tp == 0:
            continue
        if tp / (tp + fp) >= precision and (flagged & clean).sum() <= clean_rate * clean.sum():
            return float(round(threshold, 2))
    return 0.995


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--precision", type=float, default=0.95)
    parser.add_argument("--clean-rate", type=float, default=0.015)
    parser.add_argument("--c", type=float, default=4.0, help="inverse regularisation")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    rows = read_lines()
    texts = [row["text"] for row in rows]
    clean = np.array([not row.get("labels") for row in rows])
    vectorizer = classifier.vectorizer()
    matrix = vectorizer.transform([classifier.prepare(t) for t in texts])
    print(f"{len(rows)} lines ({clean.sum()} clean)")
    out: dict[str, np.ndarray] = {"codes": np.array(CODES)}
    for code in CODES:
        labels = np.array([code in row.get("labels", []) for row in rows])
        held_out = np.zeros(len(rows))
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
        for train, test in folds.split(matrix, labels):
            model = fit(matrix[train], labels[train], args.c)
            held_out[test] = passage_scores(model, [texts[i] for i in test], vectorizer)
        threshold = choose_threshold(held_out, labels, clean, args.precision, args.clean_rate)
        flagged = held_out >= threshold
        tp, fp = int((flagged & labels).sum()), int((flagged & ~labels).sum())
        fn = int((~flagged & labels).sum())
        for lang in ("ja", "en"):
            in_lang = np.array([row["lang"] == lang for row in rows])
            ltp = int((flagged & labels & in_lang).sum())
            lfp = int((flagged & ~labels & in_lang).sum())
            lfn = int((~flagged & labels & in_lang).sum())
            print(
                f"{code:14s} {lang}  held out at {threshold:.2f}: "
                f"precision {ltp / max(ltp + lfp, 1):.2f} recall {ltp / max(ltp + lfn, 1):.2f} "
                f"({ltp} found, {lfp} wrong, {lfn} missed)"
            )
        print(
            f"{code:14s} all clean lines flagged: {(flagged & clean).sum()}/{clean.sum()}; "
            f"tp {tp} fp {fp} fn {fn}"
        )
        final = fit(matrix, labels, args.c)
        weights = final.coef_[0].astype(np.float32)
        index = np.flatnonzero(weights)
        out[f"{code}_index"] = index.astype(np.int32)
        out[f"{code}_value"] = weights[index]
        out[f"{code}_bias"] = np.array(final.intercept_[0], dtype=np.float32)
        out[f"{code}_threshold"] = np.array(threshold, dtype=np.float32)
    if not args.dry_run:
        classifier.MODEL_PATH.parent.mkdir(exist_ok=True)
        np.savez_compressed(classifier.MODEL_PATH, **out)
        size = classifier.MODEL_PATH.stat().st_size
        print(f"wrote {classifier.MODEL_PATH.relative_to(ROOT)} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
