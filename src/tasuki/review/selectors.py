"""Reads for the review pages: the queue with its filters and sort orders, and
one entry as a reviewer sees it.

Blind review by default: nothing here reads ``EntrantDetails`` (the entrant's
name, address, handles, guardian). The one place that does is
``personal_data_for``, which records every opening in the audit trail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce

from tasuki.audit.services import record
from tasuki.campaigns.models import Campaign
from tasuki.entries.models import AgeGroup, Entry, EntryStatus, Photo
from tasuki.review.check_models import Flag
from tasuki.review.models import Criterion, Review, RubricItem, Score
from tasuki.review.services import install_defaults
from tasuki.review.states import ReviewState

#: Sort orders the queue offers: name → ORDER BY.
ORDERS = {
    "arrival": ("submitted_at", "pk"),
    "-arrival": ("-submitted_at", "-pk"),
    # Unscored entries last on every database (PostgreSQL puts NULL first when descending).
    "score": (F("review__mean_score").desc(nulls_last=True), "submitted_at", "pk"),
    "reviews": ("review_count", "submitted_at", "pk"),
}


@dataclass(frozen=True)
class QueueFilters:
    """What a queue URL's query string may ask for (anything else is ignored)."""

    period: int | None = None
    state: str = ""
    role: str = ""
    language: str = ""
    country: str = ""
    verified: bool | None = None
    minor: bool | None = None
    reviewer: int | None = None
    min_score: float | None = None
    photos: bool | None = None
    #: "any" (an open flag), "none" (no open flag), or one flag code.
    flag: str = ""
    order: str = "arrival"

    @classmethod
    def from_query(cls, query) -> QueueFilters:
        def number(name, kind=int):
            try:
                return kind(query.get(name, ""))
            except (TypeError, ValueError):
                return None

        def yes_no(name):
            return {"yes": True, "no": False}.get(query.get(name, ""))

        order = query.get("order", "arrival")
        return cls(
            period=number("period"),
            state=query.get("state", "") if query.get("state") in ReviewState.values else "",
            role=query.get("role", "")[:12],
            language=query.get("language", "")[:2],
            country=query.get("country", "")[:2].upper(),
            verified=yes_no("verified"),
            minor=yes_no("minor"),
            reviewer=number("reviewer"),
            min_score=number("min_score", float),
            photos=yes_no("photos"),
            flag=_flag_choice(query.get("flag", "")),
            order=order if order in ORDERS else "arrival",
        )


#: What a flag code looks like (anything else in the query string is ignored).
_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _flag_choice(value) -> str:
    value = str(value or "")
    return value if _CODE.fullmatch(value) else ""


def open_flags() -> QuerySet[Flag]:
    """Flags no reviewer has dismissed and no later run has superseded."""
    return Flag.objects.filter(dismissed_at__isnull=True, superseded_at__isnull=True)


def criteria(campaign: Campaign) -> QuerySet[Criterion]:
    """The campaign's disqualification criteria (the standard five on first use)."""
    if not campaign.criteria.exists():
        install_defaults(campaign)
    return campaign.criteria.filter(active=True)


def rubric(campaign: Campaign) -> QuerySet[RubricItem]:
    if not campaign.rubric.exists():
        install_defaults(campaign)
    return campaign.rubric.all()


def queue(campaign: Campaign, filters: QueueFilters) -> QuerySet[Entry]:
    """Every entry of the campaign with its review figures, filtered and sorted.

    No grouping: the scores' mean, spread and number of reviewers are columns
    of ``Review`` kept by the scoring service, so filtering, sorting, counting
    and paging read the entries and their review rows only, and the campaign's
    arrival index serves the page (see docs/benchmarks.md, review queue).
    """
    entries = (
        Entry.objects.filter(campaign=campaign)
        .select_related("period", "review", "review__disqualified_for")
        .annotate(
            mean_score=F("review__mean_score"),
            score_spread=F("review__score_spread"),
            review_count=Coalesce(F("review__reviewer_count"), 0),
            has_photos=Exists(Photo.objects.filter(entry=OuterRef("pk"))),
        )
    )
    f = filters
    if f.period:
        entries = entries.filter(period_id=f.period)
    if f.state == ReviewState.NEW:
        entries = entries.filter(Q(review__isnull=True) | Q(review__state=ReviewState.NEW))
    elif f.state:
        entries = entries.filter(review__state=f.state)
    if f.role:
        entries = entries.filter(role=f.role)
    if f.language:
        entries = entries.filter(language=f.language)
    if f.country:
        entries = entries.filter(country=f.country)
    if f.verified is not None:
        entries = entries.filter(email_verified_at__isnull=not f.verified)
    if f.minor is not None:
        entries = entries.filter(age_group=AgeGroup.MINOR if f.minor else AgeGroup.ADULT)
    if f.reviewer:
        entries = entries.filter(
            Exists(Score.objects.filter(review__entry=OuterRef("pk"), reviewer_id=f.reviewer))
        )
    if f.min_score is not None:
        entries = entries.filter(review__mean_score__gte=f.min_score)
    if f.photos is not None:
        entries = entries.filter(has_photos=f.photos)
    if f.flag:
        # One indexed probe per entry (flag_entry_open: entry, dismissed_at): no
        # join that multiplies rows, no grouping over the campaign's entries.
        flagged = open_flags().filter(entry=OuterRef("pk"))
        if f.flag == "none":
            entries = entries.filter(~Exists(flagged))
        elif f.flag == "any":
            entries = entries.filter(Exists(flagged))
        else:
            entries = entries.filter(Exists(flagged.filter(code=f.flag)))
    return entries.order_by(*ORDERS[f.order])


def with_open_flags(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    """``entries`` with their open flags as ``entry.open_flags`` (one query per page)."""
    return entries.prefetch_related(
        Prefetch(
            "flags",
            queryset=open_flags().only("pk", "entry_id", "code", "severity").order_by("pk"),
            to_attr="open_flags",
        )
    )


def next_to_review(campaign: Campaign, *, after: Entry | None = None) -> Entry | None:
    """The standing entry with the fewest reviews ("save and next"), oldest first."""
    candidates = queue(campaign, QueueFilters(order="reviews")).filter(status=EntryStatus.SUBMITTED)
    if after is not None:
        candidates = candidates.exclude(pk=after.pk)
    return candidates.first()


def entry_for_review(campaign: Campaign, entry_id: int) -> Entry | None:
    """One entry of this campaign (another campaign's id finds nothing)."""
    return (
        Entry.objects.filter(campaign=campaign, pk=entry_id)
        .select_related("period", "campaign")
        .prefetch_related("photos")
        .first()
    )


def review_of(entry: Entry) -> Review | None:
    return (
        Review.objects.filter(entry=entry)
        .select_related("disqualified_for", "follow_checked_by")
        .first()
    )


def personal_data_for(entry: Entry, *, by, request=None) -> dict:
    """The entrant's personal data, for a role allowed to see it; every opening is
    recorded (who, when, which entry; never the data itself)."""
    details = entry.details
    record("privacy.personal_data_opened", actor=by, target=entry, request=request)
    return {
        "real_name": details.real_name,
        "email": details.email,
        "instagram_handle": details.instagram_handle,
        "x_handle": details.x_handle,
        "guardian_name": details.guardian_name,
    }


def search(entries: QuerySet[Entry], text: str) -> QuerySet[Entry]:
    """Narrow the queue to entries containing every word of ``text`` (Japanese or English)."""
    from tasuki.review.search import search as run

    return run(entries, text)


def search_words(text: str) -> list[str]:
    """The words a search for ``text`` looks for (none for only signs and spaces)."""
    from tasuki.review.search import query_tokens

    return query_tokens(text)


def _kept(key: str, read):
    """``read()`` kept in the cache for a minute; read afresh if the cache fails."""
    from django.core.cache import cache

    try:
        return cache.get_or_set(key, read, timeout=60)
    except Exception:  # the cache is down: the page still works, a little slower
        return read()


def countries_in(campaign: Campaign) -> list[tuple[str, str]]:
    """The countries entries of this campaign come from, named in the active language.

    Kept for a minute: it reads every entry of the campaign, and the queue's
    form asks for it on every page.
    """
    from django_countries import countries

    def read() -> list[str]:
        return list(
            Entry.objects.filter(campaign=campaign)
            .order_by()
            .values_list("country", flat=True)
            .distinct()
        )

    codes = _kept(f"tasuki:review:countries:{campaign.pk}", read)
    named = ((c, str(countries.name(c) or c)) for c in codes)
    return sorted(named, key=lambda pair: pair[1])


def reviewers_of(campaign: Campaign) -> list[tuple[int, str]]:
    """Staff who have scored entries of this campaign (kept for a minute, as above)."""

    def read() -> list[tuple[int, str]]:
        return list(
            Score.objects.filter(review__entry__campaign=campaign)
            .order_by("reviewer__username")
            .values_list("reviewer_id", "reviewer__username")
            .distinct()
        )

    return _kept(f"tasuki:review:reviewers:{campaign.pk}", read)


def flag_codes_in(campaign: Campaign) -> list[str]:
    """The codes the campaign's flags carry (kept for a minute, as above; the
    (campaign, code) index answers it without reading the flags)."""

    def read() -> list[str]:
        return list(
            Flag.objects.filter(campaign=campaign)
            .order_by("code")
            .values_list("code", flat=True)
            .distinct()
        )

    return _kept(f"tasuki:review:flag-codes:{campaign.pk}", read)
