"""The site has a favicon: an SVG drawn for it with a PNG fallback, served from
static and allowed by the content security policy."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from tasuki.core.middleware import CONTENT_SECURITY_POLICY
from tests.factories import open_campaign

pytestmark = pytest.mark.django_db


def icon_links(html: str) -> dict[str, str]:
    """The icon links of a page: by type, and the touch icon as "apple"."""
    links = {}
    for tag in re.findall(r"<link [^>]*>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        if attrs.get("rel") == "icon":
            links[attrs["type"]] = attrs["href"]
        elif attrs.get("rel") == "apple-touch-icon":
            links["apple"] = attrs["href"]
    return links


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_pages_link_an_svg_favicon_and_a_png_fallback(client, lang):
    campaign = open_campaign()
    html = client.get(f"/{lang}/{campaign.slug}/").content.decode()
    links = icon_links(html)
    assert set(links) >= {"image/svg+xml", "image/png", "apple"}

    svg = client.get(links["image/svg+xml"])
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(b"".join(svg.streaming_content))  # noqa: S314 (our own file)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 64 64"

    for key, size in (("image/png", (32, 32)), ("apple", (180, 180))):
        png = client.get(links[key])
        assert png.status_code == 200 and png["Content-Type"] == "image/png"
        assert Image.open(io.BytesIO(b"".join(png.streaming_content))).size == size


def test_favicons_are_same_origin_so_the_policy_allows_them(client):
    campaign = open_campaign()
    response = client.get(f"/en/{campaign.slug}/")
    assert "img-src 'self'" in CONTENT_SECURITY_POLICY
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    for href in icon_links(response.content.decode()).values():
        assert href.startswith("/static/"), href


def test_favicon_ico_leads_to_the_icon(client):
    """Some browsers and crawlers ask for /favicon.ico whatever the page links."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("tasuki/favicon-32.png")
    assert client.get(response["Location"]).status_code == 200
