"""Text as the checks read it: normalised, with every character traced back.

Entrants write the same word many ways: full-width ＬＩＮＥ and half-width
ｶﾞﾝﾊﾞﾚ, upper and lower case, hiragana and katakana, and now and then with
invisible characters in the middle (a zero-width space inside a phone number,
a right-to-left override that reverses how it looks). A check that matched the
raw text would miss all of those, and one that matched a normalised copy could
not say where in the entrant's words it found something.

:func:`normalize` does both: it returns the normalised text together with, for
each of its characters, the index of the character of the original it came
from, so that a match in the normalised text becomes a span of the original
(:meth:`Normalized.original_span`) that the review page can highlight.

Normalisation, in order:

* invisible format characters (zero-width spaces and joiners, bidirectional
  controls, soft hyphens, variation selectors, the byte-order mark) are
  dropped; other control characters except line breaks become spaces;
* NFKC: full-width Latin and digits become ASCII, half-width kana become
  full-width, compatibility forms (①, ㈱, ﬁ) are spelt out;
* case folding;
* :attr:`Normalized.folded` additionally writes hiragana as katakana (same
  length, so the same offsets), for word lists that should not care which
  kana an entrant chose.

Japanese words come from SudachiPy (:func:`tokens`), with their offsets in the
normalised text and Sudachi's normalised form (ｼｭﾐﾚｰｼｮﾝ and シュミレーション
both give シミュレーション, 走った gives 走る).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from tasuki.review import sudachi

#: Sudachi refuses input longer than 49,149 bytes: text is cut into pieces of
#: at most this many characters (4 bytes each at worst).
CHUNK_CHARS = 12_000

_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}
_HIRAGANA_TO_KATAKANA.update({0x309D: 0x30FD, 0x309E: 0x30FE})


def is_invisible(char: str) -> bool:
    """Format characters (Cf: zero-width, bidi controls, BOM, soft hyphen) and
    variation selectors, which change how text looks or nothing at all."""
    code = ord(char)
    return (
        unicodedata.category(char) == "Cf" or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF
    )


@dataclass(frozen=True)
class Normalized:
    """A normalised text and, for each of its characters, where it came from."""

    original: str
    text: str
    #: ``offsets[i]`` is the index in ``original`` of the character that
    #: produced ``text[i]``; one extra item, ``len(original)``, ends the list.
    offsets: tuple[int, ...] = field(repr=False)

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of ``original`` that ``text[start:end]`` came from."""
        if end <= start:
            position = self.offsets[min(start, len(self.text))]
            return position, position
        first = self.offsets[start]
        last = self.offsets[end - 1]
        # The end is just after the last original character that contributed,
        # including any characters dropped right before the next kept one.
        stop = last + 1
        return first, max(stop, first + 1)

    @cached_property
    def folded(self) -> str:
        """:attr:`text` with hiragana written as katakana (same length and offsets)."""
        return self.text.translate(_HIRAGANA_TO_KATAKANA)

    def __len__(self) -> int:
        return len(self.text)


def normalize(original: str) -> Normalized:
    """Normalise ``original`` (see the module's notes), keeping the offsets."""
    out: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(original):
        if is_invisible(char):
            continue
        category = unicodedata.category(char)
        if category[0] == "C" and char not in "\n\r\t":
            piece = " "
        else:
            piece = unicodedata.normalize("NFKC", char).casefold()
        if not piece:
            continue
        if out and unicodedata.combining(piece[0]):
            # A combining mark (the half-width voicing mark ﾞ becomes one) joins
            # the character before it: ｶﾞ → ガ, keeping the first's offset.
            composed = unicodedata.normalize("NFC", out[-1] + piece[0])
            if len(composed) == 1:
                out[-1] = composed
                piece = piece[1:]
        for part in piece:
            out.append(part)
            offsets.append(index)
    offsets.append(len(original))
    return Normalized(original=original, text="".join(out), offsets=tuple(offsets))


@dataclass(frozen=True)
class Token:
    """One word as Sudachi split it, with its place in the normalised text."""

    surface: str
    #: Sudachi's normalised form (走った → 走る, ｼｭﾐﾚｰｼｮﾝ → シミュレーション),
    #: case-folded; for Latin words Sudachi's form may be katakana (run → ラン).
    normalized: str
    dictionary: str
    pos: tuple[str, ...]
    start: int
    end: int

    @property
    def is_latin(self) -> bool:
        return any("a" <= c <= "z" for c in self.surface)


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Pieces short enough for Sudachi with their offsets, cut at a break where possible."""
    offset = 0
    while len(text) - offset > CHUNK_CHARS:
        window = text[offset : offset + CHUNK_CHARS]
        cut = max(window.rfind(" "), window.rfind("\n"), window.rfind("。"))
        if cut <= 0:
            cut = CHUNK_CHARS
        else:
            cut += 1
        yield offset, text[offset : offset + cut]
        offset += cut
    yield offset, text[offset:]


def tokens(normalized: Normalized, mode: str = "C") -> list[Token]:
    """Sudachi's words of a normalised text, with offsets into ``normalized.text``.

    Mode C by default (whole compounds: 殺人的 stays one word, so a word list
    can tell it from 殺人); pass ``"A"`` for the shortest units.
    Spaces and punctuation are left out.
    """
    tokenizer = sudachi.tokenizer(mode)
    out: list[Token] = []
    for offset, chunk in _chunks(normalized.text):
        if not chunk.strip():
            continue
        for morpheme in tokenizer.tokenize(chunk):
            pos = tuple(morpheme.part_of_speech())
            if pos[0] in ("空白", "補助記号"):
                continue
            out.append(
                Token(
                    surface=morpheme.surface(),
                    normalized=unicodedata.normalize("NFKC", morpheme.normalized_form()).casefold(),
                    dictionary=morpheme.dictionary_form(),
                    pos=pos,
                    start=offset + morpheme.begin(),
                    end=offset + morpheme.end(),
                )
            )
    return out


def is_japanese(char: str) -> bool:
    """Kana, CJK ideographs and the Japanese iteration marks."""
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or code in (0x3005, 0x3006, 0x30FC)
    )


def japanese_share(text: str) -> float:
    """The share of letters in ``text`` that are Japanese (0 when it has no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if is_japanese(c)) / len(letters)
