"""Text answers: whatever is typed or pasted, what we keep is clean or refused with a reason."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from tasuki.entries.forms import clean_text

CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Japanese and Latin letters, emoji, spaces and line breaks, and the invisible
# characters an entrant may paste without knowing.
TYPED = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        st.sampled_from("走る人 \n\r\t\u202e\u2066\x00\x1b\x85"),
    ),
    max_size=200,
)


@given(TYPED, st.booleans())
def test_cleaned_text_has_no_controls_or_is_refused_with_a_code(value, multiline):
    try:
        cleaned = clean_text(value, multiline=multiline)
    except ValidationError as exc:
        assert exc.code in {"bidi_control", "control_character"}
        assert CONTROLS.search(value.replace("\r\n", "\n").replace("\r", "\n"))
        return
    assert not CONTROLS.search(cleaned)
    assert "\r" not in cleaned
    assert cleaned == cleaned.strip()
    if not multiline:
        assert "\n" not in cleaned and "  " not in cleaned
    assert clean_text(cleaned, multiline=multiline) == cleaned  # cleaning twice changes nothing


@pytest.mark.parametrize(
    ("value", "code"),
    [("invoice\u202etxt.exe", "bidi_control"), ("bell\x07", "control_character")],
)
def test_specific_refusals(value, code):
    with pytest.raises(ValidationError) as refused:
        clean_text(value, multiline=True)
    assert refused.value.code == code
