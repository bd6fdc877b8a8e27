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
* **Scoring**: each answer as a whole (the way the model was trained and its
  threshold chosen; scoring single sentences of a clean story flagged too
  many); when one reaches the threshold, its passage of one or two sentences
  that scores highest is the evidence. Off-purpose reads all answers as one.

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
from tasuki.review.checks.text import is_japanese, japanese_share, normalize

MODEL_PATH = Path(__file__).with_name("data") / "text_model.npz"

#: Feature settings; the training script imports them, so both sides agree.
N_FEATURES = 2**18
NGRAMS = (1, 4)
#: Longest text scored, in characters (answers are far shorter).
MAX_CHARS = 20_000

_lock = threading.Lock()
#: A sentence: up to a Japanese or Latin end mark (a full stop only before a
#: space or the end, so 42.195 stays whole) or a line break.
_SENTENCE = re.compile(r"(?:[^。．！？!?.\n]|\.(?=\S))+(?:[。．！？!?\n]+|\.+(?=\s|$))?\s*")


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


def language_of(text: str) -> str:
    """ "ja" when at least a fifth of the letters are Japanese, else "en": which
    of a code's two thresholds applies (entrants mix languages freely)."""
    return "ja" if japanese_share(text) >= 0.2 else "en"


@dataclass(frozen=True)
class CodeModel:
    weights: np.ndarray  # dense float32, N_FEATURES long
    bias: float
    #: The cut-off per language ("ja", "en"), chosen on held-out folds.
    thresholds: dict[str, float]

    def threshold(self, text: str) -> float:
        return self.thresholds[language_of(text)]

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
                thresholds={lang: float(data[f"{code}_threshold_{lang}"]) for lang in ("ja", "en")},
            )
        self._vectorizer = vectorizer()
        self._cache: dict[str, object] = {}
        self._cache_lock = threading.Lock()

    def features(self, texts: list[str]):
        """The feature rows of ``texts``; the last few texts' rows are kept, so
        the three checks reading one entry vectorise each answer once."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            rows = self._vectorizer.transform([prepare(t) for t in missing])
            with self._cache_lock:
                if len(self._cache) > 512:
                    self._cache.clear()
                for i, text in enumerate(missing):
                    self._cache[text] = rows[i]
        from scipy.sparse import vstack

        return vstack([self._cache[t] for t in texts])

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
        text = text[:MAX_CHARS]
        probability = float(model.probabilities(self.features([text]))[0])
        return probability if probability >= model.threshold(text) else None

    def top_passage(self, code: str, text: str) -> Passage | None:
        """The passage of one or two sentences of ``text`` the model scores
        highest for ``code`` (the evidence a reviewer reads), with its score."""
        text = text[:MAX_CHARS]
        if code not in self.codes or not text.strip():
            return None
        spans = self.passages(text)
        scores = self.codes[code].probabilities(self.features([text[a:b] for a, b in spans]))
        # The whole text is spans[0]; among the rest, the highest, then the shortest.
        candidates = range(1, len(spans)) if len(spans) > 1 else range(1)
        top = min(candidates, key=lambda i: (-scores[i], spans[i][1] - spans[i][0]))
        start, end = spans[top]
        return Passage(start=start, end=end, probability=float(scores[top]))

    def best(self, code: str, text: str) -> Passage | None:
        """If the model's score of the whole of ``text`` reaches the threshold, its
        highest-scoring passage, carrying the whole text's probability."""
        probability = self.whole(code, text)
        passage = self.top_passage(code, text) if probability is not None else None
        if passage is None:
            return None
        return Passage(start=passage.start, end=passage.end, probability=probability)


@cache
def _load(path: Path) -> TextModel | None:
    if not path.exists():
        return None
    return TextModel(path)


def model(path: Path = MODEL_PATH) -> TextModel | None:
    """The process's model (loaded once), or None when the file is not installed."""
    with _lock:
        return _load(path)


#: The codes of the rule-based text checks: a classifier finding is tentative
#: and gives way when the rules already found something else wrong with the
#: same entry (a reviewer then reads what the rules quote, not a guess).
TEXT_CODES = ("advert", "inappropriate", "off_purpose", "pii")

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


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def enough_text(text: str, *, japanese: int = 25, words: int = 8) -> bool:
    """Whether ``text`` is long enough for the model to read it as a whole: at
    least ``japanese`` Japanese characters or ``words`` Latin-script words.
    Short notes ("感謝しかない。", "Sub 5, finally!") have too few n-grams for
    its score to mean anything."""
    letters = sum(1 for c in text if is_japanese(c))
    return letters >= japanese or len(_LATIN_WORD.findall(text)) >= words


def model_finding(
    code: str, document: Document, *, severity: str, passages: bool = True
) -> Finding | None:
    """The classifier's finding for ``code`` about ``document``, if it is sure enough.

    The answers are read as one text, as the model was trained (on whole
    stories) and its thresholds chosen: scoring each answer alone let a
    title or a single sentence of a genuine story cross the line, seven
    chances per entry. With ``passages``, the passage of any answer that
    scores highest is the evidence (abuse or promotion inside a real story);
    without, the finding is about the entry as a whole (off-purpose), and a
    line or two is left to the rules.
    """
    shipped = model()
    if shipped is None:
        return None
    fields = {name: text for name, text in document.fields.items() if text and name != "pen_name"}
    if not fields:
        return None
    joined = "\n".join(text[:MAX_CHARS] for text in fields.values())
    if not passages and not enough_text(joined):
        return None  # a line or two: the rules judge those, the model guesses
    probability = shipped.whole(code, joined)
    if probability is None:
        return None
    spans: tuple[Span, ...] = ()
    if passages:
        best: tuple[float, str, Passage] | None = None
        for name, text in fields.items():
            passage = shipped.top_passage(code, text)
            if passage is not None and (best is None or passage.probability > best[0]):
                best = (passage.probability, name, passage)
        if best is not None:
            spans = (Span(best[1], best[2].start, best[2].end),)
    return Finding(
        code=code,
        severity=severity,
        reason=REASONS[code],
        params={"percent": round(probability * 100)},
        spans=spans,
        yields_to=tuple(c for c in TEXT_CODES if c != code),
    )
