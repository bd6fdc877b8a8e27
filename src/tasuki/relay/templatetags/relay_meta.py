"""What machines read about a relay page: absolute addresses, preview cards, structured data.

``templates/relay/_meta.html`` loads this library. Every address a crawler or
a social network keeps is absolute and built on ``SITE_URL`` (never on the
request's Host header, which a client chooses), and the structured data is
written so that no text of a story can close its ``<script>`` element.
"""

from __future__ import annotations

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

#: The Open Graph locale of each of the site's languages.
OG_LOCALES = {"ja": "ja_JP", "en": "en_US"}

# A JSON string may hold these characters escaped as \uXXXX and means the same;
# escaped, no story text can end the script element or open a comment in it.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003C", ">": "\\u003E", "&": "\\u0026"})


def absolute(url: str) -> str:
    """``url`` as an absolute address: a path gets ``SITE_URL`` in front of it."""
    if not url:
        return ""
    if url.startswith(("http://", "https://")):
        return url
    if url.startswith("//"):  # a storage may answer scheme-relative
        return f"{settings.SITE_URL.split('://', 1)[0]}:{url}"
    return f"{settings.SITE_URL}{url if url.startswith('/') else '/' + url}"


def _lang(lang: str | None = None) -> str:
    return (lang or translation.get_language() or settings.LANGUAGE_CODE)[:2]


def story_card_url(story, lang: str | None = None) -> str:
    """The absolute address of ``story``'s preview card in ``lang`` (the active
    language by default), or "" when it has none."""
    from tasuki.relay.models import public_storage

    cards = getattr(story, "cards", None) or {}
    lang = _lang(lang)
    path = cards.get(lang) or next((p for p in cards.values() if p), "")
    if not path:
        return ""
    return absolute(public_storage().url(path))


def feed_url(campaign, lang: str | None = None) -> str:
    """The absolute address of ``campaign``'s Atom feed in ``lang``."""
    return absolute(reverse("relay_root:feed", args=[_lang(lang), campaign.slug]))


def campaign_url(campaign, lang: str | None = None) -> str:
    with translation.override(_lang(lang)):
        return absolute(reverse("campaigns:landing", args=[campaign.slug]))


def story_url(story, lang: str | None = None) -> str:
    with translation.override(_lang(lang)):
        return absolute(reverse("relay:story", args=[story.campaign.slug, story.slug]))


def script_json(data) -> SafeString:
    """``data`` as JSON that is safe inside a ``<script>`` element (as ``json_script``
    escapes it), without the element, so the caller chooses its ``type``."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=False)
    # <, > and & are escaped just above, so no text can end or break the element.
    return mark_safe(text.translate(_SCRIPT_SAFE))  # noqa: S308  # nosec


def article_data(story, *, url: str, image: str = "", lang: str | None = None) -> dict:
    """schema.org ``Article`` data for a published story.

    The author is the byline's pen name only: the entrant's real name is never
    read here (it lives in another table this code does not touch).
    """
    lang = _lang(lang)
    campaign = story.campaign
    with translation.override(lang):
        headline = story.text("title")
        description = story.text("lead")
        campaign_name = campaign.name
        series = campaign.series if campaign.series_id else None
        series_name = series.name if series is not None else ""
    landing = campaign_url(campaign, lang)
    part_of: dict = {"@type": "CreativeWorkSeries", "name": campaign_name, "url": landing}
    if series is not None:
        part_of["isPartOf"] = {"@type": "CreativeWorkSeries", "name": series_name}
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": headline,
        "description": description,
        "inLanguage": lang,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "author": {"@type": "Person", "name": story.pen_name},
        "publisher": {"@type": "Organization", "name": campaign_name, "url": landing},
        "isPartOf": part_of,
    }
    if image:
        data["image"] = [image]
    if story.first_published_at:
        data["datePublished"] = story.first_published_at.isoformat()
    if story.published_at:
        data["dateModified"] = story.published_at.isoformat()
    return data


# --- template tags -----------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def page_meta(context) -> dict:
    """Everything ``_meta.html`` prints, from the view's ``meta_*`` variables, with
    the story's and the campaign's own texts where the view gave none."""
    story = context.get("story")
    campaign = context.get("campaign")
    lang = _lang()
    canonical = canonical_url(context)
    title = context.get("meta_title") or (story.text("title") if story is not None else "")
    title = title or (campaign.name if campaign is not None else "") or "Tasuki"
    description = context.get("meta_description") or (
        story.text("lead") if story is not None else ""
    )
    description = description or (campaign.tagline if campaign is not None else "")
    image = absolute(context.get("meta_image") or "")
    if not image and story is not None:
        image = story_card_url(story, lang)
    kind = context.get("meta_type") or ("article" if story is not None else "website")
    return {
        "canonical": canonical,
        "title": title,
        "description": description,
        "image": image,
        "image_width": context.get("meta_image_width") or 1200,
        "image_height": context.get("meta_image_height") or 630,
        "image_alt": context.get("meta_image_alt") or "",
        "kind": kind,
        "site_name": campaign.name if campaign is not None else "Tasuki",
        "locale": og_locale(lang),
        "locale_alternates": og_locale_alternates(lang),
        "feed": campaign_feed_url(campaign, lang) if campaign is not None else "",
        "jsonld": (
            article_jsonld(story, canonical, image, lang)
            if story is not None and kind == "article"
            else ""
        ),
    }


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """This page's address: ``SITE_URL`` and the path, no query string."""
    request = context.get("request")
    return absolute(request.path) if request is not None else settings.SITE_URL + "/"


@register.simple_tag
def og_locale(lang: str) -> str:
    return OG_LOCALES.get(_lang(lang), "ja_JP")


@register.simple_tag
def og_locale_alternates(lang: str) -> list[str]:
    """The Open Graph locales of the page's other languages."""
    return [OG_LOCALES[code] for code, _name in settings.LANGUAGES if code != _lang(lang)]


@register.simple_tag
def card_url(story, lang: str | None = None) -> str:
    return story_card_url(story, lang) if story is not None else ""


@register.simple_tag
def campaign_feed_url(campaign, lang: str | None = None) -> str:
    if campaign is None:
        return ""
    try:
        return feed_url(campaign, lang)
    except NoReverseMatch:  # pragma: no cover - a URLconf without the relay's root URLs
        return ""


@register.simple_tag
def article_jsonld(story, url: str, image: str = "", lang: str | None = None) -> SafeString:
    """The ``<script type="application/ld+json">`` element of a story page."""
    data = script_json(article_data(story, url=url, image=image, lang=lang))
    return format_html('<script type="application/ld+json">{}</script>', data)


@register.filter(name="absolute")
def absolute_filter(url: str) -> str:
    return absolute(url or "")
