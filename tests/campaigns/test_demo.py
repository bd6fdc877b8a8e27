"""The demo campaign `make run` loads: the product's facts, idempotent, and openable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from tasuki.campaigns.demo import DEMO_SLUG
from tasuki.campaigns.models import Campaign, EntryPeriod, KmMark, TermsVersion
from tasuki.campaigns.selectors import PeriodState, campaign_status
from tasuki.core.timefmt import JST
from tasuki.entries.models import EntrantDetails, Entry, Photo

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


def counts() -> tuple:
    return tuple(
        m.objects.count()
        for m in (Campaign, EntryPeriod, TermsVersion, KmMark, Entry, EntrantDetails, Photo)
    )


def test_load_demo_twice_makes_no_duplicates():
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    assert campaign.entries.count() >= 40
    assert set(campaign.entries.values_list("language", flat=True)) == {"ja", "en"}
    assert set(campaign.entries.values_list("period__number", flat=True)) == {1, 2}
    photos = Photo.objects.exclude(entry=None)
    assert photos.count() > 0 and all(p.status == "ready" for p in photos)


def test_demo_campaign_has_the_products_facts():
    call_command("load_demo", "--no-photos")
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    first, second = campaign.periods.order_by("number")
    assert first.opens_at.astimezone(JST) == dt.datetime(2025, 12, 16, tzinfo=JST)
    assert first.closes_at.astimezone(JST) == dt.datetime(2026, 1, 15, 17, tzinfo=JST)
    assert second.opens_at.astimezone(JST) == dt.datetime(2026, 2, 26, tzinfo=JST)
    assert second.closes_at.astimezone(JST) == dt.datetime(2026, 3, 19, 17, tzinfo=JST)
    assert campaign.winners_count == 10
    marks = list(campaign.course.km_marks.values_list("km", flat=True))
    assert marks[0] == 0 and marks[-1] == Decimal("42.195") and len(marks) == 44
    assert campaign.course.landmarks.count() >= 8


def test_open_demo_period_opens_the_first_period_now():
    call_command("load_demo", "--no-photos")
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    assert campaign_status(campaign).state == PeriodState.CLOSED
    call_command("open_demo_period")
    status = campaign_status(campaign)
    assert status.state == PeriodState.OPEN
    assert status.current.number == 1
    assert status.current.closes_at.astimezone(JST).hour == 17
    first, second = campaign.periods.order_by("number")
    assert second.opens_at >= first.closes_at  # still no overlap
