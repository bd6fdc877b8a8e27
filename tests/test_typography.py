"""Japanese pages read as Japanese: no half-width space after 。 and no English words
left standing in a Japanese sentence.

A space after 。 comes from joining two sentences in code or in a template (a
line break between two translated sentences in one paragraph renders as a
space). The check reads each page as a browser lays out text: the text of one
block (a paragraph, a list item, a heading…) joined, with white space
collapsed, then looks for 。 followed by a space.
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from tests.conftest import solve_altcha
from tests.factories import entry_data

pytestmark = pytest.mark.django_db

BLOCKS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "section", "header", "footer",
    "main", "nav", "form", "fieldset", "legend", "label", "dt", "dd", "dl", "table", "tr",
    "td", "th", "br", "option", "select", "button", "textarea", "title", "article", "aside",
}  # fmt: skip
SKIP = {"script", "style", "template", "noscript"}


class Blocks(HTMLParser):
    """Collects the visible text of each block element."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP:
            self.skipping += 1
        elif tag in BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)


def spaced_sentences(html: str) -> list[str]:
    parser = Blocks()
    parser.feed(html)
    parser._flush()
    return [b for b in parser.blocks if re.search(r"[。！？] \S", b)]


def ja(name: str, *args) -> str:
    with translation.override("ja"):
        return reverse(name, args=args)


def test_public_pages_have_no_space_after_a_japanese_full_stop(client, campaign):
    pages = [
        ja("campaigns:landing", campaign.slug),
        ja("campaigns:terms", campaign.slug),
        ja("campaigns:privacy", campaign.slug),
        ja("campaigns:contact", campaign.slug),
        ja("entries:enter", campaign.slug),
        ja("entries:resend"),
    ]
    data = entry_data(altcha=solve_altcha(), submission_key=str(uuid.uuid4()))
    answer = client.post(pages[4], data, headers={"X-Tasuki-Fetch": "1"}).json()
    pages.append(answer["receipt_url"].replace("/en/", "/ja/"))
    found = {}
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
        assert response.status_code == 200, url
        bad = spaced_sentences(response.content.decode())
        if bad:
            found[url] = bad
    assert not found, found


def test_refusal_messages_have_no_space_after_a_japanese_full_stop(client, campaign):
    """Every message the submit path can give, in Japanese, as one sentence or several."""
    url = ja("entries:enter", campaign.slug)
    cases = [
        entry_data(altcha=solve_altcha(), website="x"),
        entry_data(),
        entry_data(altcha=solve_altcha(), email="not-an-address"),
    ]
    for data in cases:
        body = client.post(url, data, headers={"X-Tasuki-Fetch": "1"}).json()
        assert not re.search(r"[。！？] \S", body["message"]), body["message"]
        for messages in body["errors"].values():
            for message in messages:
                assert not re.search(r"[。！？] \S", message), message
