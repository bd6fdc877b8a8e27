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


def campaign_status(campaign: Campaign, at: dt.datetime | None = None) -> CampaignStatus:
    """Classify ``at`` against the campaign's periods (``[opens, closes)`` each)."""
    at = at or timezone.now()
    periods = list(campaign.periods.all())
    current = next((p for p in periods if p.is_open(at)), None)
    upcoming = [p for p in periods if p.opens_at > at]
    past = [p for p in periods if p.closes_at <= at]
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
    return campaign.terms_versions.filter(is_current=True).first()
