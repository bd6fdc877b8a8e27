"""Public campaign pages: home, landing, terms, privacy, contact.

Each is kept whole in the public page cache (:mod:`tasuki.relay.cache`, a
module that imports no app) until the campaign's next period boundary, five
minutes at most, so a cached page never says "open" after a deadline.

Apps built on campaigns add sections to the landing page (the relay its
stories and course map) through :func:`add_landing_section`: campaigns
imports none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from tasuki.campaigns.models import Campaign
from tasuki.campaigns.selectors import (
    campaign_status,
    current_terms,
    featured_campaign,
    get_campaign,
)
from tasuki.core.timefmt import JST
from tasuki.relay.cache import NOW_MARKER, public_page

#: The longest a public page is kept in the cache, in seconds.
MAX_PUBLIC_TTL = 300


def seconds_until_next_boundary(campaign: Campaign, at: dt.datetime) -> int:
    """How long a page of ``campaign`` rendered at ``at`` may be kept: until just
    before its next period opens or closes, and never more than :data:`MAX_PUBLIC_TTL`.

    Uses the (usually prefetched) periods. A second is kept in hand for the
    time between rendering and storing the page; 0 means "do not keep it".
    """
    boundaries = [
        moment
        for period in campaign.periods.all()
        for moment in (period.opens_at, period.closes_at)
        if moment > at
    ]
    if not boundaries:
        return MAX_PUBLIC_TTL
    seconds = int((min(boundaries) - at).total_seconds()) - 1
    return max(0, min(MAX_PUBLIC_TTL, seconds))


def keep_for(response: HttpResponse, campaign: Campaign, at: dt.datetime) -> HttpResponse:
    """Note on ``response`` how long the public page cache may keep it."""
    response.tasuki_keep_seconds = seconds_until_next_boundary(campaign, at)
    return response


def page_ttl(request: HttpRequest, response: HttpResponse) -> int | None:
    """:func:`~tasuki.relay.cache.public_page`'s lifetime: what the view noted."""
    return getattr(response, "tasuki_keep_seconds", None)


#: ``section(request, campaign, at) -> dict | None``: context for the landing page
#: (``"template"`` names the section's template, included after the entry state).
LandingSection = Callable[[HttpRequest, Campaign, dt.datetime], dict | None]
_landing_sections: list[LandingSection] = []


def add_landing_section(section: LandingSection) -> LandingSection:
    """Have the landing page show a section another app renders (once per function)."""
    if section not in _landing_sections:
        _landing_sections.append(section)
    return section


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    campaign = featured_campaign()
    if campaign is None:
        return render(request, "campaigns/empty.html")
    return redirect("campaigns:landing", slug=campaign.slug)


def _plural_forms(one: str, other: str) -> dict[str, str]:
    """A unit's forms by CLDR plural category, for the browser's ``Intl.PluralRules``.

    ``one`` and ``other`` are the only categories the site's two languages use
    (Japanese has one form, English two), so each is a message of its own; the
    count stays a placeholder for the script to fill.
    """
    return {"one": one, "other": other}


def countdown_messages() -> dict:
    """Whole sentences for countdown.js, in the page's language, from the catalogue.

    The script only fills in numbers: the order of the parts is the
    translation's, so Japanese reads 「締切まであと3日と4時間です。」 rather than
    the English word order.
    """
    return {
        "units": {
            "days": _plural_forms(gettext("%(count)s day"), gettext("%(count)s days")),
            "hours": _plural_forms(gettext("%(count)s hour"), gettext("%(count)s hours")),
            "minutes": _plural_forms(gettext("%(count)s minute"), gettext("%(count)s minutes")),
        },
        "sentences": {
            "days": gettext("%(days)s and %(hours)s left until the deadline."),
            "hours": gettext("%(hours)s and %(minutes)s left until the deadline."),
            "minutes": gettext("%(minutes)s left until the deadline."),
            "underAMinute": gettext("Less than a minute left until the deadline."),
            "closed": gettext(
                "The deadline has passed. Reload the page to see whether another period follows."
            ),
        },
    }


@require_safe
@public_page(page_ttl)
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    now = timezone.now()
    status = campaign_status(campaign, now)
    context = {
        "campaign": campaign,
        "status": status,
        "now": now,
        # Filled in with the time of each answer, cached or not (relay.cache).
        "server_now": NOW_MARKER,
        # Japan's date decides whether the announcement day has come.
        "announced": campaign.announcement_date <= timezone.localdate(now, JST),
        "countdown_messages": countdown_messages(),
        "meta_title": campaign.name,
        "meta_description": campaign.tagline,
        "meta_type": "website",
    }
    sections = []
    for section in _landing_sections:
        extra = section(request, campaign, now)
        if extra:
            sections.append(extra.pop("template"))
            context.update(extra)
    context["landing_sections"] = sections
    return keep_for(render(request, "campaigns/landing.html", context), campaign, now)


def _terms_page(request: HttpRequest, slug: str, template: str) -> HttpResponse:
    campaign = get_campaign(slug)
    terms = current_terms(campaign)
    if terms is None:
        raise Http404
    response = render(request, template, {"campaign": campaign, "terms": terms})
    return keep_for(response, campaign, timezone.now())


@require_safe
@public_page(page_ttl)
def terms(request: HttpRequest, slug: str) -> HttpResponse:
    return _terms_page(request, slug, "campaigns/terms.html")


@require_safe
@public_page(page_ttl)
def privacy(request: HttpRequest, slug: str) -> HttpResponse:
    return _terms_page(request, slug, "campaigns/privacy.html")


@require_safe
@public_page(page_ttl)
def contact(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    response = render(request, "campaigns/contact.html", {"campaign": campaign})
    return keep_for(response, campaign, timezone.now())
