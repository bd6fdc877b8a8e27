"""Review states, decision kinds and the table of allowed transitions.

The entrant's own state (submitted, withdrawn) lives on ``entries.Entry``; the
review state lives on :class:`tasuki.review.models.Review`, one row per entry,
and moves only through the services in :mod:`tasuki.review.services`, which
check this table. Two outcomes are kept apart, because being featured on the
site does not guarantee a prize: *featured* (may be published) and *eligible*
(goes into the draw). A disqualification (with one of the campaign's criteria)
removes both; so does the entrant's withdrawal, which staff cannot override.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReviewState(models.TextChoices):
    NEW = "new", _("New")
    IN_REVIEW = "in_review", _("In review")
    DECIDED = "decided", _("Decided")


class DecisionKind(models.TextChoices):
    FEATURE = "feature", _("Feature")
    UNFEATURE = "unfeature", _("Stop featuring")
    MAKE_ELIGIBLE = "eligible", _("Make eligible for the draw")
    MAKE_INELIGIBLE = "ineligible", _("Take out of the draw")
    DISQUALIFY = "disqualify", _("Disqualify")
    REVERT = "revert", _("Revert a decision")


#: (from, to) → what moves an entry along that edge. Anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ReviewState.NEW, ReviewState.IN_REVIEW): "a reviewer opens, scores or comments on it",
    (ReviewState.NEW, ReviewState.DECIDED): "a decision",
    (ReviewState.IN_REVIEW, ReviewState.DECIDED): "a decision",
    (ReviewState.DECIDED, ReviewState.DECIDED): "another decision, or a revert that leaves one",
    (ReviewState.DECIDED, ReviewState.IN_REVIEW): "a revert of the last standing decision",
}

#: What each decision sets: (featured, eligible, disqualified); None leaves it as it is.
EFFECTS: dict[str, tuple[bool | None, bool | None, bool | None]] = {
    DecisionKind.FEATURE: (True, None, False),
    DecisionKind.UNFEATURE: (False, None, None),
    DecisionKind.MAKE_ELIGIBLE: (None, True, False),
    DecisionKind.MAKE_INELIGIBLE: (None, False, None),
    DecisionKind.DISQUALIFY: (False, False, True),
}


def allowed(current: str, target: str) -> bool:
    return (current, target) in TRANSITIONS
