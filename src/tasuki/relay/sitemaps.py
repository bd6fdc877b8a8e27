"""The sitemap and robots.txt: where crawlers find the relay's public pages.

Every public page of every campaign is listed in both languages, each with its
``hreflang`` alternates (Django's sitemaps framework, ``i18n`` and
``alternates``). Addresses are built on ``SITE_URL``, never on the request's
Host header, so the sitemap names the site's real address behind any proxy.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from tasuki.campaigns.models import Campaign
from tasuki.relay.cache import public_page
from tasuki.relay.models import Story, StoryState

#: The public pages every campaign has, by URL name (each takes the campaign's slug).
CAMPAIGN_PAGES: tuple[str, ...] = (
    "campaigns:landing",
    "relay:course",
    "relay:connections",
    "relay:winners",
    "campaigns:terms",
    "campaigns:privacy",
    "campaigns:contact",
)
#: Pages whose content changes when a story of the campaign is published.
PAGES_WITH_STORIES = frozenset({"campaigns:landing", "relay:course", "relay:connections"})
#: How long a served sitemap or robots.txt may be reused (any change drops it sooner).
TTL_SECONDS = 3600


def _reverses(name: str, slug: str) -> bool:
    try:
        reverse(name, args=[slug])
    except NoReverseMatch:
        return False
    return True


class RelaySitemap(Sitemap):
    """Both languages of each page, with alternates; ``x-default`` is the Japanese
    page, as the pages' own ``hreflang`` links say."""

    i18n = True
    alternates = True
    x_default = True

    def get_protocol(self, protocol=None) -> str:
        return settings.SITE_URL.split("://", 1)[0]

    def get_domain(self, site=None) -> str:
        return settings.SITE_URL.split("://", 1)[1]

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        # Django writes x-default as the address without a language prefix; here
        # every public address has one (the bare path only redirects), so the
        # default is the default language's own address.
        for url in urls:
            default = next(
                (
                    a["location"]
                    for a in url["alternates"]
                    if a["lang_code"] == settings.LANGUAGE_CODE
                ),
                None,
            )
            for alternate in url["alternates"]:
                if alternate["lang_code"] == "x-default" and default:
                    alternate["location"] = default
        return urls


class CampaignPagesSitemap(RelaySitemap):
    """Each campaign's landing, course, connections, winners, terms, privacy and contact."""

    def items(self) -> list[tuple[Campaign, str]]:
        campaigns = list(
            Campaign.objects.annotate(
                last_story=Max(
                    "stories__published_at", filter=Q(stories__state=StoryState.PUBLISHED)
                )
            ).order_by("pk")
        )
        names = [n for n in CAMPAIGN_PAGES if not campaigns or _reverses(n, campaigns[0].slug)]
        return [(campaign, name) for campaign in campaigns for name in names]

    def location(self, item) -> str:
        campaign, name = item
        return reverse(name, args=[campaign.slug])

    def lastmod(self, item):
        campaign, name = item
        return campaign.last_story if name in PAGES_WITH_STORIES else None


class StorySitemap(RelaySitemap):
    """Every published story (and only those), last changed when it was last published."""

    def items(self):
        return Story.objects.published().select_related("campaign").order_by("campaign_id", "km")

    def location(self, story: Story) -> str:
        return reverse("relay:story", args=[story.campaign.slug, story.slug])

    def lastmod(self, story: Story):
        return story.published_at


SITEMAPS = {"pages": CampaignPagesSitemap, "stories": StorySitemap}


@require_safe
@public_page(TTL_SECONDS)
def sitemap(request: HttpRequest) -> HttpResponse:
    """``/sitemap.xml``: one file (a relay has tens of pages per year, far below
    the 50,000 addresses a sitemap may hold)."""
    response = sitemap_view(request, sitemaps=SITEMAPS, template_name="relay/sitemap.xml")
    return response.render()


def robots_lines() -> list[str]:
    """What robots.txt says: the sitemap, and the back office is no one's business."""
    lines = ["User-agent: *"]
    lines += [f"Disallow: /{code}/staff/" for code, _name in settings.LANGUAGES]
    lines += ["Disallow: /maintenance/", "", f"Sitemap: {settings.SITE_URL}/sitemap.xml"]
    return lines


@require_safe
@public_page(TTL_SECONDS)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("\n".join(robots_lines()) + "\n", content_type="text/plain; charset=utf-8")
