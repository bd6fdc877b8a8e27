"""The public shell: landing page states, terms/privacy/contact, languages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from tests.factories import CampaignFactory, PeriodFactory, TermsFactory, open_campaign

pytestmark = pytest.mark.django_db


def test_root_redirects_to_a_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_home_redirects_to_featured_campaign(client):
    campaign = open_campaign()
    response = client.get("/en/")
    assert response.status_code == 302
    assert response["Location"] == f"/en/{campaign.slug}/"


def test_landing_open_shows_deadline_in_jst_and_link_to_form(client):
    campaign = open_campaign()
    html = client.get(f"/en/{campaign.slug}/").content.decode()
    assert 'lang="en"' in html
    assert "Period 1: entries are open." in html
    assert "JST" in html
    assert f"/en/{campaign.slug}/enter/" in html
    assert 'hreflang="ja"' in html and f"/ja/{campaign.slug}/" in html


def test_landing_between_periods_names_next_opening(client):
    campaign = CampaignFactory()
    now = timezone.now()
    PeriodFactory(
        campaign=campaign,
        number=1,
        opens_at=now - dt.timedelta(days=20),
        closes_at=now - dt.timedelta(days=5),
    )
    nxt = PeriodFactory(
        campaign=campaign,
        number=2,
        opens_at=now + dt.timedelta(days=5),
        closes_at=now + dt.timedelta(days=20),
    )
    html = client.get(f"/en/{campaign.slug}/").content.decode()
    assert "Period 1: entries have closed." in html
    assert f"{nxt.name_en}: entries open on" in html
    assert "/enter/" not in html


def test_landing_before_and_after(client):
    campaign = CampaignFactory()
    period = PeriodFactory(
        campaign=campaign,
        number=1,
        opens_at=timezone.now() + dt.timedelta(days=2),
        closes_at=timezone.now() + dt.timedelta(days=9),
    )
    assert "not open yet" in client.get(f"/en/{campaign.slug}/").content.decode()
    campaign.announcement_date = (period.closes_at + dt.timedelta(days=3)).date()
    campaign.save()
    with time_machine.travel(period.closes_at + dt.timedelta(seconds=1)):
        html = client.get(f"/en/{campaign.slug}/").content.decode()
        assert "Entries have closed" in html
        assert "Winners are announced around" in html
        assert "Follow the official accounts" not in html  # nothing left to enter
    with time_machine.travel(period.closes_at + dt.timedelta(days=5)):
        html = client.get(f"/en/{campaign.slug}/").content.decode()
        assert "The winners were announced on" in html
        assert f"/en/{campaign.slug}/winners/" in html


def test_landing_in_japanese(client):
    campaign = open_campaign()
    html = client.get(f"/ja/{campaign.slug}/").content.decode()
    assert '<html lang="ja">' in html
    assert campaign.name_ja in html
    assert "JST" in html


def test_terms_privacy_contact_pages_show_current_version(client):
    campaign = open_campaign()
    TermsFactory(campaign=campaign, version="old", terms_en="Outdated terms.", is_current=False)
    terms = client.get(f"/en/{campaign.slug}/terms/").content.decode()
    assert "The terms." in terms and "Outdated" not in terms
    assert "The privacy notice." in client.get(f"/en/{campaign.slug}/privacy/").content.decode()
    assert "プライバシー本文" in client.get(f"/ja/{campaign.slug}/privacy/").content.decode()
    assert campaign.contact_email in client.get(f"/en/{campaign.slug}/contact/").content.decode()


def test_only_one_terms_version_is_current(db):
    from tasuki.campaigns.services import make_terms_current

    campaign = open_campaign()
    newer = TermsFactory(campaign=campaign, version="v-new", is_current=False)
    make_terms_current(newer)
    assert list(campaign.terms_versions.filter(is_current=True)) == [newer]


def test_unknown_campaign_is_404(client):
    assert client.get("/en/no-such-campaign/").status_code == 404


def test_health_endpoint(client):
    assert client.get("/healthz").json() == {"ok": True}


def test_pages_send_security_headers(client):
    campaign = open_campaign()
    response = client.get(f"/en/{campaign.slug}/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
