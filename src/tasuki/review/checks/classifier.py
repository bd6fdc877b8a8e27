"""A small text classifier that backs up the word lists, trained on our own examples.

Word lists catch the phrasings they were written for; abuse, adverts and
off-topic posts phrased another way slip through (``docs/benchmarks.md``). A
classifier over character n-grams generalises a little further: it learns
that 出て行け and 帰れ, or "useless" and "pathetic" aimed at "the pacers", are
alike, and it needs no word splitting, so it reads Japanese and English alike.

* **Features**: the normalised text (``text.normalize``: invisible characters
  dropped, NFKC, case folded, hiragana as katakana), as character 1- to
  4-grams hashed into 2¹⁸ buckets (scikit-learn's ``HashingVectorizer``:
  stateless, so nothing but the weights has to ship).
* **Model**: one logistic regression per code, trained by
  ``scripts/train_text_model.py`` on the labelled lines in
  ``bench/data/train/`` and the two tuning sets (never on the blind set), and
  shipped in the package as ``data/text_model.npz`` (non-zero weights only).
  Each code's threshold was chosen on held-out folds for precision, and is
  stored with the weights.
* **Scoring**: the whole text and each passage of up to two sentences; the
  highest score counts, and the passage that gave it is the evidence.

The file is loaded once per process; if it is missing (a trimmed install), the
checks simply run on their word lists alone.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from django.utils.translation import gettext_noop

from tasuki.review.checks.base import Document, Finding, Span
from tasuki.review.checks.text import normalize

MODEL_PATH = Path(__file__).with_name("data") / "text_model.npz"

#: Feature settings; the training script imports them, so both sides agree.
N_FEATURES = 2**18
NGRAMS = (1, 4)
#: Longest text scored, in characters (answers are far shorter).
MAX_CHARS = 20_000

_lock = threading.Lock()
_SENTENCE = re.compile(r"[^。．！？!?\n]+[。．！？!?\n]*|[。．！？!?\n]+")


def vectorizer():
    """The feature extractor (stateless: the same in training and at run time)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char",
        ngram_range=NGRAMS,
        n_features=N_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        dtype=np.float32,
    )


def prepare(text: str) -> str:
    """What the model reads of a text: normalised, hiragana as katakana, spaces squeezed."""
    return " ".join(normalize(text).folded.split())


@dataclass(frozen=True)
class CodeModel:
    weights: np.ndarray  # dense float32, N_FEATURES long
    bias: float
    threshold: float

    def probabilities(self, matrix) -> np.ndarray:
        scores = matrix @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-scores))


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    probability: float


class TextModel:
    """The shipped weights for each code, and scoring of texts and their passages."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        data = np.load(path, allow_pickle=False)
        self.codes: dict[str, CodeModel] = {}
        for code in [str(c) for c in data["codes"]]:
            weights = np.zeros(N_FEATURES, dtype=np.float32)
            weights[data[f"{code}_index"]] = data[f"{code}_value"]
            self.codes[code] = CodeModel(
                weights=weights,
                bias=float(data[f"{code}_bias"]),
                threshold=float(data[f"{code}_threshold"]),
            )
        self._vectorizer = vectorizer()

    def passages(self, text: str) -> list[tuple[int, int]]:
        """The whole text, and each run of one or two sentences (offsets into ``text``)."""
        sentences = [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]
        spans = [(0, len(text))]
        spans += sentences
        spans += [(a[0], b[1]) for a, b in itertools.pairwise(sentences)]
        return list(dict.fromkeys(spans))

    def whole(self, code: str, text: str) -> float | None:
        """The model's score for ``code`` of the whole text, if it reaches the threshold."""
        model = self.codes.get(code)
        if model is None or not text.strip():
            return None
        matrix = self._vectorizer.transform([prepare(text[:MAX_CHARS])])
        probability = float(model.probabilities(matrix)[0])
        return probability if probability >= model.threshold else None

    def best(self, code: str, text: str) -> Passage | None:
        """The passage of ``text`` the model scores highest for ``code``, if the
        score reaches the code's threshold."""
        model = self.codes.get(code)
        if model is None or not text.strip():
            return None
        spans = self.passages(text)
        matrix = self._vectorizer.transform([prepare(text[a:b]) for a, b in spans])
        probabilities = model.probabilities(matrix)
        # The shortest passage among the highest: the evidence a reviewer reads.
        order = sorted(
            range(len(spans)), key=lambda i: (-probabilities[i], spans[i][1] - spans[i][0])
        )
        top = order[0]
        if probabilities[top] < model.threshold:
            return None
        start, end = spans[top]
        return Passage(start=start, end=end, probability=float(probabilities[top]))


@cache
def _load(path: Path) -> TextModel | None:
    if not path.exists():
        return None
    return TextModel(path)


def model(path: Path = MODEL_PATH) -> TextModel | None:
    """The process's model (loaded once), or None when the file is not installed."""
    with _lock:
        return _load(path)


#: What a reviewer reads when only the classifier found something.
REASONS = {
    "inappropriate": gettext_noop(
        "No listed word matched, but this passage reads like abuse of someone to a model "
        "trained on examples (%(percent)s %% sure). Please judge it yourself."
    ),
    "advert": gettext_noop(
        "No listed phrase matched, but this passage reads like promotion to a model "
        "trained on examples (%(percent)s %% sure). Please judge it yourself."
    ),
    "off_purpose": gettext_noop(
        "No rule matched, but this entry reads as unrelated to the race to a model "
        "trained on examples (%(percent)s %% sure). Please judge it yourself."
    ),
}


def model_finding(
    code: str, document: Document, *, severity: str, passages: bool = True
) -> Finding | None:
    """The classifier's finding for ``code`` about ``document``, if it is sure enough.

    With ``passages`` each field and its sentences are scored and the best
    passage is the evidence (a passage of abuse or promotion inside a real
    story); without, the answers are read as one text (whether the entry as a
    whole is about the race).
    """
    shipped = model()
    if shipped is None:
        return None
    fields = {name: text for name, text in document.fields.items() if text and name != "pen_name"}
    if not fields:
        return None
    if not passages:
        joined = "\n".join(fields.values())
        found = shipped.whole(code, joined)
        if found is None:
            return None
        return Finding(
            code=code,
            severity=severity,
            reason=REASONS[code],
            params={"percent": round(found * 100)},
        )
    best: tuple[float, str, Passage] | None = None
    for name, text in fields.items():
        passage = shipped.best(code, text[:MAX_CHARS])
        if passage is not None and (best is None or passage.probability > best[0]):
            best = (passage.probability, name, passage)
    if best is None:
        return None
    probability, name, passage = best
    return Finding(
        code=code,
        severity=severity,
        reason=REASONS[code],
        params={"percent": round(probability * 100)},
        spans=(Span(name, passage.start, passage.end),),
    )
