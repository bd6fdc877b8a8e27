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
  (its hiragana are written as katakana for you; write letters in lower case).

API (small on purpose, other checks use it):

* :func:`load` ``(name) -> list[str]``: every entry of the file, normalised
  (regular expressions kept as ``re:…``);
* :func:`sections` ``(name) -> dict[str, list[str]]``: the same, by section;
* :func:`matcher` ``(name, section=None) -> Matcher``: a cached matcher over
  the whole file or one section; ``Matcher.find(folded)`` returns
  :class:`Match` objects (``start``, ``end`` in the folded text, which has the
  same offsets as :attr:`Normalized.text`, and ``entry``, the list entry that
  matched); map them to the original with :meth:`Normalized.original_span`;
* :func:`sentences` ``(text) -> list[tuple[int, int]]``: sentence offsets.

Everything is loaded lazily, at most once per process, under a lock.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

from tasuki.review.checks.text import normalize

__all__ = ["Match", "Matcher", "load", "matcher", "sections", "sentences"]

_lock = threading.RLock()
_SECTION = re.compile(r"^\[([^\]]*)\]$")


_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


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
        if line.startswith("re:"):
            # Regular expressions keep their syntax; only their kana are folded.
            entry = "re:" + line[3:].strip().translate(_KATAKANA)
        else:
            entry = _fold(line)
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


_SPACE, _END_PREFIX, _END_WORD, _END = "\x00 ", "\x00*", "\x00w", "\x00$"
_END_PATTERNS = {_END_PREFIX: r"[a-z0-9'’-]*", _END_WORD: r"(?![a-z0-9])", _END: ""}


def _units(entry: str) -> tuple[list[str], str]:
    """An entry as trie units (characters; one unit for a space) and how it ends."""
    prefix = entry.endswith("*") and len(entry) > 1
    body = entry[:-1] if prefix else entry
    units = [_SPACE if char == " " else char for char in body]
    if prefix:
        return units, _END_PREFIX
    return units, _END_WORD if _is_word_char(body[-1]) else _END


def _trie_pattern(node: dict) -> str:
    """A regular expression for a trie: longer continuations are tried first."""
    branches = []
    for unit, child in node.items():
        if unit in _END_PATTERNS:
            continue
        head = r"\s+" if unit == _SPACE else re.escape(unit)
        branches.append(head + _trie_pattern(child))
    # Ends last; a prefix end (which may take more letters) first among them.
    branches.extend(_END_PATTERNS[end] for end in (_END_PREFIX, _END_WORD, _END) if end in node)
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


@dataclass(frozen=True)
class Match:
    """One match: ``start``/``end`` in the folded text and the entry that matched."""

    start: int
    end: int
    entry: str


class Matcher:
    """Finds the entries of a word list in a folded text (longest first, no overlaps).

    Plain entries are compiled into one trie-shaped regular expression (fast
    however long the list); regular-expression entries are alternatives after it.
    """

    def __init__(self, entries: list[str] | tuple[str, ...]) -> None:
        word_trie: dict = {}
        other_trie: dict = {}
        self._exact: dict[str, str] = {}
        self._prefixes: dict[str, str] = {}
        expressions: list[str] = []
        for entry in dict.fromkeys(entries):
            if entry.startswith("re:"):
                expressions.append(entry)
                continue
            units, end = _units(entry)
            if not units:
                continue
            node = word_trie if _is_word_char(entry[0]) else other_trie
            for unit in units:
                node = node.setdefault(unit, {})
            node[end] = {}
            body = entry[:-1] if end == _END_PREFIX else entry
            (self._prefixes if end == _END_PREFIX else self._exact).setdefault(body, entry)
        self._expressions = expressions
        self._parts: list[str] = []
        if word_trie:
            self._parts.append(f"(?P<w>(?<![a-z0-9]){_trie_pattern(word_trie)})")
        if other_trie:
            self._parts.append(f"(?P<o>{_trie_pattern(other_trie)})")
        # Each expression alone, to see which can match a text at all: one long
        # alternation tried at every position is slow, and an expression with
        # no match anywhere in a text cannot change how the others match.
        self._alone = [re.compile(e[3:]) for e in expressions]
        self._compiled: dict[tuple[int, ...], re.Pattern[str] | None] = {}
        self._regex = self._combined(tuple(range(len(expressions))))

    def _combined(self, active: tuple[int, ...]) -> re.Pattern[str] | None:
        """The trie and the expressions numbered ``active``, as one regular expression."""
        regex = self._compiled.get(active)
        if regex is None and active not in self._compiled:
            parts = self._parts + [f"(?P<r{i}>{self._expressions[i][3:]})" for i in active]
            regex = re.compile("|".join(parts)) if parts else None
            if len(self._compiled) < 512:
                self._compiled[active] = regex
        return regex

    def __bool__(self) -> bool:
        return self._regex is not None

    def _entry(self, found: re.Match[str]) -> str:
        group = found.lastgroup or ""
        if group.startswith("r"):
            return self._expressions[int(group[1:])]
        text = " ".join(found.group().split())
        if text in self._exact:
            return self._exact[text]
        for length in range(len(text), 0, -1):
            entry = self._prefixes.get(text[:length])
            if entry is not None:
                return entry
        return text

    def finditer(self, folded: str) -> Iterator[Match]:
        """The matches in ``folded`` one by one (see :meth:`find`)."""
        if self._regex is None or not folded:
            return
        active = tuple(i for i, alone in enumerate(self._alone) if alone.search(folded))
        regex = self._combined(active)
        if regex is None:
            return
        for found in regex.finditer(folded):
            if found.end() > found.start():
                yield Match(found.start(), found.end(), self._entry(found))

    def find(self, folded: str) -> list[Match]:
        """Every non-overlapping match in ``folded`` (a :attr:`Normalized.folded`)."""
        return list(self.finditer(folded))

    def search(self, folded: str) -> Match | None:
        """The first match in ``folded``, or None."""
        return next(self.finditer(folded), None)


@cache
def _matcher(name: str, section: str | None) -> Matcher:
    if section is None:
        return Matcher(load(name))
    return Matcher(sections(name).get(section, []))


def matcher(name: str, section: str | None = None) -> Matcher:
    """A matcher over ``lexicon/<name>.txt`` (or one ``section`` of it), built once."""
    with _lock:
        return _matcher(name, section)


_SENTENCE_END = re.compile(r"[。！？!?\n]+|(?<=[.…])\s+")


def sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of ``text`` as ``(start, end)`` offsets, surrounding spaces trimmed.

    A sentence ends at 。！？!? or a line break (kept with it), and at a full
    stop followed by a space; empty pieces are left out.
    """
    out: list[tuple[int, int]] = []
    start = 0
    for found in _SENTENCE_END.finditer(text):
        _add_sentence(text, start, found.end(), out)
        start = found.end()
    _add_sentence(text, start, len(text), out)
    return out


def _add_sentence(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        out.append((start, end))
