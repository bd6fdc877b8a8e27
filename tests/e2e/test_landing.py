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
    assert_accessible(page)
    # The switcher leads to the same page in the other language.
    other = "en" if lang == "ja" else "ja"
    page.locator(f'.langs a[hreflang="{other}"]').click()
    page.wait_for_url(f"**/{other}/{campaign.slug}/")
    assert page.locator("html").get_attribute("lang") == other
