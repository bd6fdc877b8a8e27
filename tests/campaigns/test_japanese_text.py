"""Japanese campaign pages: no half-width space after 。 in any state of the page.

Two translated sentences in one paragraph, with a line break between them in the
template, render as 「…。 …」; each block's text is read as a browser lays it out
(white space collapsed) and checked."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import time_machine

from tests.factories import CampaignFactory, PeriodFactory, TermsFactory

pytestmark = pytest.mark.django_db
BLOCKS = {"p", "li", "h1", "h2", "dt", "dd", "div", "section", "article", "ul", "ol", "title"}


class BlockText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = [""]
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")
        if tag in BLOCKS:
            self.blocks.append("")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")
        if tag in BLOCKS:
            self.blocks.append("")

    def handle_data(self, data):
        if not self.skip:
            self.blocks[-1] += data


def spaced(html: str) -> list[str]:
    parser = BlockText()
    parser.feed(html)
    texts = (" ".join(block.split()) for block in parser.blocks)
    return [text for text in texts if re.search(r"[。！？] \S", text)]


def test_no_space_after_a_full_stop_in_any_state(client):
    campaign = CampaignFactory()
    TermsFactory(campaign=campaign)
    first = PeriodFactory(
        campaign=campaign,
        number=1,
        opens_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    )
    second = PeriodFactory(
        campaign=campaign,
        number=2,
        opens_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        closes_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )
    moments = [
        first.opens_at - dt.timedelta(days=1),
        first.opens_at + dt.timedelta(days=1),
        first.closes_at + dt.timedelta(days=1),
        second.closes_at + dt.timedelta(days=1),
    ]
    found = {}
    for at in moments:
        with time_machine.travel(at):
            for page in ("", "terms/", "privacy/", "contact/"):
                html = client.get(f"/ja/{campaign.slug}/{page}").content.decode()
                if bad := spaced(html):
                    found[(at.date().isoformat(), page)] = bad
    assert found == {}


def test_the_check_sees_a_joined_pair_of_sentences():
    assert spaced("<p>応募を受け付けました。\n  <a>リンク</a></p>") == [
        "応募を受け付けました。 リンク"
    ]
    assert spaced("<p>応募を受け付けました。</p>\n<p>リンク</p>") == []
