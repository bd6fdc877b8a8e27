"""Dates on the public pages come from the periods and the campaign, never from prose;
period names read right wherever they appear."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from tasuki.campaigns.demo import DEMO_SLUG
from tasuki.campaigns.models import Campaign
from tasuki.core.timefmt import format_jst
from tests.factories import CampaignFactory, PeriodFactory, TermsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_storage(settings, tmp_path):
    """Loading the demo publishes last year's relay: its files go to a temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }


#: Every way the demo's original dates were written: on the pages (format_jst)
#: and in the prose of the terms, the privacy notice and the prize.
OLD_DATES = [
    "16 Dec 2025",
    "15 Jan 2026",
    "26 Feb 2026",
    "19 Mar 2026",
    "15 Apr 2026",
    "2025年12月16日",
    "2026年1月15日",
    "2026年2月26日",
    "2026年3月19日",
    "2026年4月15日",
    "16 December 2025",
    "15 January 2026",
    "26 February 2026",
    "19 March 2026",
    "April 2026",
    "mid-April",
    "2026年4月",
    "3月19日",
    "4月中旬",
]
PAGES = ["", "terms/", "privacy/"]


def pages(client, campaign, lang):
    return {page: client.get(f"/{lang}/{campaign.slug}/{page}").content.decode() for page in PAGES}


def test_demo_pages_quote_the_loaded_dates_before_the_move(client):
    """The check below is not vacuous: before the move, the pages do show these dates."""
    call_command("load_demo", "--no-photos")
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    html = pages(client, campaign, "en")
    assert "16 Dec 2025 (Tue), 00:00 JST" in html["terms/"]
    assert "15 Apr 2026 (Wed)" in html["privacy/"]
    assert "19 Mar 2026 (Thu), 17:00 JST" in html[""]


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_after_open_demo_period_pages_show_the_new_dates_and_none_of_the_old(client, lang):
    call_command("load_demo", "--no-photos")
    call_command("open_demo_period")
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    periods = list(campaign.periods.order_by("opens_at"))
    assert periods[0].is_open()
    html = pages(client, campaign, lang)
    for page, text in html.items():
        for period in periods:
            for instant in (period.opens_at, period.closes_at):
                assert format_jst(instant, language=lang) in text, (page, instant)
        assert format_jst(
            dt.datetime.combine(campaign.announcement_date, dt.time(12), tzinfo=dt.UTC),
            with_time=False,
            language=lang,
        ) in text.replace("\n", " "), page
        stale = [old for old in OLD_DATES if old in text]
        assert stale == [], (page, stale)


def test_open_demo_period_keeps_the_announcement_after_the_last_period():
    call_command("load_demo", "--no-photos")
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    before = (
        campaign.announcement_date - campaign.periods.order_by("-closes_at")[0].closes_at.date()
    )
    call_command("open_demo_period")
    campaign.refresh_from_db()
    last = campaign.periods.order_by("-closes_at")[0]
    assert campaign.announcement_date > last.closes_at.date()
    assert abs((campaign.announcement_date - last.closes_at.date()) - before) <= dt.timedelta(1)
    # Loading the demo again leaves moved dates alone, as it leaves moved periods alone.
    moved = campaign.announcement_date
    call_command("load_demo", "--no-photos")
    campaign.refresh_from_db()
    assert campaign.announcement_date == moved
    assert campaign.periods.order_by("opens_at")[0].is_open()


def test_terms_text_refers_to_the_dates_section_it_is_shown_with(client):
    call_command("load_demo", "--no-photos")
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    for lang, heading, reference in (("en", ">Dates<", "“Dates”"), ("ja", ">日程<", "「日程」")):
        for page in ("terms/", "privacy/"):
            html = client.get(f"/{lang}/{campaign.slug}/{page}").content.decode()
            assert heading in html and reference in html, (lang, page)


# Period names are labels: "First period", "第1期". A sentence never puts them
# after "the", where an English name would need lower case ("The First period").


def _period_pages(client, campaign, lang):
    return client.get(f"/{lang}/{campaign.slug}/").content.decode()


@pytest.fixture
def named_periods():
    campaign = CampaignFactory()
    TermsFactory(campaign=campaign)
    now = timezone.now()
    first = PeriodFactory(
        campaign=campaign,
        number=1,
        name_en="First period",
        name_ja="第1期",
        opens_at=now - dt.timedelta(days=3),
        closes_at=now + dt.timedelta(days=3),
    )
    second = PeriodFactory(
        campaign=campaign,
        number=2,
        name_en="Second period",
        name_ja="第2期",
        opens_at=now + dt.timedelta(days=10),
        closes_at=now + dt.timedelta(days=20),
    )
    return campaign, first, second


def test_period_names_are_never_capitalised_mid_sentence(client, named_periods):
    import time_machine

    campaign, first, _ = named_periods
    moments = {
        "before": first.opens_at - dt.timedelta(days=1),
        "open": first.opens_at + dt.timedelta(days=1),
        "between": first.closes_at + dt.timedelta(days=1),
    }
    seen = {}
    for state, at in moments.items():
        with time_machine.travel(at):
            seen[state] = _period_pages(client, campaign, "en")
        assert not re.search(r"\b[Tt]he (First|Second) period", seen[state]), state
    assert "First period: entries are open." in seen["open"]
    assert "First period: entries open on" in seen["before"]
    assert "First period: entries have closed." in seen["between"]
    assert "Second period: entries open on" in seen["between"]


def test_period_names_read_as_labels_in_japanese(client, named_periods):
    campaign, *_ = named_periods
    html = _period_pages(client, campaign, "ja")
    assert "第1期：応募を受け付けています。" in html
    assert "の第1期" not in html
