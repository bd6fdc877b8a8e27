"""The demo series `make run` loads: last year's published relay and this year's campaign.

Loaded without photos except where photos are the point (the pictures cost
most of the time); preview cards are made either way, as publishing makes them.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.html import escape

from tasuki.campaigns.demo import DEMO_SLUG, LAST_YEAR_SLUG, SERIES_SLUG
from tasuki.campaigns.models import KM_MARKS, Campaign, Series, km_label
from tasuki.campaigns.selectors import PeriodState, campaign_status, featured_campaign
from tasuki.core.timefmt import JST
from tasuki.entries.demo import demo_entries, entry_key
from tasuki.entries.models import LIMITS, EntrantDetails, Entry, Photo
from tasuki.mail.models import OutboxMessage
from tasuki.relay import demo
from tasuki.relay.models import (
    TEXT_FIELDS,
    TEXT_LIMITS,
    Publication,
    Story,
    StoryPhoto,
    StoryRevision,
    public_storage,
)
from tasuki.review.models import Decision, Review
from tasuki.staff.roles import EDITOR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    models = (
        Series,
        Campaign,
        Entry,
        EntrantDetails,
        Photo,
        Review,
        Decision,
        Story,
        StoryRevision,
        StoryPhoto,
        Publication,
        OutboxMessage,
        get_user_model(),
    )
    return {m.__name__: m.objects.count() for m in models}


def published() -> list[Story]:
    return list(
        Story.objects.published()
        .filter(campaign__slug=LAST_YEAR_SLUG)
        .select_related("resonated_with", "entry__details")
        .order_by("km")
    )


def test_the_file_fits_what_the_product_stores():
    """Every text within the editor's and the form's limits, every photo described."""
    items = demo.demo_stories()["stories"]
    assert len(items) >= 20
    kms = [item["km"] for item in items]
    assert len(set(kms)) == len(kms)
    assert all(km in {km_label(mark) for mark in KM_MARKS} for km in kms)
    for item in items:
        for key, text in item["story"].items():
            assert len(text) <= TEXT_LIMITS[key.rsplit("_", 1)[0]], (item["km"], key)
        for key in ("title", "tagline", "resonated_story", "appeal", "episode", "wishes"):
            assert len(item["entry"][key] or "") <= LIMITS[key], (item["km"], key)
        assert len(item["pen_name"]) <= LIMITS["pen_name"]
        for photo in item["photos"]:
            assert photo["alt_ja"].strip() and photo["alt_en"].strip(), item["km"]
            assert 0 <= float(photo["focal_x"]) <= 1 and 0 <= float(photo["focal_y"]) <= 1
        target = item["resonated_with"]
        assert target is None or kms.index(target) < kms.index(item["km"]), item["km"]


def test_loading_twice_creates_nothing_new():
    out = load("--no-photos")
    first = counts()
    assert re.search(rf"Demo relay '{LAST_YEAR_SLUG}': (\d+) stories published", out)
    again = load("--no-photos")
    assert counts() == first
    assert f"Demo relay '{LAST_YEAR_SLUG}': {first['Story']} stories published (0 new" in again
    assert first["Story"] == len(demo.demo_stories()["stories"])


def check_two_runs_of_one_series_and_a_relay_over_the_course():
    series = Series.objects.get(slug=SERIES_SLUG)
    runs = list(series.campaigns.order_by("run_number").values_list("slug", "run_number"))
    assert runs == [(LAST_YEAR_SLUG, 1), (DEMO_SLUG, 2)]
    last_year = Campaign.objects.get(slug=LAST_YEAR_SLUG)
    this_year = Campaign.objects.get(slug=DEMO_SLUG)
    # The home page goes to this year's campaign; last year's is closed.
    assert featured_campaign() == this_year
    assert campaign_status(last_year).state == PeriodState.CLOSED
    assert last_year.announcement_date < this_year.periods.order_by("opens_at")[0].opens_at.date()
    assert last_year.course.km_marks.count() == this_year.course.km_marks.count() == 44
    assert "2025" in last_year.terms_versions.get(is_current=True).terms_en
    assert "2026" not in last_year.terms_versions.get(is_current=True).terms_en

    stories = published()
    assert len(stories) >= 20
    kms = [s.km for s in stories]
    # Spread over the course: the start, the finish and every stretch of ten km.
    assert kms[0] == 0 and kms[-1] == KM_MARKS[-1]
    assert all(any(lo <= k < lo + 10 for k in kms) for lo in (0, 10, 20, 30, 40))
    assert {s.entry.language for s in stories} == {"ja", "en"}
    for story in stories:
        for name in TEXT_FIELDS:
            assert getattr(story, f"{name}_ja") and getattr(story, f"{name}_en"), (story.km, name)
        assert story.pen_name and story.cards.get("ja") and story.cards.get("en")
        assert public_storage().exists(story.cards["ja"])


def check_links_form_chains_without_cycles():
    stories = published()
    by_pk = {s.pk: s for s in stories}
    linked = [s for s in stories if s.resonated_with_id]
    assert len(linked) >= len(stories) // 2
    for story in stories:
        seen = {story.pk}
        current = story
        while current.resonated_with_id:
            assert current.resonated_with_id in by_pk  # a published story of the same relay
            assert current.resonated_with_id not in seen, f"cycle through km {story.km}"
            seen.add(current.resonated_with_id)
            current = by_pk[current.resonated_with_id]
    # A few chains of more than two links.
    depth = {}
    for story in sorted(stories, key=lambda s: s.first_published_at):
        depth[story.pk] = (
            depth.get(story.resonated_with_id, 0) + 1 if story.resonated_with_id else 1
        )
    assert sum(1 for d in depth.values() if d >= 3) >= 3
    # Never the author's own story.
    for story in linked:
        assert story.entry.details.email != by_pk[story.resonated_with_id].entry.details.email


def check_last_years_dates_are_last_years_and_consistent():
    campaign = Campaign.objects.get(slug=LAST_YEAR_SLUG)
    periods = list(campaign.periods.order_by("opens_at"))
    for story in published():
        entry = story.entry
        assert entry.period.opens_at <= entry.submitted_at < entry.period.closes_at
        assert entry.submitted_at < story.first_published_at == story.published_at
        assert story.published_at.astimezone(JST).year in (2024, 2025)
        assert story.published_at < dt.datetime.combine(
            campaign.announcement_date, dt.time(), tzinfo=JST
        )
        assert 10 <= story.published_at.astimezone(JST).hour <= 18
        assert story.publications.get().at == story.published_at
        assert story.revisions.order_by("-number")[0].created_at < story.published_at
        assert entry.review.featured
        # The form's pick: only a story that was already published when the entry arrived.
        if entry.resonated_with_id:
            assert entry.resonated_with_id == story.resonated_with_id
            assert entry.resonated_with.first_published_at < entry.submitted_at
    assert (
        periods[-1].closes_at
        < Campaign.objects.get(slug=DEMO_SLUG).periods.earliest("opens_at").opens_at
    )
    # The relay opened with several stories on one launch day, none naming another.
    launch = launch_stories()
    assert len(launch) >= 3 and all(s.resonated_with_id is None for s in launch)


def launch_stories() -> list[Story]:
    stories = published()
    first = min(s.published_at for s in stories).date()
    return [s for s in stories if s.published_at.date() == first]


def check_no_personal_data_in_published_texts_and_no_mail_to_invented_authors():
    details = list(EntrantDetails.objects.filter(entry__campaign__slug=LAST_YEAR_SLUG))
    assert len(details) == len(demo.demo_stories()["stories"])
    domains = {d.email.rsplit("@", 1)[1] for d in details}
    assert domains <= {"example.com", "example.org", "example.net"}
    words = set()
    for d in details:
        words |= {d.real_name.casefold(), d.real_name.replace(" ", "").casefold()}
        words |= {d.email.casefold(), d.email.split("@")[0].casefold()}
    for story in published():
        text = " ".join(
            [story.pen_name]
            + [getattr(story, f"{n}_{lang}") for n in TEXT_FIELDS for lang in ("ja", "en")]
            + [f"{p.alt_ja} {p.alt_en}" for p in story.photos.all()]
        ).casefold()
        found = [w for w in words if w in text]
        assert found == [], (story.km, found)
    assert not OutboxMessage.objects.filter(kind="story_published").exists()
    editor = get_user_model().objects.get(username=demo.EDITOR_USERNAME)
    assert not editor.has_usable_password()
    assert editor.groups.filter(name=EDITOR).exists()
    assert {p.by_id for p in Publication.objects.all()} == {editor.pk}


def check_this_years_entries_that_name_a_launch_story_are_linked_to_it():
    this_year = Campaign.objects.get(slug=DEMO_SLUG)
    items = demo_entries()
    linked = list(this_year.entries.filter(resonated_with__isnull=False))
    assert len(linked) >= 5
    for entry in linked:
        story = entry.resonated_with
        assert story.campaign.slug == LAST_YEAR_SLUG and story.km == entry.resonated_km
    # Each listed entry names that very story: by its author's pen name, or as a
    # story of the relay's launch day (the stories published before the first link).
    launch = {s.km for s in launch_stories()}
    for index in demo.NAMES_LAST_YEAR:
        entry = this_year.entries.get(submission_key=entry_key(this_year, index))
        text = items[index]["resonated_story"]
        story = entry.resonated_with
        assert story is not None, index
        assert story.pen_name in text or story.km in launch, index
    # An entry naming another story at a km where last year's relay has one stays free text.
    kame = this_year.entries.get(pen_name="坂の上のカメ")
    assert all(
        e.resonated_with is None
        for e in this_year.entries.filter(resonated_story__contains=kame.pen_name)
    )


def test_demo_photos_are_published_with_alt_text_in_both_languages():
    _last, _this = demo.load_demo_campaigns()
    loaded = demo.load_demo_relay(photos=True, first=6)
    assert loaded.made == loaded.published == 6
    photos = list(StoryPhoto.objects.select_related("story"))
    assert len(photos) >= 6
    items = {item["km"]: item for item in demo.demo_stories()["stories"]}
    storage = public_storage()
    for photo in photos:
        meta = items[photo.story.km_label]["photos"][photo.position]
        assert photo.alt_ja == meta["alt_ja"].strip() and photo.alt_en == meta["alt_en"].strip()
        assert photo.alt_ja and photo.alt_en
        assert photo.paths() and all(storage.exists(path) for path in photo.paths())
    again = demo.load_demo_relay(photos=True, first=6)
    assert again.made == 0 and StoryPhoto.objects.count() == len(photos)


def check_this_years_landing_shows_last_years_relay(client):
    try:
        reverse("relay:course", args=[DEMO_SLUG])
    except NoReverseMatch:  # pragma: no cover - the public pages are another part of issue 10
        print("Not checked: relay:course does not resolve yet (no public relay pages).")
        return
    last_year = Campaign.objects.get(slug=LAST_YEAR_SLUG)
    story = Story.objects.published().filter(campaign=last_year).latest("published_at")
    for lang in ("en", "ja"):
        with translation.override(lang):
            heading = translation.gettext("From last year's relay")
            html = client.get(f"/{lang}/{DEMO_SLUG}/").content.decode()
        for text in (heading, getattr(last_year, f"name_{lang}"), getattr(story, f"title_{lang}")):
            assert text in html or escape(text) in html, (lang, text)


# Loading takes seconds (48 entries, 24 stories, 48 preview cards), so each test
# below loads once and makes several checks.


def test_last_years_relay_is_published_along_the_course_in_chains():
    load("--no-photos")
    check_two_runs_of_one_series_and_a_relay_over_the_course()
    check_links_form_chains_without_cycles()
    check_last_years_dates_are_last_years_and_consistent()


def test_nothing_personal_is_public_and_this_year_shows_last_years_relay(client):
    load("--no-photos")
    check_no_personal_data_in_published_texts_and_no_mail_to_invented_authors()
    check_this_years_entries_that_name_a_launch_story_are_linked_to_it()
    check_this_years_landing_shows_last_years_relay(client)
