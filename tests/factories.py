"""factory_boy factories: a campaign with an open period is one call away."""

from __future__ import annotations

import datetime as dt
import uuid

import factory
from django.utils import timezone

from tasuki.campaigns.models import Campaign, EntryPeriod, TermsVersion


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"relay-{n}")
    name_ja = factory.Sequence(lambda n: f"ストーリーリレー{n}")
    name_en = factory.Sequence(lambda n: f"Story Relay {n}")
    tagline_ja = "走る人、支える人、応援する人の物語"
    tagline_en = "Stories of the people who run, help and cheer"
    contact_email = "office@example.org"
    instagram_account = "@relay_official"
    x_account = "@relay_x"
    prize_ja = "次回大会の出走権"
    prize_en = "A guaranteed place in next year's race"
    winners_count = 10
    announcement_date = dt.date(2026, 4, 15)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntryPeriod

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    name_ja = factory.LazyAttribute(lambda o: f"第{o.number}期")
    name_en = factory.LazyAttribute(lambda o: f"Period {o.number}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=10))


class TermsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TermsVersion

    campaign = factory.SubFactory(CampaignFactory)
    version = factory.Sequence(lambda n: f"v{n}")
    terms_ja = "規約本文"
    terms_en = "The terms."
    privacy_ja = "プライバシー本文"
    privacy_en = "The privacy notice."
    is_current = True


def open_campaign(**kwargs) -> Campaign:
    """A campaign with one period open now and current terms."""
    campaign = CampaignFactory(**kwargs)
    PeriodFactory(campaign=campaign, number=1)
    TermsFactory(campaign=campaign)
    return campaign


def entry_data(**overrides) -> dict:
    """A complete, valid entry form submission."""
    data = {
        "submission_key": str(uuid.uuid4()),
        "language": "en",
        "resonated_story": "The volunteer at the 30 km water station.",
        "resonated_km": "30",
        "appeal": "The whole city comes out to cheer.",
        "episode": "At 35 km my legs gave up and a stranger walked with me for a kilometre.",
        "wishes": "More benches at the finish for the families.",
        "tagline": "a 42 km thank-you letter",
        "title": "The kilometre I did not run alone",
        "pen_name": "Blue Cap",
        "role": "runner",
        "country": "GB",
        "real_name": "Alex Example",
        "email": "alex@example.com",
        "instagram_handle": "@alex_runs",
        "x_handle": "",
        "age_group": "adult",
        "guardian_name": "",
        "accept_terms": "on",
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
