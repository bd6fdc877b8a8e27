"""Atom feeds of a campaign's published stories, one per language.

``/feeds/<lang>/<campaign>.atom`` (outside the language prefix, so the
language is part of the address and a feed reader never gets the other one by
its Accept-Language). Newest first; each entry carries the story's title, its
address, the lead as summary and the pen name as author: never a real name.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from tasuki.campaigns.models import Campaign
from tasuki.relay.cache import public_page
from tasuki.relay.models import Story

#: How many stories a feed lists (a whole relay is 44 marks).
FEED_SIZE = 50
TTL_SECONDS = 900


def _languages() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


class CampaignStoriesFeed(Feed):
    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, lang: str, slug: str) -> HttpResponse:
        if lang not in _languages():
            raise Http404("No feed in that language.")
        with translation.override(lang):
            return super().__call__(request, lang=lang, slug=slug)

    def get_object(self, request: HttpRequest, lang: str, slug: str) -> Campaign:
        return Campaign.objects.select_related("series").get(slug=slug)

    # --- the feed ---------------------------------------------------------------------

    def title(self, campaign: Campaign) -> str:
        return gettext("Stories of %(campaign)s") % {"campaign": campaign.name}

    def subtitle(self, campaign: Campaign) -> str | None:
        return campaign.tagline or None

    def link(self, campaign: Campaign) -> str:
        return settings.SITE_URL + reverse("campaigns:landing", args=[campaign.slug])

    def feed_url(self, campaign: Campaign) -> str:
        lang = translation.get_language()
        return settings.SITE_URL + reverse("relay_root:feed", args=[lang, campaign.slug])

    def author_name(self, campaign: Campaign) -> str:
        return campaign.name

    def items(self, campaign: Campaign):
        return (
            Story.objects.published()
            .filter(campaign=campaign)
            .select_related("campaign")
            .order_by("-first_published_at", "-pk")[:FEED_SIZE]
        )

    # --- each story -------------------------------------------------------------------

    def item_title(self, story: Story) -> str:
        # An Atom title is plain text: the XML writer escapes it, once.
        return story.text("title")

    def item_description(self, story: Story) -> str:
        # The summary is HTML to a feed reader: the lead is text, so it is
        # escaped as HTML here, and the XML writer escapes that again.
        return escape(story.text("lead"))

    def item_link(self, story: Story) -> str:
        return settings.SITE_URL + reverse("relay:story", args=[story.campaign.slug, story.slug])

    def item_author_name(self, story: Story) -> str:
        return story.pen_name

    def item_pubdate(self, story: Story):
        return story.first_published_at

    def item_updateddate(self, story: Story):
        return story.published_at


_feed = CampaignStoriesFeed()


@require_safe
@public_page(TTL_SECONDS)
def campaign_feed(request: HttpRequest, lang: str, slug: str) -> HttpResponse:
    """The Atom feed of ``slug``'s published stories in ``lang``."""
    return _feed(request, lang, slug)
