"""The country-or-region choice of the entry form, per language.

Japanese names are sorted the way a Japanese reader looks them up: by their
reading, in gojūon order (あいうえお…), not by the code points of their
characters. Most names are katakana and are their own reading; the ones written
in kanji (日本, 中国, 韓国, 台湾, 香港, 南アフリカ, 米領サモア …) are read by
SudachiPy, the morphological analyser the project uses for Japanese text, with
its core dictionary. A campaign's likely countries come first, as a group of
their own, and again in their place in the full list.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from collections.abc import Iterable

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django_countries import countries

#: Readings the dictionary gets wrong, by name. Sudachi reads 南方 in
#: 仏領南方地域 as the family name ミナカタ; the territory is ナンポウ.
READING_CORRECTIONS = {"仏領南方地域": "フツリョウナンポウチイキ"}

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶ]")
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_SMALL_TO_FULL = str.maketrans("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ")
#: The vowel each (unvoiced, full-size) kana ends in, to read a long-vowel mark ー.
_VOWEL_OF = {
    kana: vowel
    for vowel, row in (
        ("あ", "あかさたなはまやらわ"),
        ("い", "いきしちにひみりゐ"),
        ("う", "うくすつぬふむゆる"),
        ("え", "えけせてねへめれゑ"),
        ("お", "おこそとのほもよろを"),
    )
    for kana in row
}


@functools.lru_cache(maxsize=1)
def _tokenizer():
    from sudachipy import Dictionary

    return Dictionary(dict="core").tokenizer()


def reading(name: str) -> str:
    """The name in katakana: kanji words read by the dictionary, the rest as written."""
    if name in READING_CORRECTIONS:
        return READING_CORRECTIONS[name]
    if not _KANJI.search(name):
        return name
    return "".join(
        token.reading_form() if _KANJI.search(token.surface()) else token.surface()
        for token in _tokenizer().tokenize(name)
    )


def kana_key(name: str) -> tuple[str, str]:
    """A sort key for a Japanese name, in the order of a Japanese dictionary.

    First by the reading with voicing marks removed, small kana made full size
    and ー read as the vowel before it (so ガーナ sorts as かあな, beside カ…);
    then by the reading as written, so unvoiced comes before voiced
    (ハ before バ before パ). Punctuation, spaces and brackets do not count.
    """
    written = unicodedata.normalize("NFKC", reading(name)).translate(_KATAKANA_TO_HIRAGANA)
    written = "".join(ch for ch in written if "\u3041" <= ch <= "\u3096" or ch == "ー")
    plain = unicodedata.normalize("NFD", written)
    plain = "".join(ch for ch in plain if ch not in "\u3099\u309a").translate(_SMALL_TO_FULL)
    primary: list[str] = []
    for ch in plain:
        if ch == "ー":
            ch = _VOWEL_OF.get(primary[-1], "") if primary else ""
        primary.append(ch)
    return "".join(primary), written


def _sorted_countries(language: str | None) -> list[tuple[str, str]]:
    named = [(code, str(name)) for code, name in countries]
    if (language or "")[:2] == "ja":
        named.sort(key=lambda pair: (kana_key(pair[1]), pair[1]))
    return named


@functools.lru_cache(maxsize=32)
def country_choices(language: str | None, first: tuple[str, ...] = ()) -> tuple:
    """Countries sorted by their name in ``language``, made once per language and group.

    With ``first`` (country codes, e.g. a campaign's likely countries), those
    countries lead as a group of their own, in the given order, before the full
    list. Unknown codes in ``first`` are left out. Sorting some 250 translated
    names took a fifth of each submit's time when it was done for every form.
    """
    with translation.override(language):
        named = _sorted_countries(language)
        if not first:
            return (("", "—"), *named)
        names = dict(named)
        leading = tuple((code, names[code]) for code in dict.fromkeys(first) if code in names)
        return (
            ("", "—"),
            (gettext("Common choices"), leading),
            (gettext("All countries and regions"), tuple(named)),
        )


class CountrySelect(forms.Select):
    """A select whose per-form copy shares the (immutable) country list."""

    def __deepcopy__(self, memo):
        copied = copy.copy(self)
        copied.attrs = self.attrs.copy()
        memo[id(self)] = copied
        return copied


class CountryField(forms.TypedChoiceField):
    """A country or region, checked against the list the form shows.

    Each form gets the shared, immutable choices of its language, so the copy
    Django makes of every field per form skips the usual deep copy of the list
    (and the widget's renormalising of it).
    """

    widget = CountrySelect

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=country_choices(None), **kwargs)

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result

    def use_language(self, language: str | None, *, first: Iterable[str] = ()) -> None:
        """Offer the countries named and sorted in ``language``, ``first`` leading.

        ``first`` is a campaign's ``likely_countries``: shown as their own group
        at the top, then every country in order. The cached list is already in
        Django's normal form, so it is assigned as it is: the ``choices`` setters
        would normalise all 250 pairs again per form.
        """
        self._choices = self.widget._choices = country_choices(language, tuple(first))
