"""The landing page's countdown: whole translated sentences from the catalogue,
and the open state and clock the server rendered."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.utils import translation

from tasuki.campaigns.views import countdown_messages
from tests.factories import CampaignFactory, PeriodFactory, open_campaign

SCRIPT = (
    Path(__file__).resolve().parents[2] / "src" / "tasuki" / "static" / "tasuki" / "countdown.js"
)


def fill(template: str, **values: str) -> str:
    """What countdown.js does with a message: %(name)s replaced, nothing added."""
    return re.sub(r"%\((\w+)\)s", lambda m: values[m.group(1)], template)


def test_japanese_sentences_read_in_japanese_order():
    with translation.override("ja"):
        messages = countdown_messages()
    units = messages["units"]
    text = fill(
        messages["sentences"]["days"],
        days=fill(units["days"]["other"], count="3"),
        hours=fill(units["hours"]["other"], count="4"),
    )
    assert text == "締切まであと3日4時間です。"
    text = fill(
        messages["sentences"]["hours"],
        hours=fill(units["hours"]["one"], count="1"),
        minutes=fill(units["minutes"]["other"], count="5"),
    )
    assert text == "締切まであと1時間5分です。"
    for sentence in messages["sentences"].values():
        assert not re.search(r"[A-Za-z]{2,}", re.sub(r"%\(\w+\)s", "", sentence)), sentence
        assert "。 " not in sentence


def test_english_sentences_have_singular_and_plural_units():
    with translation.override("en"):
        messages = countdown_messages()
    units = messages["units"]
    text = fill(
        messages["sentences"]["days"],
        days=fill(units["days"]["one"], count="1"),
        hours=fill(units["hours"]["other"], count="0"),
    )
    assert text == "1 day and 0 hours left until the deadline."


@pytest.mark.django_db
@pytest.mark.parametrize(("lang", "expected"), [("ja", "締切まであと"), ("en", "left until")])
def test_open_landing_page_carries_the_messages_and_the_servers_clock(client, lang, expected):
    campaign = open_campaign()
    html = client.get(f"/{lang}/{campaign.slug}/").content.decode()
    block = re.search(
        r'<script id="countdown-messages" type="application/json">(.*?)</script>', html
    )
    assert block, "the page has no countdown-messages block"
    messages = json.loads(block.group(1))
    assert expected in messages["sentences"]["minutes"]
    assert re.search(r'data-server-now="\d{4}-\d\d-\d\dT', html)
    assert "countdown.js" in html


@pytest.mark.django_db
def test_countdown_is_not_on_a_page_the_server_rendered_as_closed(client):
    import datetime as dt

    from django.utils import timezone

    campaign = CampaignFactory()
    PeriodFactory(
        campaign=campaign,
        number=1,
        opens_at=timezone.now() + dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=2),
    )
    html = client.get(f"/en/{campaign.slug}/").content.decode()
    assert "data-countdown" not in html and "countdown.js" not in html


def test_script_has_no_words_of_its_own():
    """Every word comes from the catalogue: the script has no label attributes, no
    string literal with letters other than its own keys, and joins nothing with spaces."""
    script = SCRIPT.read_text()
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", script, flags=re.S)
    assert "labelDays" not in code and '" "' not in code and ".join(" not in code
    literals = re.findall(r'"([^"\\]*)"', code)
    allowed = {
        "use strict",
        "[data-countdown]",
        "countdown-messages",
        "ja",
        "one",
        "other",
        "days",
        "hours",
        "minutes",
    }
    assert set(literals) <= allowed, set(literals) - allowed
