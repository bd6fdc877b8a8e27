"""Word lists for the text checks: loaded once, matched on normalised text.

A word list is a UTF-8 file ``lexicon/<name>.txt`` inside this package, one
entry a line. ``#`` starts a comment line; blank lines are ignored. A line
``[section]`` starts a section: entries before any section header belong to
the section ``""``. Entries are written in their plainest form: they are
normalised like the text they are matched against (NFKC, case folding,
hiragana as katakana, see :mod:`tasuki.review.checks.text`), so ＬＩＮＥ, line
and Line are one entry and so are くーぽん and クーポン.

Three kinds of entry:

* a plain word or phrase (``use code``, ``クーポン``): matched as a substring
  of :attr:`Normalized.folded`, except that an entry starting (or ending) with
  a Latin letter or digit must start (or end) at a word boundary, so ``ad``
  does not match inside ``made`` and ``dm`` not inside ``admin``. Spaces in an
  entry match any run of spaces;
* a Latin word ending with ``*`` (``promot*``): the word and any longer word
  it starts (promote, promotion, promotional);
* ``re:`` followed by a Python regular expression, matched on the folded text
  as written (write kana in katakana, letters in lower case).

API (small on purpose, other checks use it):

* :func:`load` ``(name) -> list[str]``: every entry of the file, normalised
  (regular expressions kept as ``re:…``);
* :func:`sections` ``(name) -> dict[str, list[str]]``: the same, by section;
* :func:`matcher` ``(name, section=None) -> Matcher``: a cached matcher over
  the whole file or one section; ``Matcher.find(folded)`` returns
  :class:`Match` objects (``start``, ``end`` in the folded text, which has the
  same offsets as :attr:`Normalized.text`, and ``entry``, the list entry that
  matched); map them to the original with :meth:`Normalized.original_span`.

Everything is loaded lazily, at most once per process, under a lock.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

from tasuki.review.checks.text import normalize

__all__ = ["Match", "Matcher", "load", "matcher", "sections"]

_lock = threading.RLock()
_SECTION = re.compile(r"^\[([^\]]*)\]$")


def _fold(entry: str) -> str:
    return " ".join(normalize(entry).folded.split())


@cache
def _read(name: str) -> dict[str, tuple[str, ...]]:
    text = resources.files("tasuki.review.checks").joinpath("lexicon", f"{name}.txt")
    out: dict[str, list[str]] = {}
    current = ""
    for raw in text.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header = _SECTION.match(line)
        if header:
            current = header.group(1).strip()
            out.setdefault(current, [])
            continue
        entry = "re:" + line[3:].strip() if line.startswith("re:") else _fold(line)
        if entry and entry not in out.setdefault(current, []):
            out[current].append(entry)
    return {key: tuple(value) for key, value in out.items()}


def sections(name: str) -> dict[str, list[str]]:
    """The entries of ``lexicon/<name>.txt`` by section, normalised."""
    with _lock:
        data = _read(name)
    return {key: list(value) for key, value in data.items()}


def load(name: str) -> list[str]:
    """Every entry of ``lexicon/<name>.txt`` (all sections), normalised."""
    seen: list[str] = []
    for entries in sections(name).values():
        seen.extend(entry for entry in entries if entry not in seen)
    return seen


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _pattern(entry: str) -> str:
    if entry.startswith("re:"):
        return entry[3:]
    prefix = entry.endswith("*") and len(entry) > 1
    body = entry[:-1] if prefix else entry
    pattern = r"\s+".join(re.escape(part) for part in body.split(" "))
    if _is_word_char(body[0]):
        pattern = r"(?<![a-z0-9])" + pattern
    if prefix:
        pattern += r"[a-z0-9'’-]*"
    elif _is_word_char(body[-1]):
        pattern += r"(?![a-z0-9])"
    return pattern


@dataclass(frozen=True)
class Match:
    """One match: ``start``/``end`` in the folded text and the entry that matched."""

    start: int
    end: int
    entry: str


class Matcher:
    """Finds the entries of a word list in a folded text (longest first, no overlaps)."""

    def __init__(self, entries: list[str] | tuple[str, ...]) -> None:
        # Longest entries first so that a phrase wins over a word it contains.
        ordered = sorted(set(entries), key=lambda e: (-len(e), e))
        self._entries = ordered
        if ordered:
            groups = "|".join(f"(?P<e{i}>{_pattern(e)})" for i, e in enumerate(ordered))
            self._regex: re.Pattern[str] | None = re.compile(groups)
        else:
            self._regex = None

    def __bool__(self) -> bool:
        return self._regex is not None

    def find(self, folded: str) -> list[Match]:
        """Every non-overlapping match in ``folded`` (a :attr:`Normalized.folded`)."""
        if self._regex is None or not folded:
            return []
        out = []
        for found in self._regex.finditer(folded):
            if found.end() == found.start():
                continue
            index = int(found.lastgroup[1:]) if found.lastgroup else 0
            out.append(Match(found.start(), found.end(), self._entries[index]))
        return out

    def search(self, folded: str) -> Match | None:
        """The first match in ``folded``, or None."""
        if self._regex is None or not folded:
            return None
        for found in self._regex.finditer(folded):
            if found.end() > found.start():
                index = int(found.lastgroup[1:]) if found.lastgroup else 0
                return Match(found.start(), found.end(), self._entries[index])
        return None


@cache
def _matcher(name: str, section: str | None) -> Matcher:
    if section is None:
        return Matcher(load(name))
    return Matcher(sections(name).get(section, []))


def matcher(name: str, section: str | None = None) -> Matcher:
    """A matcher over ``lexicon/<name>.txt`` (or one ``section`` of it), built once."""
    with _lock:
        return _matcher(name, section)
