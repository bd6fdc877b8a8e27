"""The one small interface every automatic check implements.

A check reads a :class:`Document` (an entry's answers, or one line of
``check_texts``) and returns :class:`Finding` objects. A finding advises; a
reviewer decides. Each carries everything a reviewer needs to judge it without
searching: a code, a severity, a reason in both languages and the evidence
(character spans of the text, the other entry, the photo with its score).

Checks never write flags themselves: ``review.flagging`` turns findings into
``Flag`` rows for entries, and the ``check_texts`` command prints them. A
check that compares an entry with earlier ones (duplicates) keeps what it
needs in the :class:`Session`: in memory for the command, in its own tables
for entries (only when ``session.persistent`` is true).
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils import translation
from django.utils.translation import gettext


class Severity:
    """How strongly a finding suggests the entry breaks the terms."""

    LOW = "low"  # worth a look (a repeat entrant, a small photo)
    MEDIUM = "medium"  # probably a problem (personal data, a likely duplicate)
    HIGH = "high"  # very likely disqualifying (an advert, abuse, nudity)

    ORDER = {LOW: 0, MEDIUM: 1, HIGH: 2}


@dataclass(frozen=True)
class Span:
    """Characters ``start`` to ``end`` (exclusive) of the original text of ``field``."""

    field: str
    start: int
    end: int


@dataclass(frozen=True)
class Finding:
    """One thing a check found, with its evidence.

    ``reason`` is an English message id marked with ``gettext_noop`` and
    written as a whole sentence with ``%(name)s`` placeholders; ``params``
    fills them. It is translated when shown, in the reader's language.
    """

    code: str
    severity: str
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    #: The earlier entry (its id) or command line (its ``id``) this one repeats.
    duplicate_of: Any = None
    #: How similar the two are (0–1), for duplicates.
    similarity: float | None = None
    #: The photo (its id) the finding is about, and the detector's score (0–1).
    photo: int | None = None
    score: float | None = None
    #: Regions of the photo, each (left, top, width, height) as fractions of its size.
    boxes: tuple[tuple[float, float, float, float], ...] = ()
    #: Codes that, found about the same document in the same run, say it
    #: better: ``checks.run`` then drops this finding (a pitch that never names
    #: the race is an advert, not also "unrelated to the race").
    yields_to: tuple[str, ...] = ()

    def reason_in(self, language: str) -> str:
        """The reason as a sentence in ``language`` ("ja" or "en")."""
        return render_reason(self.reason, self.params, language)

    def evidence(self) -> dict[str, Any]:
        """The evidence as JSON-ready data (what a ``Flag`` row stores)."""
        data: dict[str, Any] = {}
        if self.spans:
            data["spans"] = [[s.field, s.start, s.end] for s in self.spans]
        if self.duplicate_of is not None:
            data["duplicate_of"] = self.duplicate_of
        if self.similarity is not None:
            data["similarity"] = round(self.similarity, 4)
        if self.photo is not None:
            data["photo"] = self.photo
        if self.score is not None:
            data["score"] = round(self.score, 4)
        if self.boxes:
            data["boxes"] = [[round(v, 4) for v in box] for box in self.boxes]
        return data


def render_reason(reason: str, params: Mapping[str, Any], language: str) -> str:
    with translation.override(language):
        text = gettext(reason)
    try:
        return text % dict(params) if params else text
    except (KeyError, TypeError, ValueError):
        # A translation that lost a placeholder must not hide the flag.
        return reason % dict(params) if params else reason


@dataclass
class Document:
    """What a check reads: an entry's answers, or one line of ``check_texts``."""

    #: The entry's id, or the line's ``id``: what a duplicate finding names.
    ref: Any
    #: The language the entrant chose ("ja" or "en"); texts may still mix both.
    language: str
    #: Field name → the entrant's original text, in the order they are shown.
    fields: dict[str, str]
    campaign_id: int | None = None
    #: The entry itself (None for ``check_texts``); photo checks read its photos.
    entry: Any = None
    #: Digests of the entrant's e-mail address and connection (never the address).
    email_digest: str = ""
    connection_digest: str = ""
    #: Web addresses that are the organiser's own (the race's official site):
    #: naming them is never an advert.
    official_hosts: tuple[str, ...] = ()
    #: When it arrived (entries): "earlier" means before this.
    arrived_at: Any = None
    #: The entry's photos to check (``entries.Photo`` rows whose renditions are
    #: ready); empty for ``check_texts`` and for a run of the text checks only.
    photos: list[Any] = field(default_factory=list)


@dataclass
class Session:
    """One run of the checks over one or more documents, in arrival order.

    ``persistent`` is true when the documents are entries in the database: a
    check may then read and write its own rows (fingerprints). For
    ``check_texts`` it is false and nothing may be written; ``state`` is where
    a check keeps what it learnt from earlier documents of the run.
    """

    persistent: bool
    state: dict[str, Any] = field(default_factory=dict)


class Check(abc.ABC):
    """An automatic check. Subclasses set ``codes`` and implement :meth:`check`.

    Listed in the ``TASUKI_CHECKS`` setting as ``{"NAME": "dotted.path",
    "OPTIONS": {...}}``; the options are passed to ``__init__`` as keyword
    arguments. One instance serves a whole process, so :meth:`check` must
    not keep per-document state on ``self`` (use ``session.state``).
    """

    #: The codes this check's findings may carry.
    codes: ClassVar[tuple[str, ...]] = ()
    #: True for checks that read photos; ``check_texts`` has none and skips them.
    reads_photos: ClassVar[bool] = False

    def __init__(self, **options: Any) -> None:
        self.options = options

    @abc.abstractmethod
    def check(self, document: Document, session: Session) -> Iterable[Finding]:
        """The findings about ``document`` (none when it looks fine)."""

    def forget(self, ref: Any, session: Session) -> None:  # noqa: B027 - optional hook
        """Drop what the session keeps about ``ref`` (an erased entry); most checks keep nothing."""

    @property
    def name(self) -> str:
        return type(self).__name__
