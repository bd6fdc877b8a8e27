"""The landing page on a phone, in both languages, with zero axe violations."""

from __future__ import annotations

import pytest

from tests.factories import open_campaign
from tests.fixtures.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_landing_on_a_phone(live_app, phone, transactional_db, lang):
    campaign = open_campaign()
    page = phone.new_page()
    page.goto(f"{live_app.url}/{lang}/{campaign.slug}/")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == (
        campaign.name_ja if lang == "ja" else campaign.name_en
    )
    assert "JST" in page.locator(".state").inner_text()
    page.locator(".countdown").wait_for(state="visible")
    import re

    assert re.match(COUNTDOWN[lang], page.locator(".countdown").inner_text())
    assert_accessible(page)
    # The switcher leads to the same page in the other language.
    other = "en" if lang == "ja" else "ja"
    page.locator(f'.langs a[hreflang="{other}"]').click()
    page.wait_for_url(f"**/{other}/{campaign.slug}/")
    assert page.locator("html").get_attribute("lang") == other


COUNTDOWN = {
    "ja": r"^締切まであと(\d+日\d+時間|\d+時間\d+分|\d+分)です。$",
    "en": (
        r"^(\d+ days? and \d+ hours?|\d+ hours? and \d+ minutes?|\d+ minutes?)"
        r" left until the deadline\.$"
    ),
}


def _campaign_closing_in(delta):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import CampaignFactory, PeriodFactory, TermsFactory

    campaign = CampaignFactory()
    TermsFactory(campaign=campaign)
    now = timezone.now()
    PeriodFactory(
        campaign=campaign, number=1, opens_at=now - dt.timedelta(days=1), closes_at=now + delta
    )
    return campaign


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_countdown_is_a_whole_sentence_counted_on_the_servers_clock(
    live_app, phone, transactional_db, lang
):
    """A phone whose clock runs two days fast still counts from the server's time."""
    import datetime as dt
    import re

    campaign = _campaign_closing_in(dt.timedelta(days=5, hours=3, minutes=20))
    page = phone.new_page()
    page.clock.install(time=dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    page.goto(f"{live_app.url}/{lang}/{campaign.slug}/")
    countdown = page.locator(".countdown")
    countdown.wait_for(state="visible")
    text = countdown.inner_text()
    assert re.match(COUNTDOWN[lang], text), text
    assert ("5日3時間" if lang == "ja" else "5 days and 3 hours") in text


def test_countdown_says_when_the_deadline_has_passed(live_app, phone, transactional_db):
    import datetime as dt

    campaign = _campaign_closing_in(dt.timedelta(minutes=61, seconds=30))
    page = phone.new_page()
    page.clock.install(time=dt.datetime.now(dt.UTC))
    page.goto(f"{live_app.url}/en/{campaign.slug}/")
    countdown = page.locator(".countdown")
    countdown.wait_for(state="visible")
    assert countdown.inner_text() == "1 hour and 1 minute left until the deadline."
    page.clock.fast_forward("01:03:00")
    from playwright.sync_api import expect

    expect(countdown).to_have_text(
        "The deadline has passed. Reload the page to see whether another period follows."
    )
