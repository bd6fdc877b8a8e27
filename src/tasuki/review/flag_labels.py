"""Human-readable names of the automatic checks' codes, in one place.

Pages show these instead of the codes (``pii``, ``photo_small``): the queue's
badges and filter, the entry page's flags panel, the dashboard. A code that is
not listed here (a check added later) is shown as it is rather than hidden.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tasuki.review.check_models import FlagSeverity

#: Code → name, in the order the queue's filter and the dashboard list them.
LABELS = {
    "advert": _("Advert or promotion"),
    "inappropriate": _("Inappropriate language"),
    "off_purpose": _("Not a story about the race"),
    "pii": _("Personal data"),
    "duplicate": _("Near-duplicate story"),
    "repeat_entrant": _("Same entrant again"),
    "nudity": _("Possible nudity"),
    "faces": _("Faces of other people"),
    "photo_duplicate": _("Same photo as another entry"),
    "stock_photo": _("Looks like a stock photo"),
    "photo_small": _("Photo too small"),
    "not_checked": _("Could not be checked"),
}

#: The entry's answers, as the review page names them (spans point into these).
FIELD_LABELS = {
    "title": _("Title"),
    "pen_name": _("Pen name"),
    "resonated_story": _("1. The relay story that resonated most"),
    "appeal": _("2. The race's biggest appeal"),
    "episode": _("3. The episode that moved them"),
    "wishes": _("4. Wishes for the 20th race"),
    "tagline": _("5. #MyRace is …"),
}

#: Most severe first.
SEVERITY_ORDER = {FlagSeverity.HIGH: 0, FlagSeverity.MEDIUM: 1, FlagSeverity.LOW: 2}

#: Short words for a severity (the badges); the long ones are ``FlagSeverity``'s labels.
SEVERITY_SHORT = {
    FlagSeverity.HIGH: _("High"),
    FlagSeverity.MEDIUM: _("Medium"),
    FlagSeverity.LOW: _("Low"),
}


def label(code: str) -> str:
    """The name of ``code`` in the active language (the code itself if unknown)."""
    name = LABELS.get(code)
    return str(name) if name is not None else code


def field_label(field: str) -> str:
    name = FIELD_LABELS.get(field)
    return str(name) if name is not None else field


def known_codes(present=()) -> list[str]:
    """Every code a page may offer: the named ones, then any other ``present`` in
    the data (a check added later, before it was named here)."""
    codes = list(LABELS)
    return codes + sorted(set(present) - set(codes))
