"""``pii``: phone numbers, e-mail addresses, messaging IDs and street addresses.

Entrants paste their contact details into stories ("call me on 090-…", "my
address is …"), sometimes in full-width digits, sometimes with an invisible
character inside a number. Stories are also full of numbers that are not
personal data: finish times (3:45:12, 4時間2分), bibs (ゼッケン12345), dates,
km marks, paces (5:30/km), years, counts. Every pattern therefore looks at the
shape of the number *and* at what surrounds it.

Everything is matched on the normalised text (:func:`text.normalize`: full-width
digits and ＠ made ASCII, invisible characters dropped), and every span is
mapped back to the entrant's original characters, so a number split by a
zero-width space is found and highlighted whole.

* **Phone numbers**: phonenumbers' ``PhoneNumberMatcher`` for Japan, the UK
  and the US (international +81/+44/+1 forms parse in any). A match counts
  when it has at least 9 digits, is not a time, a date or a bib, and either is
  a valid number written like one (a leading 0 or +, or grouped) or stands
  next to a phone word (電話, call, WhatsApp…): fictional numbers such as
  07700 900… are not "valid" but are still somebody's number on a page.
* **E-mail addresses**: name@example.com (＠ and ． too), and written out:
  "name at example dot com", "name [at] example [dot] com", アットマーク/あっと.
* **Messaging IDs**: "LINE ID: xxx", "WeChat: xxx" given as a contact.
* **Postal addresses**: Japanese (〒123-4567, 丁目/番地/番/号, "1-2-3" after a
  town, 号室) and English (house number + capitalised name + Street/Road/…,
  UK postcodes, a US state and ZIP code). A city or ward alone is not one.

One finding per kind, each with the spans of what was found.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import phonenumbers
from django.utils.translation import gettext_noop

from tasuki.review.checks import _lexicon
from tasuki.review.checks.base import Check, Document, Finding, Session, Severity, Span
from tasuki.review.checks.text import Normalized, normalize

KINDS = ("phone", "email", "messaging", "address")

REASONS = {
    "phone": gettext_noop("The text contains what looks like a phone number."),
    "email": gettext_noop("The text contains what looks like an e-mail address."),
    "messaging": gettext_noop(
        "The text contains what looks like a messaging app ID given as a contact."
    ),
    "address": gettext_noop("The text contains what looks like a postal address."),
}

MAX_CHARS = 30_000
REGIONS = ("JP", "GB", "US")

#: Dashes entrants put between digits (the long-vowel mark ー included).
_DASHES = "ー―‐‑‒–—−ｰ─━・･·"
_BETWEEN_DIGITS = re.compile(rf"(?<=\d)\s?[{_DASHES}]\s?(?=\d)")


def _dashes(text: str) -> str:
    """``text`` with the dashes between digits written "-" (same length)."""
    return _BETWEEN_DIGITS.sub(lambda m: m.group().replace(m.group().strip(), "-"), text)


_NUM = r"(?:\d{1,4}|[一二三四五六七八九十〇百千]{1,4})"
_SEP = r"\s*[-の]\s*"
_PLACE_CHARS = r"[一-龥々ァ-ヶー]"
_UNIT_AFTER = re.compile(
    r"\s*(?:km|k\b|m\b|mi\b|miles?|min|分|秒|時|人|位|回|%|％|円|歳|才|年|月|日|キロ|メートル|倍|本|個|枚|名|着|周|次|点)"
)


def _words(section: str) -> list[str]:
    return _lexicon.sections("pii_words").get(section, [])


def _alternation(entries: Iterable[str]) -> str:
    return "|".join(re.escape(e) for e in sorted(set(entries), key=len, reverse=True))


class _Patterns:
    def __init__(self) -> None:
        phone_words = _alternation(_words("phone_context"))
        not_phone = _alternation(_words("not_phone_context"))
        self.phone_context = re.compile(rf"(?<![a-z])(?:{phone_words})(?![a-z])")
        self.not_phone_context = re.compile(
            rf"(?<![a-z])(?:{not_phone})(?![a-z])[\s.:：#=は]*(?:is|was|は|:)?\s*$"
        )
        tlds = _alternation(_words("tld"))
        dot = r"(?:\s*(?:\.|\[dot\]|\(dot\)|\{dot\}|<dot>|ドット|テン)\s*|\s+dot\s+)"
        at = (
            r"(?:\s*(?:@|\[at\]|\(at\)|\{at\}|<at>|\[@\]|\(@\)|アットマーク|@マーク|アット)\s*"
            r"|\s+at\s+)"
        )
        word = r"[a-z0-9][a-z0-9_+\-]*"
        self.email = re.compile(
            r"(?<![a-z0-9._%+\-])[a-z0-9][a-z0-9._%+\-]*@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}"
            r"(?![a-z0-9])"
        )
        self.email_written = re.compile(
            rf"(?<![a-z0-9._%+\-])(?:{word}(?:{dot}{word}){{0,3}}){at}{word}"
            rf"(?:{dot}{word}){{0,3}}{dot}(?:{tlds})(?![a-z0-9])"
        )
        apps = _alternation(_words("messaging"))
        self.messaging = re.compile(
            rf"(?<![a-z])(?:{apps})\s*(?:id|アイディー?|アカウント)\s*(?:ハ|:|=|-|→)?\s*"
            rf"(?P<id>@?[a-z0-9][a-z0-9._\-]{{2,30}})"
            rf"|(?<![a-z])(?:{apps})\s*[:=]\s*(?P<id2>@[a-z0-9][a-z0-9._\-]{{2,30}})"
        )
        # Japanese addresses.
        prefix = (
            rf"(?:{_PLACE_CHARS}{{1,4}}?[都道府県])?(?:{_PLACE_CHARS}{{1,6}}?[市区郡])?"
            rf"(?:{_PLACE_CHARS}{{1,6}}?[町村])?{_PLACE_CHARS}{{0,8}}?(?:[東西南北]?\d{{1,2}}条[東西南北]?)?"
        )
        self.ja_address = re.compile(
            # 2丁目8番1号, 二丁目8-14, 1丁目2番3号
            rf"{prefix}{_NUM}丁目\s*(?:{_NUM}\s*(?:番地?|-|の)\s*(?:{_NUM}\s*号?)?)"
            # 123番地, 5番地の2
            rf"|{prefix}\d{{1,5}}番地(?:\s*の?\s*\d{{1,4}})?(?:\s*号)?"
            # 3番5号
            rf"|{prefix}{_NUM}番\s*{_NUM}号"
            # 世田谷区見本台3-21-5: a ward/city/town and a block number
            rf"|(?:{_PLACE_CHARS}{{1,4}}?[都道府県])?{_PLACE_CHARS}{{1,6}}?[市区町村郡]"
            rf"{_PLACE_CHARS}{{1,8}}?\d{{1,4}}-\d{{1,4}}(?:-\d{{1,4}})?(?:\s*(?:番地?|号))?"
            # 305号室
            r"|\d{2,4}\s*号室"
        )
        self.ja_postcode = re.compile(
            r"(?:〒|郵便番号\s*[:ハ]?\s*|\bzip\s*(?:code)?\s*[:]?\s*|postcode\s*:?\s*)"
            r"\s*\d{3}\s*-?\s*\d{4}(?!\d)"
            r"|(?<![\d-])\d{3}-\d{4}(?!\d)(?=\s*(?:東京都|北海道|大阪府|京都府|"
            rf"{_PLACE_CHARS}{{2,3}}県))"
        )
        # English addresses.
        street_types = _alternation(_words("street_type"))
        self.street_stop = set(_words("street_stop"))
        self.en_street = re.compile(
            r"(?<![\w.,:/$£€¥-])(?P<num>\d{1,5}[a-z]?(?:-\d{1,5})?)\s*,?\s+"
            r"(?P<name>(?:[a-z][a-z'.\-]*\s+){1,3}?)"
            rf"(?P<type>{street_types})(?![a-z])\.?"
            r"(?P<rest>(?:,?\s*(?:apt|apartment|flat|suite|unit|#)\.?\s*\d+[a-z]?)?)"
        )
        self.uk_postcode = re.compile(
            r"(?<![a-z0-9])[a-z]{1,2}\d[a-z\d]?\s*\d[abd-hjlnp-uw-z]{2}(?![a-z0-9])"
        )
        states = _alternation(_words("us_state"))
        self.us_zip = re.compile(
            rf"(?<=[,\s])(?:{states})\s+\d{{5}}(?:-\d{{4}})?(?![\d])"
            r"|(?<![a-z])(?:california|new york|texas|florida|washington|oregon|illinois|"
            r"massachusetts|colorado|arizona|georgia|virginia|ohio|michigan|pennsylvania|"
            r"new jersey|hawaii)\s*,?\s+\d{5}(?:-\d{4})?(?!\d)"
        )
        self.address_word = re.compile(r"(?:住所|address|i live at|we live at|live at)")


_patterns: _Patterns | None = None
_lock = threading.Lock()


def patterns() -> _Patterns:
    global _patterns
    with _lock:
        if _patterns is None:
            _patterns = _Patterns()
        return _patterns


_TIME = re.compile(r"\d{1,2}:\d{2}")
_DATE = re.compile(
    r"(?:19|20)\d{2}\s*[-./]\s*\d{1,2}\s*[-./]\s*\d{1,2}|\d{1,2}[-./]\d{1,2}[-./](?:19|20)\d{2}"
)


def _phones(text: str, p: _Patterns) -> list[tuple[int, int]]:
    """Spans (in ``text``) of phone numbers."""
    scan = _dashes(text)
    found: dict[tuple[int, int], bool] = {}
    for region in REGIONS:
        try:
            matcher = phonenumbers.PhoneNumberMatcher(
                scan, region, leniency=phonenumbers.Leniency.POSSIBLE, max_tries=200
            )
            for match in matcher:
                key = (match.start, match.end)
                valid = phonenumbers.is_valid_number(match.number)
                found[key] = found.get(key, False) or valid
        # A library hiccup in one region must not lose the others.
        except Exception:  # noqa: S112  # nosec B112
            continue
    spans: list[tuple[int, int]] = []
    for (start, end), valid in sorted(found.items()):
        raw = scan[start:end]
        if raw.startswith("(") and ")" not in raw:
            start += 1
            raw = raw[1:]
        digits = sum(c.isdigit() for c in raw)
        international = raw.lstrip("(").startswith("+")
        if digits < (8 if international else 9) or digits > 15:
            continue
        if "/" in raw or _TIME.search(raw) or _DATE.search(raw):
            continue
        around = scan[max(0, start - 3) : min(len(scan), end + 3)]
        if _DATE.search(around) or re.search(r"\d:\d{2}\s*$", scan[max(0, start - 6) : start]):
            continue
        before = scan[max(0, start - 30) : start]
        if p.not_phone_context.search(before):
            continue
        if _UNIT_AFTER.match(scan, end) and not re.match(r"\s*(?:まで|に|へ)", scan[end:]):
            continue
        if re.match(r"[.,]?\d", scan[end : end + 2]):
            continue
        grouped = bool(re.search(r"\d[\s\-.()]+\d", raw)) or raw.startswith("(")
        national = raw.lstrip("(").startswith("0")
        context = bool(p.phone_context.search(scan[max(0, start - 40) : start]))
        context = context or bool(p.phone_context.search(scan[end : end + 15]))
        written_as_phone = international or national or grouped
        if (valid and (written_as_phone or context)) or (
            # Not valid (a fictional 07700 900… or 555 number) but written like one.
            digits >= 10 and written_as_phone and (grouped or context)
        ):
            spans.append((start, end))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _capitalised(normalized: Normalized, start: int) -> bool:
    original = normalized.original
    index = normalized.offsets[start]
    return index < len(original) and original[index].isupper()


def find(normalized: Normalized) -> dict[str, list[tuple[int, int]]]:
    """Spans (in the normalised text) of personal data, by kind."""
    p = patterns()
    text = normalized.text
    folded = _dashes(normalized.folded)
    found: dict[str, list[tuple[int, int]]] = {}

    emails = [m.span() for m in p.email.finditer(text)]
    for m in p.email_written.finditer(folded):
        written = m.group()
        if re.search(r"\s+at\s+", written) and "@" not in written:
            # "name at example dot com": plain English "at" needs a written-out
            # dot, and is never a web address ("book now at www.example.com").
            domain = re.split(r"\s+at\s+", written)[-1]
            if domain.startswith("www") or not re.search(
                r"\sdot\s|ドット|\[dot\]|\(dot\)", written
            ):
                continue
        emails.append(m.span())
    found["email"] = _merge(emails)

    messaging = []
    for m in p.messaging.finditer(folded):
        group = "id" if m.group("id") else "id2"
        value = m.group(group)
        # An ID has a letter and is not an ordinary word: "line id is tom_88".
        if not re.search(r"[a-z]", value) and not value.startswith("@"):
            continue
        if value in ("is", "was", "and", "the", "for", "please", "me"):
            continue
        messaging.append((m.start(), m.end(group)))
    found["messaging"] = _merge(messaging)

    taken = found["email"] + found["messaging"]
    phones = [
        span
        for span in _phones(text, p)
        if not any(s <= span[0] < e or span[0] <= s < span[1] for s, e in taken)
    ]
    found["phone"] = phones

    addresses: list[tuple[int, int]] = []
    for m in p.ja_address.finditer(folded):
        start, end = m.span()
        if _UNIT_AFTER.match(folded, end) and folded[m.end() - 1] not in "号地":
            continue
        addresses.append((start, end))
    addresses += [m.span() for m in p.ja_postcode.finditer(folded)]
    for m in p.en_street.finditer(text):
        name = m.group("name").split()
        if any(word.strip(".,") in p.street_stop for word in name):
            continue
        if not _capitalised(normalized, m.start("name")) and not p.address_word.search(
            text[max(0, m.start() - 30) : m.start()]
        ):
            continue
        if _UNIT_AFTER.match(text, m.end("num")):
            continue
        addresses.append((m.start(), m.end()))
    for m in p.uk_postcode.finditer(text):
        start, end = m.span()
        if all(_capitalised(normalized, i) or not text[i].isalpha() for i in range(start, end)):
            addresses.append((start, end))
    for m in p.us_zip.finditer(text):
        if _capitalised(normalized, m.start()):
            addresses.append(m.span())
    found["address"] = _merge([s for s in addresses if not any(a <= s[0] < b for a, b in phones)])
    return found


class PersonalDataCheck(Check):
    """Phone numbers, e-mail addresses, messaging IDs and postal addresses."""

    codes = ("pii",)

    def check(self, document: Document, session: Session) -> Iterable[Finding]:
        by_kind: dict[str, list[Span]] = {}
        for name, original in document.fields.items():
            if not original or not isinstance(original, str):
                continue
            normalized = normalize(original[: MAX_CHARS * 2])
            if len(normalized.text) > MAX_CHARS:
                normalized = normalize(original[:MAX_CHARS])
            for kind, spans in find(normalized).items():
                for start, end in spans:
                    begin, stop = normalized.original_span(start, end)
                    by_kind.setdefault(kind, []).append(Span(name, begin, stop))
        for kind in KINDS:
            spans = by_kind.get(kind)
            if spans:
                yield Finding(
                    code="pii",
                    severity=Severity.MEDIUM,
                    reason=REASONS[kind],
                    params={},
                    spans=tuple(sorted(set(spans), key=lambda s: (s.field, s.start))),
                )
