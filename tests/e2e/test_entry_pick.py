"""An entrant on a phone picks the relay story that moved them, with the keyboard.

The form's first question becomes a search box once stories are published: a
km number or a word of a title narrows the list, the arrow keys and Enter
choose, the km mark fills itself in, the draft keeps the pick over a reload,
and the entry that arrives is linked to the story. axe-core checks the page
with the list closed and open.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tasuki.campaigns.models import Series
from tasuki.entries.models import Entry
from tests.e2e.test_entry_journey import fill
from tests.e2e.test_entry_resilience import snap
from tests.factories import open_campaign
from tests.fixtures.browser import PHONE, assert_accessible
from tests.relay.factories import published_story

pytestmark = [pytest.mark.browser, pytest.mark.integration]

QUERIES = {
    "en": {"km": "km 12", "word": "bridge"},
    "ja": {"km": "12キロ", "word": "橋"},
}


@pytest.fixture
def relay(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }
    series = Series.objects.create(slug="relay", name_ja="ストーリーリレー", name_en="Story Relay")
    # A number in a campaign's name must not make its stories match a km search.
    last = open_campaign(
        slug="last", series=series, run_number=1, name_en="Relay 2012", name_ja="リレー2012"
    )
    this = open_campaign(slug="this", series=series, run_number=2)
    water = published_story(
        last, 12, title="The water station", title_ja="給水所の笑顔", pen_name="Kaori"
    )
    published_story(last, 30, title="Over the bridge", title_ja="橋を渡って", pen_name="Mika")
    published_story(this, 2, title="First light", title_ja="夜明け", pen_name="Ren")
    return this, water


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_entrant_picks_a_story_with_the_keyboard(live_app, phone, transactional_db, relay, lang):
    campaign, water = relay
    q = QUERIES[lang]
    page = phone.new_page()
    page.goto(f"{live_app.url}/{lang}/{campaign.slug}/enter/")
    box = page.locator("#id_resonated_with_search")
    options = page.locator("#story-pick-list [role=option]:visible")
    expect(box).to_have_attribute("role", "combobox")
    expect(page.locator("#id_resonated_with")).to_be_hidden()  # the <select> gives way
    assert page.locator("label[for=id_resonated_with_search]").count() == 1
    assert_accessible(page)

    # A word of a title finds that story alone (the list then ends with "none of these").
    box.focus()
    page.keyboard.type(q["word"])
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options).to_have_count(2)
    assert "Mika" in options.first.inner_text()
    expect(page.locator("#story-pick-status")).not_to_be_empty()
    assert_accessible(page)
    snap(page, "story-search", lang, "#field-resonated_with")
    page.keyboard.press("Escape")  # closes the list
    expect(box).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Escape")  # empties the box
    expect(box).to_have_value("")

    # A km number, then the arrow key and Enter.
    page.keyboard.type(q["km"])
    expect(options).to_have_count(2)
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", f"story-option-{water.pk}")
    expect(page.locator(f"#story-option-{water.pk}")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value(page.locator(f"#story-option-{water.pk}").inner_text())
    assert "Kaori" in box.input_value()
    assert page.input_value("#id_resonated_with") == str(water.pk)
    assert page.input_value("#id_resonated_km") == "12"  # filled from the pick
    expect(page.locator("#story-pick-status")).to_contain_text("Kaori")
    snap(page, "story-picked", lang, "#field-resonated_with")
    assert page.locator("#entry-form").count() == 1 and Entry.objects.count() == 3  # not sent
    assert_accessible(page)

    # The draft keeps the pick over a reload.
    fill(page, lang)
    # The draft is written a moment after the last keystroke: wait until it holds the pick.
    page.wait_for_function(
        "([key, pick]) => (localStorage.getItem(key) || '').includes(pick)",
        arg=[f"tasuki:draft:{campaign.slug}", f'"{water.pk}"'],
    )
    page.reload()
    expect(box).to_have_value(page.locator(f"#story-option-{water.pk}").inner_text())
    assert page.input_value("#id_resonated_with") == str(water.pk)

    page.locator(
        "altcha-widget input[type=checkbox]:checked, input[name=altcha][value]"
    ).first.wait_for(state="attached")
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**", timeout=30_000)
    entry = Entry.objects.get(receipt=page.locator("#receipt-number").inner_text())
    assert entry.resonated_with_id == water.pk
    assert entry.resonated_km == 12


def test_a_story_taken_down_meanwhile_is_refused_on_its_field_and_nothing_is_lost(
    live_app, phone, transactional_db, relay
):
    from tasuki.relay import services
    from tests.relay.factories import editor

    campaign, water = relay
    page = phone.new_page()
    page.goto(f"{live_app.url}/en/{campaign.slug}/enter/")
    fill(page, "en")
    page.fill("#id_resonated_story", "Her smile at the water station.")
    box = page.locator("#id_resonated_with_search")
    box.focus()
    page.keyboard.type("water")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#id_resonated_with") == str(water.pk)

    services.unpublish(water, by=editor())  # an editor takes it down meanwhile
    page.locator(
        "altcha-widget input[type=checkbox]:checked, input[name=altcha][value]"
    ).first.wait_for(state="attached")
    page.click("#submit-button")
    errors = page.locator("#id_resonated_with_errors")
    expect(errors).to_contain_text("no longer published")
    expect(page.locator("#problem")).to_be_visible()
    expect(box).to_have_attribute("aria-invalid", "true")
    # Nothing is lost but the pick, which can no longer be made.
    assert page.input_value("#id_resonated_story") == "Her smile at the water station."
    assert page.input_value("#id_resonated_km") == "12"
    expect(box).to_have_value("")
    expect(page.locator(f"#story-option-{water.pk}")).to_have_count(0)
    assert_accessible(page)

    page.click("#submit-button")  # sent without a pick
    page.wait_for_url("**/receipt/**", timeout=30_000)
    entry = Entry.objects.get(receipt=page.locator("#receipt-number").inner_text())
    assert entry.resonated_with is None
    assert entry.resonated_story == "Her smile at the water station."


def test_without_javascript_the_select_is_the_picker(live_app, chromium, transactional_db, relay):
    campaign, water = relay
    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_app.url}/ja/{campaign.slug}/enter/")
        select = page.locator("#id_resonated_with")
        expect(select).to_be_visible()
        assert page.locator("#id_resonated_with_search").count() == 0
        assert page.locator("#id_resonated_with optgroup").count() == 2
        select.select_option(str(water.pk))  # the keyboard and the phone's own picker work
        assert select.input_value() == str(water.pk)
        expect(page.locator("#id_resonated_story")).to_be_visible()  # the free text stays
        # (axe needs JavaScript; the select's name comes from its label and its help.)
        assert page.locator("label[for=id_resonated_with]").count() == 1
        expect(select).to_have_attribute("aria-describedby", "id_resonated_with_helptext")
    finally:
        context.close()
