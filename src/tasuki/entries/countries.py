"""The country-or-region choice of the entry form, per language."""

from __future__ import annotations

import copy
import functools

from django import forms
from django.utils import translation
from django_countries import countries


@functools.lru_cache(maxsize=8)
def country_choices(language: str | None) -> tuple[tuple[str, str], ...]:
    """Countries sorted by their name in ``language``, made once per language.

    Sorting some 250 translated names took a fifth of each submit's time when it
    was done for every form.
    """
    with translation.override(language):
        return (("", "—"), *((code, str(name)) for code, name in countries))


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

    def use_language(self, language: str | None) -> None:
        """Offer the countries named and sorted in ``language``.

        The cached list is already in Django's normal form, so it is assigned as it
        is: the ``choices`` setters would normalise all 250 pairs again per form.
        """
        self._choices = self.widget._choices = country_choices(language)
