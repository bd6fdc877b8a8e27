"""What crawlers and feed readers fetch: /sitemap.xml (both languages, alternates,
published stories only), /robots.txt and the Atom feed of each campaign per language."""

from __future__ import annotations

import datetime as dt
import html
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import translation

from tasuki.relay import cache, services
from tasuki.relay.sitemaps import CAMPAIGN_PAGES
from tests.factories import open_campaign
from tests.relay.factories import bilingual, draft, editor, featured_entry, published_story

pytestmark = pytest.mark.django_db

SITE = "https://relay.example.org"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "atom": "http://www.w3.org/2005/Atom",
}


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    settings.SITE_URL = SITE
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "feeds-sitemap-tests",
        }
    }
    from django.core.cache import cache as shared

    shared.clear()
    cache.clear_local()
    yield
    cache.clear_local()


def parse(content: bytes) -> ET.Element:
    """Our own server's answer, as XML (a parse error fails the test)."""
    return ET.fromstring(content)  # noqa: S314 (our own output, in a test)


def url(name: str, *args, lang: str) -> str:
    with translation.override(lang):
        return SITE + reverse(name, args=args)


def story_url(story, lang: str) -> str:
    return url("relay:story", story.campaign.slug, story.slug, lang=lang)


def sitemap(client) -> dict[str, dict]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = parse(response.content)
    assert root.tag == f"{{{NS['sm']}}}urlset"
    entries = {}
    for node in root.findall("sm:url", NS):
        loc = node.findtext("sm:loc", namespaces=NS)
        assert loc not in entries, f"{loc} listed twice"
        entries[loc] = {
            "lastmod": node.findtext("sm:lastmod", namespaces=NS),
            "alternates": {
                link.get("hreflang"): link.get("href")
                for link in node.findall("xhtml:link", NS)
                if link.get("rel") == "alternate"
            },
        }
    return entries


@pytest.fixture
def relay(campaign):
    """Two published stories, one unpublished, one still a draft; another campaign's story."""
    by = editor()
    first = published_story(campaign, 1, by=by, title="First")
    second = published_story(campaign, 2, by=by, title="Second")
    gone = published_story(campaign, 3, by=by, title="Taken down")
    services.unpublish(gone, by=by)
    waiting = services.start_story(featured_entry(campaign), by=by)
    draft(waiting, by=by, km="4", **bilingual("Not yet"))
    other_campaign = open_campaign()
    other = published_story(other_campaign, 1, by=by, title="Elsewhere")
    return {
        "campaign": campaign,
        "published": [first, second],
        "hidden": [gone, waiting],
        "other": other,
    }


def test_the_sitemap_lists_every_page_in_both_languages_with_alternates(client, settings, relay):
    settings.ALLOWED_HOSTS = ["*"]
    campaign = relay["campaign"]
    entries = sitemap(client)
    for name in CAMPAIGN_PAGES:
        for lang in ("ja", "en"):
            loc = url(name, campaign.slug, lang=lang)
            assert loc in entries, f"{name} ({lang}) is missing"
            assert entries[loc]["alternates"] == {
                "ja": url(name, campaign.slug, lang="ja"),
                "en": url(name, campaign.slug, lang="en"),
                "x-default": url(name, campaign.slug, lang="ja"),  # as base.html says
            }
    assert url("campaigns:landing", relay["other"].campaign.slug, lang="en") in entries
    for story in relay["published"] + [relay["other"]]:
        story.refresh_from_db()
        for lang in ("ja", "en"):
            entry = entries[story_url(story, lang)]
            assert entry["alternates"]["ja"] == story_url(story, "ja")
            assert entry["alternates"]["en"] == story_url(story, "en")
            assert entry["alternates"]["x-default"] == story_url(story, "ja")
            assert dt.datetime.fromisoformat(entry["lastmod"]) == story.published_at
    # The landing page changed when its newest story was published.
    newest = max(s.published_at for s in relay["published"])
    landing = entries[url("campaigns:landing", campaign.slug, lang="en")]
    assert dt.datetime.fromisoformat(landing["lastmod"]) == newest


def test_the_sitemap_holds_only_published_stories_and_only_the_sites_address(
    client, settings, relay
):
    settings.ALLOWED_HOSTS = ["*"]
    response = client.get("/sitemap.xml", HTTP_HOST="attacker.example")
    body = response.content.decode()
    assert "attacker.example" not in body
    for story in relay["hidden"]:
        assert story.slug not in body
    locs = sitemap(client)
    assert all(loc.startswith(SITE + "/") for loc in locs)
    story_locs = [loc for loc in locs if "/" + relay["published"][0].slug in loc]
    assert len(story_locs) == 2  # one per language


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_the_back_office(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    for prefix in ("/ja/staff/", "/en/staff/", "/maintenance/"):
        assert f"Disallow: {prefix}" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    # The rules name the back office where it really is.
    for lang in ("ja", "en"):
        with translation.override(lang):
            assert reverse("staff:login").startswith(f"/{lang}/staff/")


def feed(client, lang: str, slug: str) -> ET.Element:
    response = client.get(f"/feeds/{lang}/{slug}.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = parse(response.content)
    assert root.tag == f"{{{NS['atom']}}}feed"
    return root


def entries_of(root: ET.Element) -> list[dict]:
    out = []
    for node in root.findall("atom:entry", NS):
        summary = node.find("atom:summary", NS)
        out.append(
            {
                "title": node.findtext("atom:title", namespaces=NS),
                "link": node.find("atom:link", NS).get("href"),
                "id": node.findtext("atom:id", namespaces=NS),
                "author": node.findtext("atom:author/atom:name", namespaces=NS),
                "updated": node.findtext("atom:updated", namespaces=NS),
                "published": node.findtext("atom:published", namespaces=NS),
                "summary": summary.text,
                "summary_type": summary.get("type"),
            }
        )
    return out


def test_each_language_has_its_own_feed_of_published_stories_newest_first(client, relay):
    campaign = relay["campaign"]
    first, second = relay["published"]
    for story in (first, second):
        story.refresh_from_db()
    english = feed(client, "en", campaign.slug)
    assert english.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert english.findtext("atom:title", namespaces=NS) == f"Stories of {campaign.name_en}"
    assert english.find("atom:link[@rel='self']", NS).get("href") == (
        f"{SITE}/feeds/en/{campaign.slug}.atom"
    )
    items = entries_of(english)
    assert [i["title"] for i in items] == ["Second", "First"]  # newest first, hidden ones absent
    top = items[0]
    assert top["link"] == story_url(second, "en")
    assert top["author"] == second.pen_name == "Blue Cap"
    assert top["summary"] == "The lead." and top["summary_type"] == "html"
    assert dt.datetime.fromisoformat(top["updated"]) == second.published_at
    assert dt.datetime.fromisoformat(top["published"]) == second.first_published_at

    japanese = feed(client, "ja", campaign.slug)
    assert japanese.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"
    items = entries_of(japanese)
    assert [i["title"] for i in items] == ["Second（日本語）", "First（日本語）"]
    assert items[0]["link"] == story_url(second, "ja")
    assert items[0]["summary"] == "リードの文です。"


def test_feed_text_with_html_is_escaped_and_stays_text(client, campaign):
    title = '<script>alert("x")</script> & more'
    published_story(campaign, 7, title=title, lead_en="<b>bold</b> & <a href='x'>link</a>")
    response = client.get(f"/feeds/en/{campaign.slug}.atom")
    raw = response.content.decode()
    assert "<script>" not in raw and "<b>" not in raw and "<a href" not in raw
    (item,) = entries_of(parse(response.content))
    assert item["title"] == title  # plain text: readers show it as written
    # The summary is HTML to a reader; that HTML shows the lead's characters as text.
    assert (
        item["summary"]
        == "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href=&#x27;x&#x27;&gt;link&lt;/a&gt;"
    )
    assert html.unescape(item["summary"]) == "<b>bold</b> & <a href='x'>link</a>"


def test_unknown_feeds_are_not_found(client, campaign):
    assert client.get(f"/feeds/fr/{campaign.slug}.atom").status_code == 404
    assert client.get("/feeds/en/no-such-relay.atom").status_code == 404


def test_a_new_story_reaches_the_cached_feed_and_sitemap(
    client, campaign, django_capture_on_commit_callbacks
):
    first = published_story(campaign, 10, title="Cached one")
    assert [i["title"] for i in entries_of(feed(client, "en", campaign.slug))] == ["Cached one"]
    assert story_url(first, "en") in sitemap(client)
    second_response = client.get(f"/feeds/en/{campaign.slug}.atom")
    assert "Age" in second_response  # served from the public page cache
    with django_capture_on_commit_callbacks(execute=True):
        second = published_story(campaign, 11, title="Fresh one")
    titles = [i["title"] for i in entries_of(feed(client, "en", campaign.slug))]
    assert titles == ["Fresh one", "Cached one"]
    assert story_url(second, "en") in sitemap(client)
