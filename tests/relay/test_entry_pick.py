"""The entry form's first question links to the relay: the entrant picks a published
story (of this run or an earlier one of its series), the entry keeps the link beside
their own words, and a story made from that entry carries it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from tasuki.campaigns.models import Series
from tasuki.entries import relay_link
from tasuki.entries import services as entry_services
from tasuki.entries.models import Entry
from tasuki.relay import services
from tests.conftest import solve_altcha
from tests.factories import entry_data, open_campaign
from tests.relay.factories import editor, featured_entry, published_story

pytestmark = pytest.mark.django_db

GONE = "no longer published"
GONE_MESSAGE = (
    "The story you picked is no longer published, so it cannot be linked. Please pick "
    "another, or choose “None of these” and describe it in your own words. Everything else "
    "you wrote is still here."
)


@pytest.fixture(autouse=True)
def _public_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }


@pytest.fixture
def relay():
    """Last year's run with two published stories and a draft, this year's run open
    for entries with one published story, next year's run, and a campaign of no series."""
    series = Series.objects.create(slug="relay", name_ja="ストーリーリレー", name_en="Story Relay")
    last = open_campaign(
        slug="last", series=series, run_number=1, name_ja="第1回リレー", name_en="The 1st relay"
    )
    this = open_campaign(
        slug="this", series=series, run_number=2, name_ja="第2回リレー", name_en="The 2nd relay"
    )
    nxt = open_campaign(slug="next", series=series, run_number=3)
    other = open_campaign(slug="other")
    stories = {
        "water": published_story(last, 12, title="The water station", pen_name="Kaori"),
        "finish": published_story(last, "42.195", title="Last steps", pen_name="Ken"),
        "bridge": published_story(this, 5, title="Over the bridge", pen_name="Mika"),
        "later": published_story(nxt, 3, title="From the future"),
        "elsewhere": published_story(other, 3, title="Another relay"),
    }
    stories["draft"] = services.start_story(featured_entry(last), by=editor())
    return {"this": this, "last": last, "other": other, **stories}


def enter_url(campaign, lang="en") -> str:
    with translation.override(lang):
        return reverse("entries:enter", args=[campaign.slug])


def post(client, campaign, data, *, js=True, lang="en"):
    headers = {"X-Tasuki-Fetch": "1"} if js else {}
    return client.post(enter_url(campaign, lang), data, headers=headers)


def sent() -> int:
    """Entries sent through the form (the stories' own entries aside)."""
    return Entry.objects.filter(story__isnull=True).count()


def select_html(html: str) -> str:
    found = re.search(r'<select name="resonated_with".*?</select>', html, re.S)
    assert found, "the form has no story picker"
    return found.group(0)


# --- the picker on the form ------------------------------------------------------------


def test_without_published_stories_the_form_is_as_before(client):
    campaign = open_campaign()
    html = client.get(enter_url(campaign)).content.decode()
    assert 'name="resonated_with"' not in html
    assert "story-pick-messages" not in html
    assert "1. Which relay story resonated with you most?" in html  # the text box asks


def test_the_picker_lists_published_stories_of_this_and_earlier_runs(client, relay):
    html = client.get(enter_url(relay["this"])).content.decode()
    picker = select_html(html)
    ids = [int(v) for v in re.findall(r'<option value="(\d+)"', picker)]
    assert ids == [relay["bridge"].pk, relay["water"].pk, relay["finish"].pk]
    # Grouped by campaign, this run first; each option "km N — title — pen name".
    assert picker.index('label="The 2nd relay"') < picker.index('label="The 1st relay"')
    assert "km 12 — The water station — Kaori" in picker
    assert "Finish (42.195 km) — Last steps — Ken" in picker
    assert re.search(r'<option value="" selected>None of these', picker)
    # The search box gets every word it may match, and the km mark.
    water = re.search(rf'<option value="{relay["water"].pk}"[^>]*>', picker).group(0)
    assert 'data-km="12"' in water and "The water station（日本語）" in water
    # The free text stays, as the entrant's own words.
    assert 'name="resonated_story"' in html and "In your own words" in html
    assert 'id="story-pick-messages"' in html


def test_the_picker_speaks_the_page_language(client, relay):
    picker = select_html(client.get(enter_url(relay["this"], "ja")).content.decode())
    assert 'label="第1回リレー"' in picker
    with translation.override("ja"):
        water = relay_link.story_options(relay["this"])[1]
        assert water.title == "The water station（日本語）"
        assert water.label in picker
    assert "The water station（日本語）" in water.label and "Kaori" in water.label


def test_an_earlier_run_sees_none_of_the_later_runs(client, relay):
    picker = select_html(client.get(enter_url(relay["last"])).content.decode())
    ids = {int(v) for v in re.findall(r'<option value="(\d+)"', picker)}
    assert ids == {relay["water"].pk, relay["finish"].pk}


# --- sending a pick ----------------------------------------------------------------


def test_a_pick_is_stored_beside_the_free_text(client, relay):
    data = entry_data(
        altcha=solve_altcha(),
        resonated_with=str(relay["water"].pk),
        resonated_story="Her water cup came just when I needed it.",
        resonated_km="",
    )
    body = post(client, relay["this"], data).json()
    assert body["ok"] is True, body
    entry = Entry.objects.get(receipt=body["receipt"])
    assert entry.resonated_with == relay["water"]
    assert entry.resonated_story == "Her water cup came just when I needed it."
    assert entry.resonated_km == Decimal(12)  # filled from the pick when left empty


def test_a_km_the_entrant_gave_is_kept_and_free_text_is_optional(client, relay):
    data = entry_data(
        altcha=solve_altcha(),
        resonated_with=str(relay["finish"].pk),
        resonated_story="",
        resonated_km="41",
    )
    body = post(client, relay["this"], data).json()
    assert body["ok"] is True, body
    entry = Entry.objects.get(receipt=body["receipt"])
    assert entry.resonated_with == relay["finish"] and entry.resonated_km == Decimal(41)


def test_the_no_javascript_post_stores_the_pick(client, relay):
    data = entry_data(altcha=solve_altcha(), resonated_with=str(relay["bridge"].pk))
    response = post(client, relay["this"], data, js=False)
    entry = Entry.objects.exclude(story__isnull=False).get(campaign=relay["this"])
    assert response.status_code == 302 and response["Location"].endswith(f"{entry.receipt}/")
    assert entry.resonated_with == relay["bridge"]
    assert entry.resonated_km == Decimal(30)  # the entrant's own km stays


@pytest.mark.parametrize("which", ["later", "elsewhere", "draft", "missing", "junk"])
def test_a_story_that_may_not_be_named_is_refused_and_nothing_is_lost(client, relay, which):
    value = {"missing": "999999", "junk": "km 12"}.get(which) or str(relay[which].pk)
    data = entry_data(
        altcha=solve_altcha(), resonated_with=value, episode="Every word of my episode."
    )
    response = post(client, relay["this"], data)
    body = response.json()
    assert response.status_code == 400 and body["ok"] is False
    assert list(body["errors"]) == ["resonated_with"], body
    if which != "junk":
        assert GONE in body["errors"]["resonated_with"][0]
    assert sent() == 0


def test_a_story_unpublished_meanwhile_is_refused_on_its_field_with_everything_kept(client, relay):
    page = client.get(enter_url(relay["this"])).content.decode()
    assert f'value="{relay["water"].pk}"' in page
    services.unpublish(relay["water"], by=editor())
    data = entry_data(
        altcha=solve_altcha(),
        resonated_with=str(relay["water"].pk),
        resonated_story="The cup of water at km 12.",
        episode="A very long episode I must not lose.",
    )
    response = post(client, relay["this"], data, js=False)
    html = response.content.decode()
    assert response.status_code == 400
    assert sent() == 0
    field = re.search(r'id="field-resonated_with".*?</div>\s*</div>', html, re.S).group(0)
    assert GONE in field  # the message sits on the picker
    assert "The cup of water at km 12." in html and "A very long episode I must not lose." in html
    assert f'value="{relay["water"].pk}"' not in select_html(html)  # no longer offered
    # In the page's language (the catalogue's Japanese once merged).
    data["altcha"] = solve_altcha()
    body = post(client, relay["this"], data, lang="ja").json()
    with translation.override("ja"):
        assert body["errors"]["resonated_with"] == [translation.gettext(GONE_MESSAGE)]


def test_the_last_story_unpublished_still_gets_the_message(client):
    campaign = open_campaign()
    story = published_story(campaign, 9)
    services.unpublish(story, by=editor())
    data = entry_data(altcha=solve_altcha(), resonated_with=str(story.pk))
    body = post(client, campaign, data).json()
    assert GONE in body["errors"]["resonated_with"][0]


def test_a_km_without_free_text_needs_a_pick_or_words():
    from tasuki.entries.forms import EntryForm

    form = EntryForm(entry_data(resonated_story="", resonated_km="12"))
    assert not form.is_valid() and "resonated_story" in form.errors


# --- exactly once, with the pick part of the story ------------------------------------


def test_a_retry_is_recognised_even_if_the_story_came_down_since(client, relay):
    data = entry_data(altcha=solve_altcha(), resonated_with=str(relay["water"].pk))
    first = post(client, relay["this"], data).json()
    services.unpublish(relay["water"], by=editor())
    again = post(client, relay["this"], data).json()
    assert again["ok"] is True and again["receipt"] == first["receipt"]
    assert sent() == 1


def test_the_pick_is_part_of_the_story_the_digest_recognises(client, relay):
    this = relay["this"]
    water = entry_data(altcha=solve_altcha(), resonated_with=str(relay["water"].pk))
    first = post(client, this, water).json()
    # Back, then Send: the same story under a new key is the same entry.
    back = {**water, "submission_key": entry_data()["submission_key"], "altcha": solve_altcha()}
    assert post(client, this, back).json()["receipt"] == first["receipt"]
    # The same key with another pick is another story (a second tab), not a retry.
    other = {**water, "resonated_with": str(relay["bridge"].pk)}
    assert post(client, this, other).json()["code"] == "draft_already_sent"
    # A new key with another pick is a new entry.
    fresh = {**other, "submission_key": entry_data()["submission_key"], "altcha": solve_altcha()}
    body = post(client, this, fresh).json()
    assert body["ok"] is True and body["receipt"] != first["receipt"]
    assert Entry.objects.get(receipt=body["receipt"]).resonated_with == relay["bridge"]


def test_an_entry_without_a_pick_keeps_its_digest(relay):
    """Entries stored before the picker existed still recognise their retries."""
    from tasuki.entries.forms import EntryForm

    form = EntryForm(entry_data(), campaign=relay["this"])
    assert form.is_valid()
    without = entry_services.content_digest(relay["this"], form.cleaned_data)
    assert "resonated_with" in form.cleaned_data and form.cleaned_data["resonated_with"] is None
    data = {k: v for k, v in form.cleaned_data.items() if k != "resonated_with"}
    assert entry_services.content_digest(relay["this"], data) == without
    picked = {**form.cleaned_data, "resonated_with": relay["water"].pk}
    assert entry_services.content_digest(relay["this"], picked) != without


# --- the link goes on into the relay ---------------------------------------------------


def test_a_story_made_from_the_entry_carries_the_pick(client, relay):
    data = entry_data(altcha=solve_altcha(), resonated_with=str(relay["water"].pk))
    body = post(client, relay["this"], data).json()
    entry = Entry.objects.get(receipt=body["receipt"])
    from tasuki.review import services as review_services
    from tasuki.review.states import DecisionKind

    review_services.install_defaults(relay["this"])
    review = review_services.review_for(entry)
    review_services.decide(
        entry, by=editor("rev"), kind=DecisionKind.FEATURE, version=review.version
    )
    story = services.start_story(entry, by=editor())
    assert story.latest_revision.content["resonated_with"] == relay["water"].pk
    published = published_story(relay["this"], 20, entry=entry)
    assert published.resonated_with == relay["water"]


def test_the_manage_page_names_the_picked_story(client, relay):
    data = entry_data(altcha=solve_altcha(), resonated_with=str(relay["water"].pk))
    body = post(client, relay["this"], data).json()
    entry = Entry.objects.get(receipt=body["receipt"])
    from tasuki.entries.mail_links import manage_url

    url = manage_url(entry.pk, language="en")
    html = client.get(url[url.index("/en/") :]).content.decode()
    assert "The water station" in html
    services.unpublish(relay["water"], by=editor())
    html = client.get(url[url.index("/en/") :]).content.decode()
    assert "The water station" not in html  # a story taken down is not named
