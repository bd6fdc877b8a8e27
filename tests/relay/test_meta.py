"""What machines read about a relay page (templates/relay/_meta.html): canonical
address, Open Graph and Twitter tags, the feed link and the story's structured
data, all absolute, in the page's language, and escaped."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from tasuki.relay.templatetags import relay_meta
from tests.relay.factories import featured_entry, published_story

pytestmark = pytest.mark.django_db

SITE = "https://relay.example.org"
JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


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


class Head(HTMLParser):
    """The tags of a rendered head: metas by property or name, links by rel."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            self.meta.setdefault(key, []).append(attrs.get("content"))
        elif tag == "link":
            self.links.append(attrs)

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, f"{key}: {values}"
        return values[0]

    def link(self, rel: str) -> dict:
        found = [link for link in self.links if link.get("rel") == rel]
        assert len(found) == 1, f"{rel}: {found}"
        return found[0]


def render_head(path: str, lang: str, **context) -> str:
    request = RequestFactory().get(path)
    with translation.override(lang):
        return render_to_string("relay/_meta.html", context, request=request)


def story_context(story, **extra) -> dict:
    return {
        "story": story,
        "campaign": story.campaign,
        "meta_title": story.text("title"),
        "meta_description": story.text("lead"),
        "meta_type": "article",
        "meta_image": "",
        **extra,
    }


def jsonld(html: str) -> dict:
    blocks = JSONLD.findall(html)
    assert len(blocks) == 1, html
    return json.loads(blocks[0])


def test_a_story_page_has_absolute_tags_in_its_language(campaign):
    story = published_story(campaign, 12, title="The water station")
    path = f"/en/{campaign.slug}/stories/{story.slug}/"
    with translation.override("en"):
        context = story_context(story)
    head = Head(render_head(path + "?utm_source=x&ref=1", "en", **context))

    canonical = head.link("canonical")["href"]
    assert canonical == SITE + path  # absolute, and no query string
    assert head.one("og:url") == canonical
    assert head.one("og:type") == "article"
    assert head.one("og:title") == "The water station"
    assert head.one("og:description") == "The lead."
    assert head.one("og:locale") == "en_US"
    assert head.meta["og:locale:alternate"] == ["ja_JP"]
    assert head.one("og:site_name") == campaign.name_en
    image = head.one("og:image")
    assert image == f"{SITE}/media/public/{story.cards['en']}"
    assert "/card-en." in image
    assert (head.one("og:image:width"), head.one("og:image:height")) == ("1200", "630")
    assert "The water station" in head.one("og:image:alt")
    assert head.one("twitter:card") == "summary_large_image"
    assert head.one("twitter:image") == image
    assert head.one("twitter:title") == "The water station"
    assert head.one("twitter:description") == "The lead."
    feed = head.link("alternate")
    assert feed["type"] == "application/atom+xml"
    assert feed["href"] == f"{SITE}/feeds/en/{campaign.slug}.atom"


def test_the_japanese_page_names_its_own_locale_card_and_feed(campaign):
    story = published_story(campaign, 3, title="Kilometre three")
    path = f"/ja/{campaign.slug}/stories/{story.slug}/"
    with translation.override("ja"):
        context = story_context(story)
    html = render_head(path, "ja", **context)
    head = Head(html)
    assert head.one("og:title") == "Kilometre three（日本語）"
    assert head.one("og:locale") == "ja_JP"
    assert head.meta["og:locale:alternate"] == ["en_US"]
    assert "/card-ja." in head.one("og:image")
    assert "Kilometre three（日本語）" in head.one("og:image:alt")
    assert head.link("alternate")["href"] == f"{SITE}/feeds/ja/{campaign.slug}.atom"
    data = jsonld(html)
    assert data["inLanguage"] == "ja"
    assert data["headline"] == "Kilometre three（日本語）"


def test_the_card_comes_from_the_story_when_the_view_gives_no_image(campaign):
    story = published_story(campaign, 5)
    head = Head(render_head("/en/x/", "en", story=story, campaign=campaign))
    assert head.one("og:image") == f"{SITE}/media/public/{story.cards['en']}"
    assert head.one("og:type") == "article"  # a story page is an article unless told


def test_an_absolute_storage_address_is_kept_and_a_given_image_wins(settings, campaign, tmp_path):
    story = published_story(campaign, 6)
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "https://cdn.example/"},
        },
    }
    assert relay_meta.story_card_url(story, "en") == f"https://cdn.example/{story.cards['en']}"
    head = Head(render_head("/en/x/", "en", story=story, campaign=campaign))
    assert head.one("og:image").startswith("https://cdn.example/")
    head = Head(
        render_head("/en/x/", "en", story=story, campaign=campaign, meta_image="/media/c.png")
    )
    assert head.one("og:image") == f"{SITE}/media/c.png"


def test_a_page_without_a_story_is_a_website_with_a_small_card(campaign):
    html = render_head(
        f"/en/{campaign.slug}/",
        "en",
        campaign=campaign,
        meta_title="The relay",
        meta_description="Stories along the course",
        meta_type="website",
        meta_image="",
    )
    head = Head(html)
    assert head.one("og:type") == "website"
    assert head.one("twitter:card") == "summary"
    assert "og:image" not in head.meta and "twitter:image" not in head.meta
    assert head.link("canonical")["href"] == f"{SITE}/en/{campaign.slug}/"
    assert not JSONLD.search(html)


def test_structured_data_is_an_article_by_the_pen_name_only(campaign):
    entry = featured_entry(campaign, real_name="Hanako Realname", pen_name="Blue Cap")
    story = published_story(campaign, 21, entry=entry, title="Half way")
    path = f"/en/{campaign.slug}/stories/{story.slug}/"
    with translation.override("en"):
        html = render_head(path, "en", **story_context(story))
    assert "Realname" not in html
    data = jsonld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Article"
    assert data["headline"] == "Half way"
    assert data["description"] == "The lead."
    assert data["author"] == {"@type": "Person", "name": "Blue Cap"}
    assert data["publisher"]["@type"] == "Organization"
    assert data["publisher"]["name"] == campaign.name_en
    assert data["isPartOf"]["url"] == f"{SITE}/en/{campaign.slug}/"
    assert data["url"] == SITE + path
    assert data["inLanguage"] == "en"
    assert data["image"] == [f"{SITE}/media/public/{story.cards['en']}"]
    assert dt.datetime.fromisoformat(data["datePublished"]) == story.first_published_at
    assert dt.datetime.fromisoformat(data["dateModified"]) == story.published_at


def test_html_in_a_title_stays_text_in_tags_and_cannot_close_the_script(campaign):
    hostile = '</script><script>alert(1)</script>"><b>'
    story = published_story(campaign, 30, title=hostile, lead_en="Lead & <i>more</i>")
    path = f"/en/{campaign.slug}/stories/{story.slug}/"
    with translation.override("en"):
        html = render_head(path, "en", **story_context(story))
    assert html.count("<script") == 1  # only the JSON-LD element itself
    assert "<b>" not in html and "<i>" not in html
    head = Head(html)
    assert head.one("og:title") == hostile  # the parser unescapes: the text is intact
    assert head.one("twitter:description") == "Lead & <i>more</i>"
    data = jsonld(html)
    assert data["headline"] == hostile
    assert data["description"] == "Lead & <i>more</i>"


def test_a_series_campaign_is_part_of_its_series(campaign):
    from tasuki.campaigns.models import Series

    series = Series.objects.create(slug="relay", name_ja="リレー", name_en="The Relay")
    campaign.series, campaign.run_number = series, 2
    campaign.save()
    story = published_story(campaign, 8)
    with translation.override("en"):
        data = relay_meta.article_data(story, url=f"{SITE}/en/s/")
    assert data["isPartOf"]["name"] == campaign.name_en
    assert data["isPartOf"]["isPartOf"] == {"@type": "CreativeWorkSeries", "name": "The Relay"}
    assert "image" not in data  # no image given, none claimed


def test_absolute_addresses():
    assert relay_meta.absolute("/a/b") == f"{SITE}/a/b"
    assert relay_meta.absolute("a/b") == f"{SITE}/a/b"
    assert relay_meta.absolute("https://cdn.example/x.png") == "https://cdn.example/x.png"
    assert relay_meta.absolute("//cdn.example/x.png") == "https://cdn.example/x.png"
    assert relay_meta.absolute("") == ""


def test_the_public_pages_carry_the_tags_and_right_language_alternates(client, campaign):
    from django.urls import reverse

    from tasuki.relay import cache

    cache.clear_local()
    story = published_story(campaign, 15, title="Along the river")
    with translation.override("en"):
        pages = {
            "story": reverse("relay:story", args=[campaign.slug, story.slug]),
            "landing": reverse("campaigns:landing", args=[campaign.slug]),
            "course": reverse("relay:course", args=[campaign.slug]),
            "connections": reverse("relay:connections", args=[campaign.slug]),
        }
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, name
        html = response.content.decode()
        head = Head(html.split("</head>", 1)[0])
        assert head.link("canonical")["href"] == SITE + path, name
        assert head.one("og:locale") == "en_US", name
        assert head.one("og:type") == ("article" if name == "story" else "website"), name
        alternates = {
            link["hreflang"]: link["href"]
            for link in head.links
            if link.get("rel") == "alternate" and link.get("hreflang")
        }
        assert alternates == {
            "ja": SITE + path.replace("/en/", "/ja/", 1),
            "en": SITE + path,
            "x-default": SITE + path.replace("/en/", "/ja/", 1),
        }, name
        feeds = [link for link in head.links if link.get("type") == "application/atom+xml"]
        assert [f["href"] for f in feeds] == [f"{SITE}/feeds/en/{campaign.slug}.atom"], name
        assert (name == "story") == bool(JSONLD.search(html)), name
    cache.clear_local()
