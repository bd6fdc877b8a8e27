"""A reader on a phone walks the relay: the landing, the course list and a map
marker, a story, "next runner" to the finish, "inspired by" back, the other
language; axe-core finds nothing on any page, and nothing comes from another site.

Set TASUKI_SCREENSHOTS to a folder (docs/screenshots) to keep screenshots of the
landing, course, story and connections pages at 390 and 1280 px in both languages.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tasuki.campaigns.demo import DEMO_FILE
from tasuki.campaigns.models import Course, EntryPeriod, Series
from tasuki.campaigns.services import add_landmark, rebuild_course_marks
from tasuki.entries import services as entry_services
from tasuki.entries.demo_photos import make_demo_photo
from tasuki.relay import services
from tests.factories import open_campaign
from tests.fixtures.browser import PHONE, assert_accessible
from tests.relay.factories import bilingual, draft, editor, featured_entry

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SHOTS = os.environ.get("TASUKI_SCREENSHOTS")

#: Last year's relay: (km, title ja, title en, pen name, quote ja, quote en, links to km, photo)
STORIES = [
    ("0", "号砲の前の静けさ", "The hush before the gun", "朝霧", "スタートの前、街が息を止めた。",
     "Before the start, the whole city held its breath.", None, True),
    ("5", "初めての給水", "My first water station", "Mika", "紙コップひとつで、また走れた。",
     "One paper cup, and I could run again.", "0", False),
    ("10", "太鼓のリズム", "The drummers' rhythm", "太鼓好き", "太鼓の音で足が前に出た。",
     "The drums carried my legs forward.", "5", True),
    ("21", "折り返しの手紙", "A letter at halfway", "Hana", "半分の地点で、母の字を読んだ。",
     "At halfway I read my mother's handwriting.", "5", False),
    ("30", "三十キロの壁", "The wall at 30 km", "ゆっくり走者", "見知らぬ人が一緒に歩いてくれた。",
     "A stranger walked beside me.", "21", True),
    ("38", "橋の上の声援", "Cheers on the bridge", "Ken", "名前を呼ばれて、顔を上げた。",
     "Someone called my name and I looked up.", "10", False),
    ("42.195", "ゴールの向こう側", "Beyond the finish line", "ボランティアの桜",
     "最後のランナーまで拍手を送った。", "We clapped until the very last runner.", "30", True),
]  # fmt: skip


def ready_photo(entry, seed: int):
    data = make_demo_photo(seed, width=1200, height=900)
    photo = entry_services.store_photo(
        submission_key=entry.submission_key, file=io.BytesIO(data), size=len(data), enqueue=False
    )
    photo.entry = entry
    photo.save(update_fields=["entry"])
    entry_services.process_photo(photo.pk)
    photo.refresh_from_db()
    return photo


def with_demo_course(campaign):
    data = json.loads(Path(DEMO_FILE).read_text(encoding="utf-8"))["course"]
    course = Course.objects.create(
        campaign=campaign, line=data["line"], distance_km=Decimal(str(data["distance_km"]))
    )
    rebuild_course_marks(course)
    for landmark in data["landmarks"][:4]:
        add_landmark(
            course,
            name_ja=landmark["name_ja"],
            name_en=landmark["name_en"],
            longitude=landmark["longitude"],
            latitude=landmark["latitude"],
        )
    return campaign


@pytest.fixture
def relay(transactional_db, live_app, settings):
    """Last year's relay (closed, seven stories linked in chains, four with photos)
    and this year's (open, with no story of its own yet)."""
    # Published here, served there: the live app's public folder.
    public = live_app.private_root.parent / "live-public"
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(public), "base_url": "/media/public/"},
        },
    }
    series = Series.objects.create(slug="tcm", name_ja="東京シティマラソン", name_en="Tokyo City")
    last = with_demo_course(
        open_campaign(
            series=series,
            run_number=1,
            name_ja="ストーリーリレー2025",
            name_en="Story Relay 2025",
        )
    )
    by = editor()
    made: dict[str, object] = {}
    for seed, (km, title_ja, title_en, pen, quote_ja, quote_en, link, photo) in enumerate(STORIES):
        entry = featured_entry(last, pen_name=pen)
        if photo:
            ready_photo(entry, 7000 + seed)
        story = services.start_story(entry, by=by)
        photos = [
            {
                **item,
                "alt_ja": "朝の沿道を走るランナーたちの絵",
                "alt_en": "Runners on a street at dawn",
            }
            for item in story.latest_revision.content["photos"]
        ]
        content = bilingual(title_en, title_ja=title_ja, quote_ja=quote_ja, quote_en=quote_en)
        draft(
            story,
            by=by,
            km=km,
            photos=photos,
            pen_name=pen,
            resonated_with=made[link].pk if link else None,
            lead_ja="沿道とコースのあいだで生まれた、小さな物語です。",
            lead_en="A small story from between the course and the crowd.",
            **{k: v for k, v in content.items() if not k.startswith("lead_")},
        )
        made[km] = services.publish(story, by=by)
    a_year_ago = timezone.now() - dt.timedelta(days=365)
    EntryPeriod.objects.filter(campaign=last).update(
        opens_at=a_year_ago - dt.timedelta(days=40), closes_at=a_year_ago
    )
    this = with_demo_course(
        open_campaign(
            series=series,
            run_number=2,
            name_ja="ストーリーリレー2026",
            name_en="Story Relay 2026",
        )
    )
    return last, this, made


def test_a_reader_walks_the_relay_on_a_phone(live_app, phone, relay):
    last, this, made = relay
    page = phone.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    # The landing: this year has no story yet, so last year's relay is shown.
    page.goto(f"{live_app.url}/ja/{this.slug}/")
    # (Texts are compared with the page's own data: the catalogue this process loaded
    # at start-up may differ from the live app's while translations are merged.)
    expect(page.locator("#relay-heading")).to_be_visible()
    expect(page.locator(".relay")).to_contain_text(last.name_ja)
    expect(page.locator(".story-card")).to_have_count(len(STORIES) - 1)  # the latest six
    assert_accessible(page)

    # The course: an ordered list, one link per story, km order.
    page.locator(f'.relay-links a[href="/ja/{this.slug}/course/"]').click()
    page.wait_for_url(f"**/ja/{this.slug}/course/")
    items = page.locator("ol.course-list > li > a")
    expect(items).to_have_count(len(STORIES))
    expect(items.first).to_contain_text("号砲の前の静けさ")
    expect(items.last).to_contain_text("42.195")
    assert_accessible(page)
    items.nth(1).click()
    page.wait_for_url(f"**/ja/{last.slug}/stories/{made['5'].slug}/")
    expect(page.locator("h1")).to_have_text("初めての給水")
    assert_accessible(page)
    page.go_back()

    # A map marker, with the keyboard: it is a focusable link with a name.
    marker = page.locator('a.course-marker[data-km="21"]')
    expect(marker).to_have_attribute("aria-label", re.compile("21.*折り返しの手紙 — Hana"))
    marker.focus()
    expect(marker).to_be_focused()
    ring = marker.locator(".marker-ring").evaluate("e => getComputedStyle(e).stroke")
    assert ring != "none" and ring != "rgba(0, 0, 0, 0)"  # a visible focus ring
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/ja/{last.slug}/stories/{made['21'].slug}/")
    expect(page.locator(".story-km a")).to_have_text(last.name_ja)  # names its campaign
    assert_accessible(page)

    # Next runner, to the finish.
    visited = [page.url]
    while page.locator('a[rel="next"]').count():
        page.locator('a[rel="next"]').click()
        page.wait_for_load_state()
        visited.append(page.url)
        assert_accessible(page)
    assert [url.rsplit("/", 2)[-2] for url in visited] == [
        made[km].slug for km in ("21", "30", "38", "42.195")
    ]
    expect(page.locator(".km-badge")).to_contain_text("42.195")
    expect(page.locator('a[rel="prev"]')).to_have_count(1)

    # Inspired by, and back the other way.
    page.locator("a.inspired-by").click()
    page.wait_for_url(f"**/ja/{last.slug}/stories/{made['30'].slug}/")
    expect(page.locator(".inspired-list")).to_contain_text("ゴールの向こう側")
    assert_accessible(page)

    # The same story in English.
    page.locator('.langs a[hreflang="en"]').click()
    page.wait_for_url(f"**/en/{last.slug}/stories/{made['30'].slug}/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("h1")).to_have_text("The wall at 30 km")
    expect(page.locator(".runners")).to_contain_text("Previous runner")
    assert_accessible(page)

    # The chains of connection, readable without the picture.
    page.goto(f"{live_app.url}/en/{this.slug}/connections/")
    expect(page.locator(".connections-graph")).to_have_attribute("role", "img")
    expect(page.locator("section.chain ol").first.locator("a").first).to_contain_text(
        "The hush before the gun"
    )
    assert_accessible(page)

    # A printed story is its text: no navigation, no masthead.
    page.goto(f"{live_app.url}/en/{last.slug}/stories/{made['10'].slug}/")
    page.emulate_media(media="print")
    expect(page.locator(".runners")).to_be_hidden()
    expect(page.locator(".masthead")).to_be_hidden()
    expect(page.locator("article.story h1")).to_be_visible()
    page.emulate_media(media="screen")

    # Nothing came from anywhere but this site.
    foreign = [url for url in requests if not url.startswith((live_app.url, "data:"))]
    assert foreign == []


def test_pictures_hold_their_place_while_they_load(live_app, phone, relay):
    """Every image has its size set, so the text never jumps when it arrives."""
    last, _this, made = relay
    page = phone.new_page()
    page.goto(f"{live_app.url}/en/{last.slug}/stories/{made['0'].slug}/")
    hero = page.locator(".story-hero img")
    expect(hero).to_have_attribute("width", "1200")
    expect(hero).to_have_attribute("alt", "Runners on a street at dawn")
    assert page.locator(".story-hero source[type='image/webp']").count() == 1
    for image in page.locator("img").all():
        assert image.get_attribute("width") and image.get_attribute("height")
    hero.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    natural = hero.evaluate("e => e.complete && e.naturalWidth")
    assert natural and natural > 0  # the public rendition was served


PAGES = {
    "landing": "/{lang}/{this}/",
    "course": "/{lang}/{this}/course/",
    "story": "/{lang}/{last}/stories/{story}/",
    "connections": "/{lang}/{this}/connections/",
}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_every_relay_page_at_phone_and_desktop_width(live_app, chromium, relay, lang, tmp_path):
    """Zero axe violations at both widths; the screenshots are kept when asked for."""
    last, this, made = relay
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for width, viewport in ((390, PHONE), (1280, {"width": 1280, "height": 900})):
        context = chromium.new_context(
            viewport=viewport, device_scale_factor=1, is_mobile=width == 390, has_touch=width == 390
        )
        page = context.new_page()
        for name, pattern in PAGES.items():
            path = pattern.format(lang=lang, this=this.slug, last=last.slug, story=made["10"].slug)
            page.goto(f"{live_app.url}{path}")
            page.wait_for_load_state("networkidle")
            assert_accessible(page)
            page.screenshot(path=str(folder / f"relay-{name}-{lang}-{width}.png"), full_page=True)
        context.close()
