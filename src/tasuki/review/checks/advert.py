"""The ``advert`` check: promotion of a product, a shop or a service in a story.

Naming a brand, a hotel or a sponsor is part of many true race stories ("I ran
in my Nike shoes", "we stayed at the Hilton"), so no single word makes an
advert. The check reads the answers sentence by sentence and looks for
signals of several kinds (the word list ``lexicon/advert_signals.txt``): calls
to action ("DM me", 詳しくは), commercial offers ("20% off", 初回無料), the
writer's own business ("our clinic", 当院), funnels to a private channel ("link
in bio", LINE追加), promotion codes and affiliate links, money-making pitches
(副業, passive income), the resale of race entries (ゼッケン売ります, selling my
bib), web addresses that are not the organiser's and social handles.

The lists describe classes rather than lines: a business presenting itself
("our physio team", "massage studio", "apartments for rent", 専門の…院です,
当店) with a deal ("free 30-minute trial", "leave us a review and get half
off", 初回…円, 参加者限定, ゼッケン提示で) or a way to book ("book through our
website", "contact us for a viewing", ご予約はホームページから); pleas to
like, subscribe or follow on any platform (チャンネル登録, 高評価, "follow my
Instagram") are a funnel on their own.

Each kind has a weight; a passage (a sentence with the one before and after
it) whose kinds add up to 2 is flagged, so that an advert tacked on at the end
of a genuine story is found and a story that merely names a shop is not.
Strong kinds (a promotion code, an affiliate link, a funnel, a money-making
pitch, the sale of an entry) are enough on their own. An entry is for sale
when an offering word (譲ります, up for grabs) and a race entry (出走権, bib)
are in the same passage, or a generic word ("selling", "will pay") and the
entry are in the same sentence. The finding highlights
the promotional sentences and quotes the words that gave it away.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from django.utils.translation import gettext_noop

from tasuki.review.checks import _lexicon, classifier
from tasuki.review.checks.base import Check, Document, Finding, Session, Severity, Span
from tasuki.review.checks.text import Normalized, normalize

LEXICON = "advert_signals"

#: Weight of each kind of signal; a passage is an advert from 2.
WEIGHTS = {
    "cta": 1.0,
    "funnel": 2.0,
    "offer": 1.0,
    "code": 2.0,
    "affiliate": 2.0,
    "business": 1.0,
    "product": 0.5,
    "money": 2.0,
    "money_weak": 1.0,
    "resale": 2.0,
    "resale_weak": 1.0,
    "platform": 1.0,
    "price": 0.5,
    "url": 1.0,
    "shop_url": 1.5,
    "handle": 1.0,
}
STRONG = frozenset({"funnel", "code", "affiliate", "money", "resale"})
THRESHOLD = 2.0
#: Longest text read (characters per field): enough for any real answer.
MAX_CHARS = 20_000

_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'「」『』（）()\[\]、。，]+"
    r"|(?<![@\w.\-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|net|org|jp|io|me|ly|co|shop|store|link|site|info|biz|tv|app|page|example|to|gl)"
    r"(?:/[^\s<>\"'「」『』（）()\[\]、。，]*)?(?![a-z0-9@])"
)
_HANDLE = re.compile(r"(?<![a-z0-9._%+\-@])@[a-z0-9_](?:[a-z0-9_.]{1,28}[a-z0-9_])")
_SHOP_HOST = re.compile(r"amzn|amazon|rakuten|mercari|shop|store|buy|sale|deal|coupon|a\.co$")
_OFFICIAL_WORDS = re.compile(r"公式|official|大会サイト|大会ホームページ|organi[sz]er")

REASONS = {
    "resale": gettext_noop(
        "This entry appears to offer a race entry or bib for sale or transfer: %(evidence)s"
    ),
    "money": gettext_noop(
        "This entry appears to recruit readers into a money-making scheme "
        "(side income, investment or network business): %(evidence)s"
    ),
    "code": gettext_noop(
        "This entry appears to promote a product or service with a discount code "
        "or an affiliate link: %(evidence)s"
    ),
    "self": gettext_noop(
        "This entry appears to promote the entrant's own account, channel or website: %(evidence)s"
    ),
    "general": gettext_noop(
        "This entry appears to promote a product or service and asks readers to act: %(evidence)s"
    ),
}


@dataclass
class _Signal:
    kind: str
    start: int  # in the normalised text
    end: int


@dataclass
class _Sentence:
    field: str
    normalized: Normalized
    start: int
    end: int
    signals: list[_Signal] = field(default_factory=list)


@cache
def _kind_map() -> dict[str, tuple[str, ...]]:
    """Each entry's kinds (an entry may be listed in more than one section)."""
    kinds: dict[str, tuple[str, ...]] = {}
    for section, entries in _lexicon.sections(LEXICON).items():
        for entry in entries:
            kinds[entry] = (*kinds.get(entry, ()), section)
    return kinds


def _kinds() -> tuple[_lexicon.Matcher, dict[str, tuple[str, ...]]]:
    return _lexicon.matcher(LEXICON), _kind_map()


def _host(url: str) -> str:
    host = re.sub(r"^[a-z]+://", "", url).split("/", 1)[0].split("?", 1)[0].split(":", 1)[0]
    return host.removeprefix("www.").strip(".")


def _is_official(host: str, official: Iterable[str]) -> bool:
    for item in official:
        item = item.lower().removeprefix("www.")
        if item and (host == item or host.endswith("." + item)):
            return True
    return False


def _signals(normalized: Normalized, official: tuple[str, ...]) -> list[_Signal]:
    folded = normalized.folded
    matcher, kinds = _kinds()
    out: list[_Signal] = []
    near: list[_Signal] = []
    objects: list[_Signal] = []
    for match in matcher.find(folded):
        for kind in kinds.get(match.entry, ()):
            if kind in ("resale_verb", "resale_weak", "resale_object"):
                # Weighed with the entry they are about, per passage (see _score).
                out.append(_Signal(kind, match.start, match.end))
                if kind == "resale_object":
                    objects.append(out[-1])
            elif kind == "resale_near":
                near.append(_Signal(kind, match.start, match.end))
            elif kind in WEIGHTS:
                out.append(_Signal(kind, match.start, match.end))
    # Generic selling words ("selling", "will pay") count only next to an entry
    # in the same sentence: "selling my bib", not "the expo was selling gels".
    if near and objects:
        for start, end in _lexicon.sentences(folded):
            if any(start <= o.start < end for o in objects):
                out.extend(
                    _Signal("resale_verb", v.start, v.end) for v in near if start <= v.start < end
                )
    for found in _URL.finditer(folded):
        host = _host(found.group())
        if not host or _is_official(host, official):
            continue
        kind = "shop_url" if _SHOP_HOST.search(host) else "url"
        out.append(_Signal(kind, found.start(), found.end()))
    out.extend(_Signal("handle", m.start(), m.end()) for m in _HANDLE.finditer(folded))
    return out


def _score(sentences: list[_Sentence]) -> tuple[float, dict[str, float]]:
    best: dict[str, float] = {}
    kinds: set[str] = set()
    for sentence in sentences:
        text = sentence.normalized.folded[sentence.start : sentence.end]
        official_named = bool(_OFFICIAL_WORDS.search(text))
        for signal in sentence.signals:
            kinds.add(signal.kind)
            weight = WEIGHTS.get(signal.kind, 0.0)
            if signal.kind == "url" and official_named:
                # "the official site (https://…)": the writer says whose it is.
                weight = 0.5
            if weight:
                best[signal.kind] = max(best.get(signal.kind, 0.0), weight)
    # Offering an entry: a resale word and a race entry in the same passage.
    if "resale_object" in kinds:
        if "resale_verb" in kinds:
            best["resale"] = WEIGHTS["resale"]
        elif "resale_weak" in kinds:
            best["resale_weak"] = WEIGHTS["resale_weak"]
    return sum(best.values()), best


def _kind_of(best: dict[str, float]) -> str:
    if "resale" in best or "resale_weak" in best:
        return "resale"
    if "money" in best or "money_weak" in best:
        return "money"
    if "code" in best or "affiliate" in best:
        return "code"
    commercial = {"offer", "business", "product", "price", "shop_url"}
    if not commercial & best.keys() and {"url", "handle", "funnel"} & best.keys():
        return "self"
    return "general"


class AdvertCheck(Check):
    """Flags promotion: offers, calls to action, codes, funnels, pitches, resale."""

    codes = ("advert",)

    def check(self, document: Document, session: Session) -> Iterable[Finding]:
        official = tuple(document.official_hosts or ())
        sentences: list[list[_Sentence]] = []
        for name, text in document.fields.items():
            if not text or not isinstance(text, str):
                continue
            normalized = normalize(text[:MAX_CHARS])
            signals = _signals(normalized, official)
            if not signals:
                continue
            field_sentences = [
                _Sentence(name, normalized, start, end)
                for start, end in _lexicon.sentences(normalized.text)
            ]
            for signal in signals:
                for sentence in field_sentences:
                    if sentence.start <= signal.start < sentence.end:
                        sentence.signals.append(signal)
                        break
            sentences.append(field_sentences)

        best_score, best_kinds, best_window = 0.0, {}, []
        for field_sentences in sentences:
            for index in range(len(field_sentences)):
                window = field_sentences[max(0, index - 1) : index + 2]
                score, kinds = _score(window)
                if score > best_score:
                    best_score, best_kinds, best_window = score, kinds, window
        if best_score < THRESHOLD:
            # No passage adds up: the classifier trained on examples may still
            # recognise promotion phrased in words no list has.
            found = classifier.model_finding("advert", document, severity=Severity.MEDIUM)
            return [found] if found else []
        severity = (
            Severity.HIGH if best_score >= 2.5 or STRONG & best_kinds.keys() else Severity.MEDIUM
        )
        spans: list[Span] = []
        evidence: list[str] = []
        for sentence in best_window:
            if not sentence.signals:
                continue
            start, end = sentence.normalized.original_span(sentence.start, sentence.end)
            spans.append(Span(sentence.field, start, end))
            for signal in sentence.signals:
                if signal.kind == "resale_object" or WEIGHTS.get(signal.kind, 1) == 0:
                    continue
                a, b = sentence.normalized.original_span(signal.start, signal.end)
                quoted = " ".join(sentence.normalized.original[a:b].split())
                if len(quoted) > 60:
                    quoted = quoted[:57] + "…"
                if quoted and f"“{quoted}”" not in evidence:
                    evidence.append(f"“{quoted}”")
        return [
            Finding(
                code="advert",
                severity=severity,
                reason=REASONS[_kind_of(best_kinds)],
                params={"evidence": ", ".join(evidence[:5])},
                spans=tuple(spans),
            )
        ]
