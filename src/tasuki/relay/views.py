"""The relay's public pages: the course, the stories, the connections, the winners.

Thin views over :mod:`tasuki.relay.selectors`; each page is kept whole in the
public page cache until the campaign's next period boundary (five minutes at
most), and dropped as soon as a story, the campaign or its course changes.
Unknown campaigns, stories and km marks are the site's friendly 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tasuki.campaigns.models import Campaign
from tasuki.campaigns.selectors import campaign_status, get_campaign
from tasuki.campaigns.views import keep_for, page_ttl
from tasuki.relay import selectors
from tasuki.relay.cache import public_page
from tasuki.relay.course_map import connections_svg, course_svg, marker_name


def story_url(story) -> str:
    return reverse("relay:story", args=[story.campaign.slug, story.slug])


def _relay_context(campaign: Campaign, relay: selectors.Relay, *, landmarks: bool) -> dict:
    return {
        "relay": relay,
        "course_map": course_svg(
            relay.course,
            relay.stories,
            url_for=story_url,
            label=_("Course map of the relay"),
            landmarks=landmarks,
        ),
    }


def landing_section(request: HttpRequest, campaign: Campaign, at) -> dict:
    """The relay on the campaign's landing page: the latest stories and the map."""
    relay = selectors.relay_for(campaign)
    return {"template": "relay/_landing.html", **_relay_context(campaign, relay, landmarks=False)}


@require_safe
@public_page(page_ttl)
def course(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    now = timezone.now()
    relay = selectors.relay_for(campaign, with_photos=False)
    context = {
        "campaign": campaign,
        "status": campaign_status(campaign, now),
        "items": [{"story": s, "name": marker_name(s)} for s in relay.stories],
        **_relay_context(campaign, relay, landmarks=True),
        "meta_title": _("The course of %(campaign)s") % {"campaign": campaign.name},
        "meta_description": campaign.tagline,
        "meta_type": "website",
    }
    return keep_for(render(request, "relay/course.html", context), campaign, now)


@require_safe
@public_page(page_ttl)
def story(request: HttpRequest, slug: str, story: str) -> HttpResponse:
    context = selectors.story_page(slug, story)
    now = timezone.now()
    response = render(request, "relay/story.html", context)
    return keep_for(response, context["campaign"], now)


@require_safe
@public_page(page_ttl)
def km(request: HttpRequest, slug: str, km: str) -> HttpResponse:
    """``km/12/`` (or ``km/finish/``) leads to the story the course shows there."""
    campaign = get_campaign(slug, with_periods=False)
    mark = selectors.parse_km_mark(km)
    found = selectors.story_at_km(campaign, mark) if mark is not None else None
    if found is None:
        raise Http404
    return redirect(story_url(found))


@require_safe
@public_page(page_ttl)
def connections(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    now = timezone.now()
    graph = selectors.chains(campaign)
    context = {
        "campaign": campaign,
        "graph": graph,
        "chains": [[{"story": s, "name": marker_name(s)} for s in chain] for chain in graph.chains],
        "graph_svg": connections_svg(graph),
        "meta_title": _("Connections of %(campaign)s") % {"campaign": campaign.name},
        "meta_description": campaign.tagline,
        "meta_type": "website",
    }
    return keep_for(render(request, "relay/connections.html", context), campaign, now)


@require_safe
@public_page(page_ttl)
def winners(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    now = timezone.now()
    context = {
        "campaign": campaign,
        "meta_title": _("Winners of %(campaign)s") % {"campaign": campaign.name},
        "meta_description": campaign.tagline,
        "meta_type": "website",
    }
    return keep_for(render(request, "relay/winners.html", context), campaign, now)
