"""An editor writes a story in a real browser, on a desktop, in Japanese and English:
sign in with a TOTP code, open the stories desk, make a story from a featured
entry, edit it beside the entrant's original in both languages (km mark, the
story that moved the author, alt text, the focal point set by clicking the
photo), preview it, publish it, edit it again and restore the published
revision. axe-core on every page.

Set TASUKI_SCREENSHOTS to a folder (docs/screenshots) to keep screenshots of the
desk, the editor (also at 390 px), the preview and the history.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tasuki.entries.models import PhotoStatus
from tasuki.mail.models import OutboxMessage
from tasuki.relay.models import Story, StoryState
from tests.e2e.conftest import wait_for_worker
from tests.e2e.test_review_journey import sign_in
from tests.factories import open_campaign
from tests.fixtures.browser import PHONE, assert_accessible
from tests.relay.factories import published_story
from tests.relay.test_editor_views import entry_with_photo
from tests.staff.conftest import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SHOTS = os.environ.get("TASUKI_SCREENSHOTS")
DESKTOP = {"width": 1280, "height": 800}

TEXTS = {
    "ja": {
        "title_ja": "一人で走らなかった一キロ",
        "lead_ja": "35キロで脚が止まったとき、見知らぬ人が隣を歩いてくれた。",
        "episode_ja": "35キロで脚が動かなくなり、知らない人が一キロ一緒に歩いてくれました。",
        "tagline_ja": "42キロの感謝状",
        "lead_en": "At 35 km a stranger walked beside me.",
        "alt_ja": "ゴール前で手を振るランナー",
        "alt_en": "A runner waving before the finish",
    },
}
TEXTS["en"] = TEXTS["ja"]


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport=DESKTOP)
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def storages(settings, tmp_path, live_app):
    """This process writes where the live app reads its entries' photos."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(live_app.private_root)},
        },
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }


def shot(page, name: str, lang: str, *, at: str | None = None) -> None:
    """A screenshot of the page as it is now, when asked for."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    if at:
        page.locator(at).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(folder / f"relay-editor-{name}-{lang}.png"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_editor_writes_previews_publishes_and_restores_a_story(
    live_app, desktop, transactional_db, storages, lang
):
    campaign = open_campaign()
    earlier = published_story(campaign, "5", title="The water station at five")
    entry = entry_with_photo(campaign, language="en", title="The kilometre I did not run alone")
    wait_for_worker()
    photo = entry.photos.get()
    assert photo.status == PhotoStatus.READY
    editor = make_staff(f"eri-{lang}", "editor")
    text = TEXTS[lang]
    base = f"{live_app.url}/{lang}/staff/relay/{campaign.slug}/"

    page = desktop.new_page()
    sign_in(page, live_app.url, lang, editor)

    # The desk: the featured entry is ready to write; the published story is listed.
    page.goto(base)
    expect(page.locator(".ready-list")).to_contain_text("The kilometre I did not run alone")
    expect(page.locator("table.stories")).to_contain_text("The water station at five")
    assert_accessible(page)
    shot(page, "desk", lang)

    # Make a story: the editor opens with the entrant's original beside both languages.
    page.locator(f"form[action$='/stories/{entry.pk}/start/'] button").click()
    page.wait_for_url(re.compile(rf".*/stories/{entry.pk}/$"))
    expect(page.locator("#row-episode .original")).to_contain_text("a stranger walked with me")
    expect(page.locator("#id_title_en")).to_have_value("The kilometre I did not run alone")
    assert_accessible(page)

    # Fill both languages, place it, link it, describe the photo, pick the focal point.
    for key in ("title_ja", "lead_ja", "episode_ja", "tagline_ja", "lead_en"):
        page.locator(f"#id_{key}").fill(text[key])
    expect(page.locator("#id_title_ja-count")).to_contain_text("12")  # the live counter
    page.locator("#id_km").select_option("21")
    page.locator("#id_resonated_with").select_option(str(earlier.pk))
    prefix = f"#id_photo-{photo.pk}-"
    page.locator(prefix + "alt_ja").fill(text["alt_ja"])
    page.locator(prefix + "alt_en").fill(text["alt_en"])
    picture = page.locator(".focal-frame img")
    picture.scroll_into_view_if_needed()
    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    expect(page.locator(prefix + "focal_x")).to_have_value(re.compile(r"^0\.2[45]\d$"))
    expect(page.locator(prefix + "focal_y")).to_have_value(re.compile(r"^0\.7[45]\d$"))
    shot(page, "edit", lang, at="#texts-h")
    page.set_viewport_size(PHONE)
    shot(page, "edit-phone", lang, at="#texts-h")
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)

    # Save and preview: the public page, marked as a preview.
    page.locator("button[name=then][value=preview]").click()
    page.wait_for_url(re.compile(r".*/preview/$"))
    expect(page.locator("#preview-banner")).to_be_visible()
    expect(page.locator("main h1")).to_contain_text(
        text["title_ja"] if lang == "ja" else "The kilometre I did not run alone"
    )
    assert page.locator("meta[name=robots]").get_attribute("content").startswith("noindex")
    assert_accessible(page)
    shot(page, "preview", lang)
    story = Story.objects.get(entry=entry)
    assert story.latest_revision.number == 2 and story.state == StoryState.DRAFT
    saved = story.latest_revision.content
    assert saved["km"] == "21" and saved["resonated_with"] == earlier.pk
    assert saved["photos"][0]["alt_ja"] == text["alt_ja"]
    assert saved["photos"][0]["focal_x"].startswith(("0.24", "0.25"))

    # Publish: asked first, then live, and the author is told.
    page.locator("#preview-banner a").first.click()
    page.locator(f"a[href$='/stories/{entry.pk}/publish/']").click()
    expect(page.locator("#confirm-h")).to_be_visible()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(rf".*/stories/{entry.pk}/$"))
    expect(page.locator(".messages")).to_be_visible()
    public = page.locator(".publish-box a")
    expect(public).to_have_attribute("href", re.compile(rf"/{campaign.slug}/"))
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED and story.live_revision.number == 2
    assert OutboxMessage.objects.filter(kind="story_published", entry=entry).count() == 1

    # Edit again: a new draft, marked as not yet published.
    page.locator("#id_lead_en").fill("A stranger walked the 35th kilometre with me.")
    page.locator("button[name=then][value=edit]").click()
    expect(page.locator(".changes-mark")).to_be_visible()
    story.refresh_from_db()
    assert story.latest_revision.number == 3 and story.live_revision.number == 2
    assert_accessible(page)

    # The history: compare the published revision, then restore it.
    page.locator(".story-nav a[href$='/history/']").click()
    page.locator("a[href='?compare=2#compare']").click()
    expect(page.locator("#compare del").first).to_be_visible()
    expect(page.locator("#compare dd[lang=en]").first).to_contain_text("35")
    assert_accessible(page)
    shot(page, "history", lang)
    page.locator("form:has(input[name=revision][value='2']) button").click()
    page.wait_for_url(re.compile(rf".*/stories/{entry.pk}/$"))
    story.refresh_from_db()
    latest = story.latest_revision
    assert latest.number == 4 and latest.restored_from.number == 2
    assert latest.content["lead_en"] == text["lead_en"]
    expect(page.locator("#id_lead_en")).to_have_value(text["lead_en"])
    assert_accessible(page)
