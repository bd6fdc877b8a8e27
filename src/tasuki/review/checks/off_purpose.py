"""The ``off_purpose`` check: entries that are not a story of connection through the race.

The campaign asks for personal stories about the marathon: running it,
cheering, volunteering, the course, the city and the people met through it.
The check reads all the answers of an entry together and flags:

* **no words**: only emoji, symbols or numbers, or a word or two ("ok", あ)
  that names nothing of the race;
* **keyboard mash and repeated characters**: ``asdfgh``, ``jkljkl``,
  ``hhhhhh``, ああああ (Latin words without vowels or with long consonant
  runs, keyboard-row sequences, a text that is one short unit repeated);
* **test posts**: a short text made of テスト, てすと, test, aaa… and nothing
  about the race;
* **another topic**: a recipe, politics (also a call to a protest, a
  petition or a vote), another event (花火大会, a concert), another sport,
  a product review or small talk (the weather, chores, meals), when that
  topic's vocabulary (``lexicon/purpose_topics.txt``) clearly outweighs the
  race's (``lexicon/purpose_race.txt``: running words, and the course, its
  landmarks, the crowd and the people, which weigh less). A race story that
  mentions ramen after the finish, a wall of election posters, the rain or
  the shoes it was run in is still a race story. Also flagged: a review
  (ratings, "for the price", 星3つ, コスパ) of running gear with at most one
  running word (a km figure of the shoes' mileage); a single word of another
  topic with no word of the race, unless the writer tells something lived
  (see below); two words of other topics together and none of the race (a
  film, then barbecue);
* **training questions**: an entry that mostly asks for advice ("how many km
  a week for a sub-4?", 教えてください) instead of telling a story;
* **no connection at all**: a long text (300 Latin or 150 Japanese letters)
  without a single word about the race or running and at most one about
  people; or a shorter one (from 40 Latin or 20 Japanese letters) with the
  same absence that tells nothing lived. A short genuine note may name
  nothing but a feeling, so "lived" is generous: a sentence in the past
  (Japanese; in English with "I/my" somewhere, or alone for this rule), a
  date, a life (人生), or an answer to the campaign's own questions.

The weaker verdicts (a training question, no connection at all, small talk)
are left to the advert check when the text is a pitch, and "no connection"
to the inappropriate and personal-data checks when they flag the text (an
insult or a phone number is reported for what it is).

The pen name is not read (any nickname is fine). Spans point at the
sentences that gave the entry away, or at the whole answer for mash and tests.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext_noop

from tasuki.review.checks import _lexicon, classifier
from tasuki.review.checks.base import Check, Document, Finding, Session, Severity, Span
from tasuki.review.checks.text import Normalized, normalize

RACE, TOPICS = "purpose_race", "purpose_topics"
#: Sections of TOPICS that are other topics (the others are read differently).
OTHER_TOPICS = ("recipe", "politics", "event", "sport", "review", "travel", "smalltalk")
#: Fields that say nothing about the story's topic.
IGNORED_FIELDS = ("pen_name",)
MAX_CHARS = 20_000
#: Letters of a text too short to be a story unless it names the race ("ok", あ).
TOO_SHORT = 3
#: Letters of a text short enough to be a test post ("test", "テスト投稿です").
TEST_MAX_LETTERS = 60
#: Letters of a text long enough that never naming the race means something.
LONG_LETTERS = {"latin": 300, "japanese": 150}
#: Letters of a short text that is small talk when it has no word of the race
#: at all (not even the crowd, the course or a feeling) and tells nothing
#: personal ("Lovely weather today.", 洗濯物がよく乾きそう).
SHORT_LETTERS = {"latin": 40, "japanese": 20}

REASONS = {
    "no_words": gettext_noop(
        "This entry has no words, only symbols, numbers or emoji, so it cannot be a story "
        "about the race."
    ),
    "too_short": gettext_noop("This entry is too short to be a story about the race: %(evidence)s"),
    "mash": gettext_noop(
        "This entry looks like random typing or repeated characters rather than a story: "
        "%(evidence)s"
    ),
    "test": gettext_noop("This entry looks like a test post rather than a story: %(evidence)s"),
    "recipe": gettext_noop(
        "This entry reads like a recipe rather than a story connected with the race: %(evidence)s"
    ),
    "politics": gettext_noop(
        "This entry is about politics rather than a story connected with the race: %(evidence)s"
    ),
    "event": gettext_noop(
        "This entry is about another event (a concert, a festival or a show) rather than "
        "the race: %(evidence)s"
    ),
    "sport": gettext_noop(
        "This entry is about another sport rather than a story connected with the race: "
        "%(evidence)s"
    ),
    "review": gettext_noop(
        "This entry reads like a product review rather than a story connected with the "
        "race: %(evidence)s"
    ),
    "travel": gettext_noop(
        "This entry is about a trip or another outing rather than a story connected with "
        "the race: %(evidence)s"
    ),
    "question": gettext_noop(
        "This entry asks for training advice instead of telling a story connected with "
        "the race: %(evidence)s"
    ),
    "unrelated": gettext_noop(
        "This entry never mentions the race, running or the people around it, so it may "
        "not fit the campaign's purpose."
    ),
}

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_LATIN_WORD = re.compile(r"[a-z]+")
_VOWELS = frozenset("aeiouy")
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xz]{6,}")
_SAME_CHAR = re.compile(r"(.)\1{3,}")
_REPEATED_UNIT = re.compile(r"(.{1,4}?)\1{2,}")
_QUESTION_END = re.compile(r"(?:[?？]|(?:カ|カナ)[。.]?)\s*$")


#: What a weak "unrelated" verdict gives way to when the same run finds it: a
#: pitch, an insult or a phone number that never names the race is flagged
#: for what it is by its own check; "unrelated" would only add noise.
YIELDS_TO = ("advert", "inappropriate", "pii")


@dataclass
class _Field:
    name: str
    normalized: Normalized
    sentences: list[tuple[int, int]]


@cache
def _vocabulary() -> tuple[_lexicon.Matcher, dict[str, str]]:
    """One matcher over both lists, and each entry's section ("race", "recipe"…)."""
    kinds: dict[str, str] = {}
    for name in (RACE, TOPICS):
        for section, entries in _lexicon.sections(name).items():
            for entry in entries:
                kinds.setdefault(entry, section)
    return _lexicon.Matcher(list(kinds)), kinds


def _is_mash_word(word: str) -> bool:
    if len(word) < 4:
        return False
    if not _VOWELS & set(word) or _CONSONANT_RUN.search(word) or _SAME_CHAR.search(word):
        return True
    return any(word in row or word in row[::-1] for row in _KEYBOARD_ROWS)


def _squeeze(letters: str) -> str:
    """``letters`` with every short unit repeated three times or more written once."""
    previous = None
    while previous != letters:
        previous = letters
        letters = _REPEATED_UNIT.sub(r"\1", letters)
    return letters


def _original(field: _Field, start: int, end: int) -> tuple[Span, str]:
    a, b = field.normalized.original_span(start, end)
    return Span(field.name, a, b), field.normalized.original[a:b]


def _quote(texts: Iterable[str], limit: int = 5) -> str:
    out: list[str] = []
    for text in texts:
        text = " ".join(text.split())
        if len(text) > 40:
            text = text[:37] + "…"
        if text and f"“{text}”" not in out:
            out.append(f"“{text}”")
        if len(out) >= limit:
            break
    return ", ".join(out)


def _whole(fields: list[_Field]) -> tuple[Span, ...]:
    return tuple(Span(f.name, 0, len(f.normalized.original)) for f in fields)


class OffPurposeCheck(Check):
    """Flags entries that are not stories connected with the race."""

    codes = ("off_purpose",)

    def check(self, document: Document, session: Session) -> Iterable[Finding]:
        fields = [
            _Field(name, normalized, _lexicon.sentences(normalized.text))
            for name, text in document.fields.items()
            if isinstance(text, str) and text.strip() and name not in IGNORED_FIELDS
            for normalized in (normalize(text[:MAX_CHARS]),)
            if normalized.text.strip()
        ]
        if not fields:
            return []
        # No rule matched: the classifier trained on examples reads the answers
        # as one text (whether the entry as a whole is about the race).
        finding = self._judge(fields) or classifier.model_finding(
            "off_purpose", document, severity=Severity.MEDIUM, passages=False
        )
        if finding is None:
            return []
        weak = (REASONS["unrelated"], REASONS["question"], classifier.REASONS["off_purpose"])
        if finding.reason in weak:
            finding = dataclasses.replace(finding, yields_to=YIELDS_TO)
        return [finding]

    def _judge(self, fields: list[_Field]) -> Finding | None:
        letters = "".join(c for f in fields for c in f.normalized.folded if c.isalpha())
        matcher, kinds = _vocabulary()
        race = 0.0  # how much the text is about the race and its people
        core = 0  # words only race stories use
        seen: Counter[str] = Counter()
        topics: dict[str, list[tuple[_Field, int, int]]] = {}
        for f in fields:
            for match in matcher.finditer(f.normalized.folded):
                kind = kinds.get(match.entry, "")
                seen[match.entry] += 1
                if seen[match.entry] > 2:
                    continue  # one word said ten times is still one word
                if kind == "race":
                    race += 1
                    core += 1
                elif kind == "context":
                    race += 1 / 2
                elif kind == "people":
                    race += 1 / 3
                elif kind != "neutral":
                    topics.setdefault(kind, []).append((f, match.start, match.end))

        if race == 0 and len(letters) <= TOO_SHORT:
            # Only emoji, symbols or numbers ("42.195" names the race and passes),
            # or a word or two like "ok" or あ: nothing that could be a story.
            return Finding(
                code="off_purpose",
                severity=Severity.HIGH,
                reason=REASONS["no_words"] if not letters else REASONS["too_short"],
                params={}
                if not letters
                else {"evidence": _quote(f.normalized.original for f in fields)},
                spans=_whole(fields),
            )
        mash = self._mash(fields, letters, race)
        if mash:
            return mash
        test = topics.get("test", [])
        if test and race <= 1 and (len(letters) <= TEST_MAX_LETTERS or _lorem(fields)):
            return Finding(
                code="off_purpose",
                severity=Severity.HIGH,
                reason=REASONS["test"],
                params={"evidence": _quote(_original(*t)[1] for t in test)},
                spans=_whole(fields),
            )

        # Another topic counts its distinct words (監督 said three times is one
        # word); the race counts each of its words up to twice.
        best, hits, distinct = None, [], 0
        for topic in OTHER_TOPICS:
            found = topics.get(topic, [])
            words = len({f.normalized.folded[a:b] for f, a, b in found})
            if words > distinct:
                best, hits, distinct = topic, found, words
        if best and distinct >= 2 and distinct >= 2 * race + 1:
            return self._topical(best, hits)
        if best == "review" and distinct >= 2 and core <= 1:
            # Ratings and value verdicts on a watch or shoes: a km figure of the
            # gear's mileage does not make it a race story.
            return self._topical(best, hits)
        if best and best != "smalltalk" and core == 0 and race <= 1 / 3 and not _personal(fields):
            # Another topic, not one word of the race, its course or its people,
            # and nothing the writer lived (a neighbours' お祭り by the course is).
            return self._topical(best, hits)
        everyday = [hit for topic in OTHER_TOPICS for hit in topics.get(topic, [])]
        if (
            core == 0
            and race <= 1 / 3
            and len({f.normalized.folded[a:b] for f, a, b in everyday}) >= 2
        ):
            # A weekend told in words of several other topics (a film, then
            # barbecue; the mall, then pizza) and none of the race.
            return self._topical("smalltalk", everyday)

        question = self._question(fields, topics.get("question", []))
        if question:
            return question

        if core == 0 and race <= 1 / 3 and distinct < 2:
            japanese = sum(1 for c in letters if not c.isascii())
            latin = len(letters) - japanese
            long = japanese >= LONG_LETTERS["japanese"] or latin >= LONG_LETTERS["latin"]
            short = japanese >= SHORT_LETTERS["japanese"] or latin >= SHORT_LETTERS["latin"]
            if long or (short and race <= 1 / 3 and not _personal(fields, told_alone=True)):
                return Finding(
                    code="off_purpose", severity=Severity.MEDIUM, reason=REASONS["unrelated"]
                )
        return None

    def _mash(self, fields: list[_Field], letters: str, race: float) -> Finding | None:
        if race >= 1:
            return None
        # One short unit over and over: hhhhhh, ああああ, jkljkljkl.
        squeezed = _squeeze(letters)
        if len(letters) >= 3 and len(squeezed) <= 3:
            return Finding(
                code="off_purpose",
                severity=Severity.HIGH,
                reason=REASONS["mash"],
                params={"evidence": _quote(f.normalized.original for f in fields)},
                spans=_whole(fields),
            )
        # Latin keyboard mash, also typed into a Japanese text: asdfgh, あsdfghjkl.
        mashed: list[str] = []
        mashed_letters = 0
        for f in fields:
            for word in _LATIN_WORD.findall(f.normalized.folded):
                if _is_mash_word(word):
                    mashed.append(word)
                    mashed_letters += len(word)
        if mashed_letters >= 6 and mashed_letters >= 0.5 * len(letters):
            return Finding(
                code="off_purpose",
                severity=Severity.HIGH,
                reason=REASONS["mash"],
                params={"evidence": _quote(f.normalized.original for f in fields)},
                spans=_whole(fields),
            )
        return None

    def _topical(self, topic: str, hits: list[tuple[_Field, int, int]]) -> Finding:
        spans: list[Span] = []
        for f, start, _end in hits:
            for a, b in f.sentences:
                if a <= start < b:
                    span, _text = _original(f, a, b)
                    if span not in spans:
                        spans.append(span)
                    break
        if topic == "smalltalk":
            # Small talk has no topic of its own to name: it is unrelated.
            return Finding(
                code="off_purpose",
                severity=Severity.MEDIUM,
                reason=REASONS["unrelated"],
                spans=tuple(spans),
            )
        return Finding(
            code="off_purpose",
            severity=Severity.MEDIUM,
            reason=REASONS[topic],
            params={"evidence": _quote(_original(*hit)[1] for hit in hits)},
            spans=tuple(spans),
        )

    def _question(self, fields: list[_Field], phrases: list) -> Finding | None:
        """Mostly questions, one asking for advice, and nothing told in the past tense."""
        if not phrases:
            return None
        count = letters = 0
        questions: list[tuple[_Field, int, int]] = []
        for f in fields:
            count += len(f.sentences)
            letters += sum(1 for c in f.normalized.text if c.isalpha())
            for a, b in f.sentences:
                sentence = f.normalized.text[a:b]
                if _PROMPT.search(sentence):
                    return None  # the campaign's own questions, asked back
                if _QUESTION_END.search(f.normalized.folded[a:b]):
                    questions.append((f, a, b))
                elif _told(sentence):
                    return None  # a story that asks itself a question and answers it
        if not questions or letters > 600 or 2 * len(questions) < count:
            return None
        spans = tuple(_original(f, a, b)[0] for f, a, b in questions)
        return Finding(
            code="off_purpose",
            severity=Severity.MEDIUM,
            reason=REASONS["question"],
            params={"evidence": _quote(_original(*q)[1] for q in questions)},
            spans=spans,
        )


_PAST_EN = re.compile(
    r"\b(?:was|were|had|did|ran|got|went|saw|said|felt|came|made|took|thought|knew|told|"
    r"gave|found|heard|became|began|kept|left|met|lost|won|fell|stood|sat|ate|drank|bought|"
    r"brought|caught|yes|absolutely|of course|\w{3,}ed)\b"
)
_ANSWER = re.compile(
    r"^(?:honestly|simple|easy|because|the answer|answer|that's|it's|yes|no|of course|"
    r"absolutely|それは|答えは|もちろん|はい|いいえ|だって|なぜなら)"
)
_PROMPT = re.compile(
    r"20th|twentieth|wish|appeal|#myrace|my race is|20回目|魅力|期待|願い|私のマラソン"
)
_NOT_PAST_EN = frozenset(
    [
        "need",
        "speed",
        "indeed",
        "tired",
        "interested",
        "supposed",
        "used",
        "scared",
        "worried",
        "injured",
        "bored",
        "excited",
        "prepared",
        "called",
        "named",
        "based",
    ]
)
_PAST_JA = re.compile(r"(?:ました|でした|った|んだ|だった|たんです|たから|た)(?:[。！!…、）)」]|$)")


def _told(sentence: str) -> bool:
    """Whether a sentence tells something (past tense, an answer) rather than asks."""
    if _PAST_JA.search(sentence) or _ANSWER.search(sentence.strip().lower()):
        return True
    return any(m.group() not in _NOT_PAST_EN for m in _PAST_EN.finditer(sentence.lower()))


def _lorem(fields: list[_Field]) -> bool:
    return any("lorem ipsum" in f.normalized.folded for f in fields)


_FIRST_PERSON = re.compile(
    r"\b(?:i|i'm|i've|my|me|we|our)\b|私|僕|俺|わたし|ワタシ|ボク|オレ|自分|家族|父|母|妻|夫|息子|娘"
)


_LIFE = re.compile(r"\blife\b|人生|一生|\d{4}年|\d{1,2}月\d{1,2}日|\b(?:19|20)\d{2}\b")


def _personal(fields: list[_Field], told_alone: bool = False) -> bool:
    """Whether the text tells something the writer lived.

    A short note from race day may name nothing but a date and a feeling ("the
    coldest and warmest day of my life", 一番熱い日でした); small talk stays in
    the present or the impersonal ("Lovely weather today", "I hope it clears
    up"). Japanese leaves the writer unsaid, so a sentence in the past counts
    there; English needs the writer ("I", "my") and a past tense somewhere, or
    only the past tense with ``told_alone`` (for a short text with no other
    topic: "Remembered more for the memories than the time.").
    """
    first = told = False
    for f in fields:
        for a, b in f.sentences:
            sentence = f.normalized.text[a:b]
            if _LIFE.search(sentence.lower()) or _PROMPT.search(sentence.lower()):
                return True  # a date, a life, or the campaign's own questions
            if _PAST_JA.search(sentence):
                return True
            first = first or bool(_FIRST_PERSON.search(sentence.lower()))
            told = told or _told(sentence)
    return told and (first or told_alone)
