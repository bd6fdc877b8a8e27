"""The relay's public pages in the public page cache: a second request costs no
query, a change to a story or a period drops the page, and no page is kept past
the campaign's next deadline."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from tasuki.campaigns.models import EntryPeriod
from tasuki.campaigns.views import MAX_PUBLIC_TTL, seconds_until_next_boundary
from tasuki.relay import cache, services
from tests.factories import CampaignFactory, PeriodFactory, TermsFactory, open_campaign
from tests.relay.factories import bilingual, draft, editor, featured_entry, published_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }
    settings.TASUKI_PUBLIC_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "relay-public-pages",
        }
    }
    from django.core.cache import cache as shared

    shared.clear()
    cache.clear_local()
    yield
    cache.clear_local()


@pytest.fixture
def relay(django_capture_on_commit_callbacks):
    campaign = open_campaign()
    by = editor()
    with django_capture_on_commit_callbacks(execute=True):
        first = published_story(campaign, 3, by=by, title="Three")
        second = published_story(campaign, 10, by=by, title="Ten", resonated_with=first.pk)
    return campaign, first, second


def pages(campaign, story) -> list[str]:
    slug = campaign.slug
    return [
        f"/{lang}/{slug}/{tail}"
        for lang in ("ja", "en")
        for tail in (
            "",
            "course/",
            f"stories/{story.slug}/",
            "connections/",
            "winners/",
            "terms/",
            "privacy/",
            "contact/",
        )
    ]


def test_a_second_request_for_any_public_page_costs_no_query(
    client, relay, django_assert_num_queries
):
    campaign, _first, second = relay
    for url in pages(campaign, second):
        fresh = client.get(url)
        assert fresh.status_code == 200, url
        assert 0 < fresh.tasuki_public_ttl <= MAX_PUBLIC_TTL, url
        with django_assert_num_queries(0):
            hit = client.get(url)
        assert hit.status_code == 200 and "Age" in hit, url
        assert _without_clock(hit.content) == _without_clock(fresh.content), url


def _without_clock(content: bytes) -> bytes:
    return re.sub(rb'data-server-now="[^"]*"', b"", content)


def test_the_countdown_clock_of_a_cached_landing_page_is_the_time_of_the_answer(client, relay):
    campaign, *_ = relay
    url = f"/en/{campaign.slug}/"
    client.get(url)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=30)):
        hit = client.get(url)
    assert "Age" in hit
    stamp = re.search(r'data-server-now="([^"]+)"', hit.content.decode()).group(1)
    assert stamp != cache.NOW_MARKER
    assert abs(dt.datetime.fromisoformat(stamp) - timezone.now()) > dt.timedelta(seconds=20)


def test_publishing_and_unpublishing_drop_the_cached_pages(
    client, relay, django_capture_on_commit_callbacks
):
    campaign, first, second = relay
    course = f"/en/{campaign.slug}/course/"
    story = f"/en/{campaign.slug}/stories/{first.slug}/"
    assert "Twenty" not in client.get(course).content.decode()
    assert "This story inspired" in client.get(story).content.decode()
    by = editor()
    with django_capture_on_commit_callbacks(execute=True):
        new = published_story(campaign, 20, by=by, title="Twenty")
    assert "Twenty" in client.get(course).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(second, by=by)
    assert "Ten" not in client.get(course).content.decode()
    assert "This story inspired" not in client.get(story).content.decode()
    # An edit published again is seen at once too.
    with django_capture_on_commit_callbacks(execute=True):
        draft(new, by=by, title_en="Twenty, edited")
        services.publish(new, by=by)
    assert "Twenty, edited" in client.get(course).content.decode()


def test_a_draft_changes_nothing_the_public_sees(client, relay, django_capture_on_commit_callbacks):
    campaign, first, _second = relay
    url = f"/en/{campaign.slug}/stories/{first.slug}/"
    before = client.get(url).content
    with django_capture_on_commit_callbacks(execute=True):
        draft(first, by=editor(), title_en="Not yet public")
    after = client.get(url)
    assert b"Not yet public" not in after.content
    assert _without_clock(after.content) == _without_clock(before)


def test_changing_a_period_drops_the_landing_page(
    client, relay, django_capture_on_commit_callbacks
):
    campaign, *_ = relay
    url = f"/en/{campaign.slug}/"
    assert "entries are open" in client.get(url).content.decode()
    period = EntryPeriod.objects.get(campaign=campaign)
    with django_capture_on_commit_callbacks(execute=True):
        period.closes_at = timezone.now() - dt.timedelta(minutes=1)
        period.opens_at = timezone.now() - dt.timedelta(days=3)
        period.save()
    page = client.get(url).content.decode()
    assert "entries are open" not in page and "Entries have closed" in page


def _campaign_with_boundary_in(delta: dt.timedelta, *, opening: bool = False):
    campaign = CampaignFactory()
    TermsFactory(campaign=campaign)
    now = timezone.now()
    if opening:
        PeriodFactory(campaign=campaign, number=1, opens_at=now + delta, closes_at=now + delta * 9)
    else:
        PeriodFactory(
            campaign=campaign, number=1, opens_at=now - dt.timedelta(days=1), closes_at=now + delta
        )
    return campaign


@pytest.mark.parametrize("opening", [False, True])
def test_a_page_is_never_kept_past_the_next_deadline_or_opening(client, opening):
    campaign = _campaign_with_boundary_in(dt.timedelta(seconds=90), opening=opening)
    boundary = EntryPeriod.objects.get(campaign=campaign)
    moment = boundary.opens_at if opening else boundary.closes_at
    url = f"/en/{campaign.slug}/"
    first = client.get(url)
    assert 0 < first.tasuki_public_ttl <= 89
    assert first.tasuki_public_ttl < (moment - timezone.now()).total_seconds()
    expected = "entries are open" if not opening else "not open yet"
    assert expected in first.content.decode()
    assert expected in client.get(url).content.decode()  # cached, before the boundary
    with time_machine.travel(moment + dt.timedelta(seconds=1)):
        after = client.get(url).content.decode()
    assert expected not in after
    assert ("Entries have closed" if not opening else "entries are open") in after


def test_the_lifetime_is_five_minutes_at_most_and_nothing_at_the_boundary():
    campaign = _campaign_with_boundary_in(dt.timedelta(days=3))
    now = timezone.now()
    assert seconds_until_next_boundary(campaign, now) == MAX_PUBLIC_TTL
    closes = campaign.periods.get().closes_at
    assert seconds_until_next_boundary(campaign, closes - dt.timedelta(seconds=42.5)) == 41
    assert seconds_until_next_boundary(campaign, closes - dt.timedelta(milliseconds=400)) == 0
    assert seconds_until_next_boundary(campaign, closes) == MAX_PUBLIC_TTL  # nothing ahead


def test_errors_and_redirects_are_not_kept(client, relay):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    campaign, _first, _second = relay
    missing = f"/en/{campaign.slug}/stories/nosuchstory/"
    km = f"/en/{campaign.slug}/km/3/"
    for url, status in ((missing, 404), (km, 302)):
        assert client.get(url).status_code == status
        with CaptureQueriesContext(connection) as again:
            response = client.get(url)
        assert response.status_code == status and "Age" not in response
        assert len(again) > 0  # asked the database again


def test_a_story_of_a_new_draft_is_not_public_until_published(
    client, relay, django_capture_on_commit_callbacks
):
    campaign, *_ = relay
    by = editor()
    story = services.start_story(featured_entry(campaign), by=by)
    draft(story, by=by, km="30", **bilingual("Draft only"))
    url = f"/en/{campaign.slug}/stories/{story.slug}/"
    assert client.get(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(story, by=by)
    assert client.get(url).status_code == 200
