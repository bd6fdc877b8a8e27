"""``inappropriate``: insults, harassment, sexual remarks, hate and threats.

Runners write violently about hills and their own legs: "a killer hill", "I
was dead tired", "I thought I would die at km 35", 死ぬほど疲れた, 殺人的な坂,
足が死んだ. None of that is abuse; abuse is aimed at someone (the volunteers,
another runner, "you") or is a slur, a threat, a sexual remark, whoever it is
about. The check therefore looks for words *and* for what they are aimed at.

Japanese
--------
Word list ``lexicon/abuse_ja.txt`` (see its header), matched on the
normalised text with hiragana as katakana (:attr:`Normalized.folded`), as
substrings: Japanese has no spaces to split on. Besides fixed words it holds
constructions (``re:`` entries) for whole classes of abuse: a group or a
person followed by は/が/って/なんか and an exclusion (外人は帰れ, 年寄りは邪魔,
ジジババは出場させないで, any ○○人 told to go home); looks (隣を走ってたデブ、,
顔がひどい); sexual gaze at people (スタイル良すぎ, 胸ばっかり見てた,
触りたい, 眺めてたかった); revenge (〜てやる after a harming verb, 覚悟しとけ,
次会ったら…ぶっ, 顔覚えたからな); kana imperatives split by invisible
characters (し​ね, きえろ: the normaliser drops the invisible ones). Short words
that hide inside others (ホモ in ホモ・サピエンス, ブス in ブスッと) are matched as
whole Sudachi words or by constructions with boundaries. Words that are only
abuse when aimed at someone (バカ, クズ, ゴミ) need a person right before them
(お前はバカ, 審判のやつ、マジでゴミ) or an insulting ending after them (バカか,
アホじゃねえの), and a sentence about oneself (自分はバカだった) is left
alone. Verbs whose imperative is abuse (死ね, くたばれ, 失せろ) are found
through Sudachi's conjugation form, so 死ぬほど, 死にそう and 足が死んだ never
match. Idioms in the ``[allow]`` section (殺人的, ゴミ拾い) cancel a match
inside them.

English
-------
Word list ``lexicon/abuse_en.txt``: slurs (disguised ones too: f*gs), strong
insults, threats and revenge ("you'll regret it", "deserves a punch"), sexual
remarks ("amazing bodies", "rather watch them than run"), group exclusion
("old walkers should be banned", "send them all back", "go back to China")
and looks ("the woman next to me was ugly as hell") always count; insults
like "idiot" or "useless" only when aimed at someone ("you idiot", "the
marshals were useless morons", "those clowns") and not at oneself ("I felt
like an idiot"). Disguised spellings (f*ck, sh1t, @ss) are undone first.

Then every sentence no word explained is read by alt-profanity-check's model
(a calibrated linear SVM shipped in its package, evaluated here directly,
which is a hundred times faster than its ``predict_prob``), with runners'
idioms, similes ("laughed like idiots") and mild swearing ("damn", "hell")
taken out. A sentence with a person or group to aim at is an insult from
``model_threshold`` (0.75), any other from ``untargeted_threshold`` (0.9);
both were chosen on labelled clean stories and hard negatives (0.7/0.85
already flags "the toilet queues were ridiculous"). The evidence is the words
the model weighs most, or the sentence when only their combination offends;
a word said of oneself ("I'm a stupid stubborn woman") is not abuse.

One finding per kind, each with the spans of its words in the original text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext_noop

from tasuki.review.checks import _lexicon, classifier
from tasuki.review.checks.base import Check, Document, Finding, Session, Severity, Span
from tasuki.review.checks.text import Normalized, normalize, tokens

KINDS = ("threat", "hate", "sexual", "harassment", "insult", "profanity")

REASONS = {
    "insult": gettext_noop("The text contains what looks like an insult."),
    "harassment": gettext_noop("The text contains what looks like harassment."),
    "sexual": gettext_noop("The text contains what looks like a sexual remark."),
    "hate": gettext_noop("The text contains what looks like hate speech."),
    "threat": gettext_noop("The text contains what looks like a threat."),
    "profanity": gettext_noop("The text contains strong profanity."),
}

#: Longest text read, in normalised characters (answers are far shorter).
MAX_CHARS = 30_000

_SENTENCE = re.compile(r"[^。．！？!?\n]+[。．！？!?\n]*")
_JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[a-z][a-z'*]*[a-z]|[a-z]")

# Disguises undone before English matching (same length, so same offsets).
_LEET = {"0": "o", "1": "i", "3": "e", "!": "i", "4": "a", "5": "s", "7": "t"}


def _undisguise(text: str) -> str:
    out = list(text)
    n = len(out)
    for i, char in enumerate(text):
        prev = out[i - 1] if i else " "
        nxt = text[i + 1] if i + 1 < n else " "
        if char in "’‘`":
            out[i] = "'"
        elif char == "@" and not prev.isalnum() and nxt.isalpha():
            out[i] = "a"
        elif char == "$" and prev.isalpha():
            out[i] = "s"
        elif char in _LEET and prev.isalpha() and (nxt.isalpha() or nxt in "$*"):
            out[i] = _LEET[char]
    return "".join(out)


def _word_pattern(entry: str) -> str:
    """A whole English word or phrase; a trailing ``*`` takes any ending."""
    prefix = entry.endswith("*")
    body = entry[:-1] if prefix else entry
    pattern = r"\s+".join(re.escape(part) for part in body.split())
    return rf"(?<![a-z0-9]){pattern}" + (r"[a-z'-]*" if prefix else r"(?![a-z0-9])")


@dataclass(frozen=True)
class _Hit:
    kind: str
    start: int  # in the normalised text
    end: int


# --- English ----------------------------------------------------------------------


def _fast_predictor(module: Any) -> Any:
    """``predict_prob`` without scikit-learn's per-call checks (a few ms each).

    The model is a sigmoid-calibrated linear SVM averaged over its folds: the
    same arithmetic on the sparse word counts gives the same probabilities,
    about a hundred times faster for one sentence. ``None`` if the shipped
    model is not of that shape (then the package's own function is used).
    """
    try:
        import numpy

        vectorizer, model = module.vectorizer, module.model
        folds = []
        for calibrated in model.calibrated_classifiers_:
            (calibrator,) = calibrated.calibrators
            estimator = calibrated.estimator
            folds.append(
                (
                    numpy.asarray(estimator.coef_, dtype=float).ravel(),
                    float(numpy.ravel(estimator.intercept_)[0]),
                    float(calibrator.a_),
                    float(calibrator.b_),
                )
            )
        if getattr(model, "method", "sigmoid") != "sigmoid" or list(model.classes_) != [0, 1]:
            return None
    except (AttributeError, TypeError, ValueError, ImportError):
        return None

    def predict(texts: list[str]) -> Any:
        counts = vectorizer.transform(texts)
        total = numpy.zeros(counts.shape[0])
        for coef, intercept, a, b in folds:
            total += 1.0 / (1.0 + numpy.exp(a * (counts @ coef + intercept) + b))
        return total / len(folds)

    return predict


#: "what an idiot I was", "such a loser I am".
_SELF_AFTER = re.compile(
    r"\s*(?:i|we)\s+(?:was|am|were|are|felt|feel|looked|look)(?![a-z])|'m(?![a-z])"
)
#: "grinning like an idiot", "as a fool": a comparison, aimed at nobody.
_SIMILE = re.compile(
    r"(?<![a-z])(?:like|as)\s+(?:a|an|the)?\s*$|(?<![a-z])(?:like|as)\s+(?:a|an)\s"
)
_SELF_BEFORE = re.compile(r"(?<![a-z'])(i|i'm|im|myself|we|we're)(?![a-z'])[^.!?]{0,25}$")


class _English:
    def __init__(self) -> None:
        data = _lexicon.sections("abuse_en")
        self.kinds: list[tuple[str, _lexicon.Matcher]] = []
        for kind in KINDS:
            entries = data.get(kind, [])
            if entries:
                self.kinds.append((kind, _lexicon.Matcher(entries)))
        self.allow = _lexicon.Matcher(data.get("allow", []))
        self.mild = _lexicon.Matcher(data.get("mild", []))
        self.targets = _lexicon.Matcher(data.get("target", []))
        directed = data.get("insult/directed", [])
        words = "|".join(_word_pattern(e) for e in sorted(directed, key=len, reverse=True))
        filler = (
            r"(?:(?:such|a|an|the|so|total|totally|complete|completely|absolute|absolutely|"
            r"utter|utterly|fucking|f\*cking|bloody|damn|little|fat|old|stupid|lazy|real|"
            r"really|truly|just|all|bunch|of|lot|pack|are|is|was|were|be|being|been|seem|"
            r"seemed|look|looked|looking|act|acted|acting|like|total|such|many|some|these|"
            r"those|full|nothing|but|and)\s+){0,5}"
        )
        you = r"(?<![a-z'])(?:you|ya|u|you're|youre|ur|your|you guys|you lot|you people)\s+"
        person = (
            r"(?<![a-z'])(?:he|she|they|him|them|those|these|this guy|that guy|the guy|"
            r"this woman|that woman|the woman|this man|that man|the man|this girl|that girl|"
            r"the girl|this lady|that lady|the lady|people|women|men|girls|guys|"
            r"organi[sz]ers?|volunteers?|marshals?|staff|officials?|stewards?|runners?|"
            r"spectators?|crowds?|everyone|everybody|locals|immigrants|foreigners|mayor|"
            r"committee|council)\s+"
        )
        nouns = (
            r"\s+(?:volunteers?|organi[sz]ers?|marshals?|staff|officials?|stewards?|runners?|"
            r"people|women|woman|men|man|girls?|guys?|lady|ladies|spectators?|crowd|"
            r"locals|immigrants|foreigners|kids)(?![a-z])"
        )
        self.directed = re.compile(
            rf"{you}{filler}(?:[a-z]+\s+)?(?P<a>{words})"
            rf"|{person}{filler}(?:[a-z]+\s+)?(?P<b>{words})"
            rf"|(?P<c>{words}){nouns}"
            rf"|(?<![a-z'])(?:what|such)\s+(?:a|an)\s+(?:\w+\s+)?(?P<d>{words})"
            r"|(?<![a-z'])(?:those|these|the|that|this|some|an?|bunch of|pack of|such)\s+"
            r"(?:\w+\s+)?"
            r"(?P<e>(?:idiots|morons|losers|clowns|bastards|imbeciles|cretins|"
            r"creeps|jerks|freaks|scum|bitches|whores|sluts|hags?))(?![a-z])"
            # A singular one needs a pointing word: "that idiot", not "was a bitch".
            r"|(?<![a-z'])(?:the|that|this|some)\s+(?:\w+\s+)?"
            r"(?P<g>idiot|moron|loser|clown|bastard|imbecile|cretin|creep|jerk|freak|"
            r"bitch|whore|slut|prick|dickhead|hag)(?![a-z])"
            # Plural insults are aimed at others ("were useless morons"), unless "we".
            r"|(?<![a-z'])(?P<f>idiots|morons|imbeciles|cretins|losers|clowns|bastards|"
            r"scumbags|dickheads|bitches)(?![a-z])"
        )
        self._model_lock = threading.Lock()
        self._predict: Any = None
        self._triggers: frozenset[str] = frozenset()
        self._analyzer: Any = None

    def _load(self) -> None:
        with self._model_lock:
            if self._predict is not None:
                return
            from profanity_check import predict_prob, profanity_check

            # The words the model weighs as offensive on their own: a sentence
            # with none of them cannot score high, and is not sent to the model
            # (most sentences; the model costs about a millisecond a call).
            vocabulary = list(profanity_check.vectorizer.vocabulary_)
            scores = predict_prob(vocabulary)
            self._triggers = frozenset(
                word for word, score in zip(vocabulary, scores, strict=True) if score >= 0.35
            )
            self._analyzer = profanity_check.vectorizer.build_analyzer()
            self._predict = _fast_predictor(profanity_check) or predict_prob

    def predict(self, texts: list[str]) -> list[float]:
        if not texts:
            return []
        self._load()
        return [float(p) for p in self._predict(texts)]

    def may_offend(self, sentence: str) -> bool:
        """Whether ``sentence`` has a word the model weighs as offensive."""
        self._load()
        return any(word in self._triggers for word in self._analyzer(sentence))

    def find(self, text: str, threshold: float, untargeted: float = 1.01) -> list[_Hit]:
        plain = _undisguise(text)
        allowed = [(m.start, m.end) for m in self.allow.find(plain)]

        def inside_allowed(start: int, end: int) -> bool:
            return any(a <= start and end <= b for a, b in allowed)

        hits: list[_Hit] = []
        for kind, matcher in self.kinds:
            for m in matcher.find(plain):
                if not inside_allowed(m.start, m.end):
                    hits.append(_Hit(kind, m.start, m.end))
        for found in self.directed.finditer(plain):
            group = next(g for g in "abcdefg" if found.group(g) is not None)
            start, end = found.span(group)
            if inside_allowed(start, end):
                continue
            before = plain[max(0, found.start() - 40) : found.start()]
            if group in "cdefg" and (
                _SELF_BEFORE.search(before)
                or _SELF_AFTER.match(plain, end)
                or _SIMILE.search(plain, max(0, found.start() - 12), found.start())
            ):
                continue
            hits.append(_Hit("insult", start, end))

        # The model reads sentences aimed at someone that no word above explained.
        sentences = []
        for s in _SENTENCE.finditer(plain):
            start, end = s.span()
            if any(start <= h.start < end for h in hits):
                continue
            sentence = plain[start:end]
            if _JA_CHAR.search(sentence) and not re.search(r"[a-z]{3}", sentence):
                continue
            # Without a person or group to aim at, the model must be surer.
            needed = threshold if self.targets.search(sentence) else untargeted
            masked = list(sentence)
            for m in [*self.allow.find(sentence), *self.mild.find(sentence)]:
                masked[m.start : m.end] = " " * (m.end - m.start)
            masked_text = "".join(masked)
            if not re.search(r"[a-z]{2}", masked_text):
                continue
            if self.may_offend(masked_text):
                sentences.append((start, masked_text, needed))
        if sentences:
            scores = self.predict([s for _, s, _ in sentences])
            flagged = [(o, s) for (o, s, t), p in zip(sentences, scores, strict=True) if p >= t]
            if flagged:
                words = []
                for offset, sentence in flagged:
                    words.extend(
                        (offset + w.start(), offset + w.end(), w.group())
                        for w in _LATIN_WORD.finditer(sentence)
                    )
                word_scores = self.predict([w for _, _, w in words])
                spans = [
                    (s, e) for (s, e, _), p in zip(words, word_scores, strict=True) if p >= 0.5
                ]
                for offset, sentence in flagged:
                    inside = [(s, e) for s, e in spans if offset <= s < offset + len(sentence)]
                    # "I'm a stupid stubborn woman": said of oneself, not abuse.
                    aimed = [
                        (s, e)
                        for s, e in inside
                        if not _SELF_BEFORE.search(plain[max(offset, s - 30) : s])
                    ]
                    if inside and not aimed:
                        continue
                    inside = aimed
                    if not inside:
                        # Only a combination of words is offensive: show the sentence.
                        stripped = sentence.strip()
                        lead = len(sentence) - len(sentence.lstrip())
                        inside = [(offset + lead, offset + lead + len(stripped))]
                    hits.extend(_Hit("insult", s, e) for s, e in inside)
        return hits


# --- Japanese ---------------------------------------------------------------------


@lru_cache(maxsize=65_536)
def _fold(word: str) -> str:
    return normalize(word).folded


_SELF_JA = re.compile(r"(自分|私|ワタシ|僕|ボク|俺|オレ|ウチ|アタシ|我)")
#: Words that may stand between a person and the insult: お前はバカ, あいつら本当にクズ.
_LINK_JA = (
    r"(?:ラ|タチ|ドモ|共)?(?:ノヤツ|ノ奴|ノ連中)?(?:ハ|ガ|ッテ|モ|、|ナンカ|ナンテ|トカ|ミタイナ(?:ノ)?|コソ|ノヨウナ|ミタイナヤツ)?"
    r"(?:本当ニ|ホント(?:ニ)?|マジ(?:デ)?|超|相当|カナリノ|タダノ|トンダ|完全ニ|大|ド|真ノ|最低ノ)?"
)
_SENTENCE_END_JA = "。．！？!?\n 　"


class _Japanese:
    def __init__(self) -> None:
        data = _lexicon.sections("abuse_ja")
        self.substrings: list[tuple[str, _lexicon.Matcher]] = []
        self.words: dict[str, str] = {}
        self.directed: list[str] = []
        self.imperatives: dict[str, str] = {}
        for section, entries in data.items():
            kind, _, modifier = section.partition("/")
            if kind == "imperative":
                for entry in entries:
                    self.imperatives[entry] = modifier or "threat"
            elif kind in KINDS and modifier == "word":
                for entry in entries:
                    self.words[entry] = kind
            elif kind in KINDS and modifier == "directed":
                self.directed.extend(entries)
            elif kind in KINDS:
                self.substrings.append((kind, _lexicon.Matcher(entries)))
        self.allow = _lexicon.Matcher(data.get("allow", []))
        targets = "|".join(re.escape(t) for t in sorted(data.get("target", []), key=len)[::-1])
        words = "|".join(re.escape(w) for w in sorted(self.directed, key=len)[::-1])
        endings = "|".join(re.escape(e) for e in sorted(data.get("ending", []), key=len)[::-1])
        self.aimed = re.compile(
            rf"(?:{targets}){_LINK_JA}(?P<w>{words})(?!ミタイ|ホド|ナリ|拾|袋|箱|出シ|ダシ)"
        )
        self.ending = re.compile(
            rf"(?P<w>{words})(?:(?:{endings})(?=$|[{re.escape(_SENTENCE_END_JA)}、,…ー~〜wｗ笑])"
            r"|スギ|過ギ|野郎|ドモ|共|シカイ|バッカ|バカリ)"
        )

    def find(self, normalized: Normalized) -> list[_Hit]:
        folded = normalized.folded
        allowed = [(m.start, m.end) for m in self.allow.find(folded)]

        def inside_allowed(start: int, end: int) -> bool:
            return any(a <= start and end <= b for a, b in allowed)

        hits: list[_Hit] = []
        for kind, matcher in self.substrings:
            for m in matcher.find(folded):
                if not inside_allowed(m.start, m.end):
                    hits.append(_Hit(kind, m.start, m.end))
        for pattern, self_check in ((self.aimed, False), (self.ending, True)):
            for found in pattern.finditer(folded):
                start, end = found.span("w")
                if inside_allowed(start, end):
                    continue
                if self_check:
                    sentence_start = max(folded.rfind(c, 0, start) for c in "。．！？!?\n")
                    if _SELF_JA.search(folded[sentence_start + 1 : start]):
                        continue
                hits.append(_Hit("insult", start, end))
        if (self.words or self.imperatives) and _JA_CHAR.search(folded):
            words = tokens(normalized)
            for index, token in enumerate(words):
                surface = folded[token.start : token.end]
                kind = self.words.get(surface) or self.words.get(_fold(token.normalized))
                if kind and not inside_allowed(token.start, token.end):
                    hits.append(_Hit(kind, token.start, token.end))
                    continue
                kind = self.imperatives.get(_fold(token.dictionary))
                if (
                    kind
                    and token.pos[0] == "動詞"
                    and self._imperative(token, words, index)
                    and not inside_allowed(token.start, token.end)
                ):
                    hits.append(_Hit(kind, token.start, token.end))
        return hits

    @staticmethod
    def _imperative(token: Any, words: list[Any], index: int) -> bool:
        form = token.pos[5] if len(token.pos) > 5 else ""
        if form.startswith("命令形"):
            return True
        # Sudachi often reads a bare 死ね as the conditional (仮定形): it is the
        # imperative unless ば or ども follows.
        if form.startswith("仮定形"):
            following = words[index + 1].surface if index + 1 < len(words) else ""
            adjacent = index + 1 < len(words) and words[index + 1].start == token.end
            return not (adjacent and following in ("ば", "ども", "ど"))
        return False


# --- the check --------------------------------------------------------------------

_english: _English | None = None
_japanese: _Japanese | None = None
_lock = threading.Lock()


def _matchers() -> tuple[_English, _Japanese]:
    global _english, _japanese
    with _lock:
        if _english is None or _japanese is None:
            _english = _English()
            _japanese = _Japanese()
        return _english, _japanese


class InappropriateCheck(Check):
    """Insults, harassment, sexual remarks, hate and threats, in Japanese and English."""

    codes = ("inappropriate",)

    def __init__(
        self, *, model_threshold: float = 0.75, untargeted_threshold: float = 0.9, **options: Any
    ) -> None:
        super().__init__(
            model_threshold=model_threshold, untargeted_threshold=untargeted_threshold, **options
        )
        self.model_threshold = model_threshold
        self.untargeted_threshold = untargeted_threshold

    def check(self, document: Document, session: Session) -> Iterable[Finding]:
        by_kind: dict[str, list[Span]] = {}
        for name, original in document.fields.items():
            if not original or not isinstance(original, str):
                continue
            for hit in self.hits(original):
                by_kind.setdefault(hit.kind, []).append(Span(name, hit.start, hit.end))
        for kind in KINDS:
            spans = by_kind.get(kind)
            if spans:
                yield Finding(
                    code="inappropriate",
                    severity=Severity.HIGH,
                    reason=REASONS[kind],
                    params={},
                    spans=tuple(sorted(set(spans), key=lambda s: (s.field, s.start))),
                )
        if not by_kind:
            # No listed word: the classifier trained on examples may still
            # recognise abuse phrased another way (evidence: its passage).
            found = classifier.model_finding("inappropriate", document, severity=Severity.MEDIUM)
            if found is not None:
                yield found

    def hits(self, original: str) -> Iterator[_Hit]:
        """The abusive words of ``original``, with spans in the original text."""
        english, japanese = _matchers()
        normalized = normalize(original[: MAX_CHARS * 2])
        if len(normalized.text) > MAX_CHARS:
            normalized = normalize(original[:MAX_CHARS])
        found = japanese.find(normalized)
        if re.search(r"[a-z]", normalized.text):
            found += english.find(normalized.text, self.model_threshold, self.untargeted_threshold)
        seen: set[tuple[str, int, int]] = set()
        for hit in found:
            start, end = normalized.original_span(hit.start, hit.end)
            key = (hit.kind, start, end)
            if key not in seen:
                seen.add(key)
                yield _Hit(hit.kind, start, end)
