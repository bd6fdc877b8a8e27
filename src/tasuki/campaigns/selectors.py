"""Read queries for public pages."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from tasuki.campaigns.models import Campaign, EntryPeriod, TermsVersion


class PeriodState(enum.StrEnum):
    BEFORE = "before"  # no period has opened yet
    OPEN = "open"  # a period is open now
    BETWEEN = "between"  # one period closed, another will open
    CLOSED = "closed"  # the last period has closed


@dataclass(frozen=True)
class CampaignStatus:
    """Where a campaign stands at one instant, as the landing page and the form see it."""

    state: PeriodState
    current: EntryPeriod | None
    next: EntryPeriod | None
    previous: EntryPeriod | None


def open_period_at(campaign: Campaign, at: dt.datetime) -> EntryPeriod | None:
    """The period of ``campaign`` open at ``at`` (``opens_at <= at < closes_at``), if any.

    Always a query, so the submit path judges against the database as it is in
    its transaction, not against periods loaded earlier. Periods never overlap,
    so there is at most one.
    """
    return EntryPeriod.objects.filter(campaign=campaign).open_at(at).first()


def last_closed_before(campaign: Campaign, at: dt.datetime) -> EntryPeriod | None:
    """The period of ``campaign`` whose deadline passed most recently by ``at``, if any.

    "Before" in the same sense as :func:`open_period_at`: a period closing
    exactly at ``at`` has closed.
    """
    return (
        EntryPeriod.objects.filter(campaign=campaign).closed_by(at).order_by("-closes_at").first()
    )


def campaign_status(campaign: Campaign, at: dt.datetime | None = None) -> CampaignStatus:
    """Classify ``at`` against the campaign's periods (``[opens, closes)`` each).

    Works on the loaded (usually prefetched) periods with the model's
    :meth:`~EntryPeriod.is_open`, the same rule :func:`open_period_at` asks
    the database.
    """
    at = at or timezone.now()
    periods = sorted(campaign.periods.all(), key=lambda p: p.opens_at)
    current = next((p for p in periods if p.is_open(at)), None)
    upcoming = [p for p in periods if p.opens_at > at]
    past = [p for p in periods if p.is_closed_by(at)]
    nxt = upcoming[0] if upcoming else None
    prev = past[-1] if past else None
    if current:
        state = PeriodState.OPEN
    elif nxt and prev:
        state = PeriodState.BETWEEN
    elif nxt:
        state = PeriodState.BEFORE
    else:
        state = PeriodState.CLOSED
    return CampaignStatus(state=state, current=current, next=nxt, previous=prev)


def get_campaign(slug: str, *, with_periods: bool = True) -> Campaign:
    """The campaign at ``slug`` or a 404; its periods come along unless the caller
    needs none (the submit and upload paths, where every query counts)."""
    queryset = Campaign.objects.prefetch_related("periods") if with_periods else Campaign.objects
    try:
        return queryset.get(slug=slug)
    except Campaign.DoesNotExist as exc:
        raise Http404 from exc


def featured_campaign() -> Campaign | None:
    """The campaign the site's home page shows: the one announced latest."""
    return Campaign.objects.order_by("-announcement_date", "-pk").first()


def current_terms(campaign: Campaign) -> TermsVersion | None:
    """The terms version entrants consent to now."""
    return campaign.terms_versions.filter(is_current=True).first()
