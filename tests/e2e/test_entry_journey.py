"""An entrant on a phone, start to finish, in Japanese and in English.

Everything runs for real: gunicorn serves the pages, the worker re-encodes the
photos and sends the mail, an SMTP server catches it, Chromium drives the form
(including its proof of work) and axe-core checks every step.
"""

from __future__ import annotations

import re
import uuid

import pillow_heif
import pytest
from PIL import Image
from playwright.sync_api import expect

from tasuki.entries.models import Entry, EntryStatus, Photo
from tests.factories import open_campaign
from tests.fixtures.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.integration]

TEXT = {
    "en": {
        "title": "The kilometre I did not run alone",
        "episode": "At 35 km my legs stopped. A woman in a yellow jacket walked beside me.",
        "received": "your story has arrived",
        "confirmed": "confirmed",
        "withdrawn": "withdrawn",
    },
    "ja": {
        "title": "ひとりで走らなかった1キロ",
        "episode": "35キロで脚が止まったとき、黄色い上着の人が隣を歩いてくれました。",
        "received": "受付",
        "confirmed": "確認",
        "withdrawn": "取り下げ",
    },
}


def photo_files(tmp_path):
    pillow_heif.register_heif_opener()
    heic = tmp_path / "IMG_0001.HEIC"
    image = Image.new("RGB", (640, 480), (30, 90, 160))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated, as phones store portrait shots
    image.save(heic, format="HEIF", exif=exif.tobytes())
    jpeg = tmp_path / "finish.jpg"
    Image.new("RGB", (1200, 900), (200, 60, 40)).save(jpeg, "JPEG", quality=90)
    return [str(heic), str(jpeg)]


def fill(page, lang: str) -> str:
    """Fill in every field; returns the e-mail address, unique to this test."""
    t = TEXT[lang]
    email = f"runner-{lang}-{uuid.uuid4().hex[:8]}@example.com"
    page.select_option("#id_language", lang)
    page.fill(
        "#id_appeal", "The whole city cheers." if lang == "en" else "街じゅうが応援してくれること。"
    )
    page.fill("#id_episode", t["episode"])
    page.fill("#id_wishes", "Benches at the finish." if lang == "en" else "ゴールにベンチを。")
    page.fill("#id_tagline", "a thank-you letter" if lang == "en" else "感謝の手紙")
    page.fill("#id_title", t["title"])
    page.fill("#id_pen_name", "Blue Cap")
    page.select_option("#id_role", "runner")
    page.select_option("#id_country", "JP")
    page.fill("#id_real_name", "Test Runner")
    page.fill("#id_email", email)
    page.check('input[name="age_group"][value="adult"]')
    page.check("#id_accept_terms")
    return email


def links_from(message) -> dict:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return {kind: url for url, kind in re.findall(r"(http://\S+/(verify|manage)/\S+/)", body)}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_entrant_journey_on_a_phone(live_app, phone, transactional_db, tmp_path, lang):
    t = TEXT[lang]
    campaign = open_campaign()
    page = phone.new_page()
    form_url = f"{live_app.url}/{lang}/{campaign.slug}/enter/"
    page.goto(form_url)
    assert_accessible(page)

    email = fill(page, lang)
    page.set_input_files("#id_photos", photo_files(tmp_path))
    page.locator("#photo-list li.is-done").nth(1).wait_for()
    assert (
        page.locator("#id_episode_counter").inner_text().startswith(f"{len(t['episode'])} / 4000")
    )

    # Reload mid-way: the draft and the uploaded photos come back.
    page.wait_for_timeout(500)  # the draft is saved 300 ms after the last keystroke
    page.reload()
    assert page.input_value("#id_title") == t["title"]
    assert page.input_value("#id_episode") == t["episode"]
    assert page.locator("#photo-list li.is-done").count() == 2
    assert_accessible(page)

    # Offline: the entry is kept and sent when the connection returns.
    page.locator(
        "altcha-widget input[type=checkbox]:checked, input[name=altcha][value]"
    ).first.wait_for(state="attached")
    phone.set_offline(True)
    page.click("#submit-button")
    page.locator("#problem").wait_for(state="visible")
    assert Entry.objects.count() == 0
    assert_accessible(page)
    phone.set_offline(False)
    page.wait_for_url("**/receipt/**", timeout=30_000)
    assert t["received"] in page.content()
    receipt = page.locator("#receipt-number").inner_text()
    assert_accessible(page)

    entry = Entry.objects.get()
    assert entry.receipt == receipt and entry.language == lang
    assert Photo.objects.filter(entry=entry).count() == 2

    # The mail arrives through the worker and the real SMTP server.
    mine = live_app.smtp.wait_for_mail_to(email)
    assert len(mine) == 1 and receipt in mine[0]["Subject"]
    urls = links_from(mine[0])
    # Opening the link changes nothing (mail scanners open links); the button does.
    page.goto(urls["verify"])
    assert_accessible(page)
    entry.refresh_from_db()
    assert not entry.is_verified
    page.locator("form button[type=submit]").click()
    page.locator("[role=status]").wait_for()
    assert t["confirmed"] in page.locator("h1").inner_text()
    assert_accessible(page)
    entry.refresh_from_db()
    assert entry.is_verified

    page.goto(urls["manage"])
    assert t["title"] in page.content()
    page.locator(".photos-grid img").first.wait_for()
    assert_accessible(page)
    page.click('button[value="withdraw"]')
    page.locator(".note[role=status]").wait_for()
    assert t["withdrawn"] in page.locator(".note[role=status]").inner_text()
    assert_accessible(page)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN


def test_double_click_makes_one_entry(live_app, phone, transactional_db):
    campaign = open_campaign()
    page = phone.new_page()
    page.goto(f"{live_app.url}/en/{campaign.slug}/enter/")
    fill(page, "en")
    # The page's CSP forbids eval, so wait for the solved proof of work with a locator.
    expect(page.locator("input[name=altcha]")).to_have_value(re.compile(r".+"), timeout=30_000)
    page.dblclick("#submit-button")
    page.wait_for_url("**/receipt/**")
    page.go_back()
    page.wait_for_load_state()
    assert Entry.objects.count() == 1


def test_server_refusal_keeps_everything_typed(live_app, phone, transactional_db):
    campaign = open_campaign()
    page = phone.new_page()
    page.goto(f"{live_app.url}/en/{campaign.slug}/enter/")
    fill(page, "en")
    page.fill("#id_email", "not-an-address")
    page.click("#submit-button")
    page.locator("#id_email_errors .error").wait_for()
    assert "does not look like an e-mail address" in page.locator("#id_email_errors").inner_text()
    assert page.input_value("#id_title") == TEXT["en"]["title"]
    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    assert Entry.objects.count() == 0


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_dropped_connection_mid_upload_is_retried(
    live_app, phone, transactional_db, tmp_path, lang
):
    campaign = open_campaign()
    page = phone.new_page()
    dropped = []

    def drop_first(route):
        if not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/enter/photos/", drop_first)
    page.goto(f"{live_app.url}/{lang}/{campaign.slug}/enter/")
    page.fill("#id_title", TEXT[lang]["title"])
    jpeg = tmp_path / "photo.jpg"
    Image.new("RGB", (800, 600), (20, 20, 200)).save(jpeg, "JPEG")
    page.set_input_files("#id_photos", str(jpeg))
    retrying = "connection dropped" if lang == "en" else "接続"
    page.get_by_text(re.compile(retrying)).wait_for()
    page.locator("#photo-list li.is-done").wait_for(timeout=30_000)
    assert len(dropped) == 1
    assert Photo.objects.filter(entry__isnull=True).count() == 1
    assert page.input_value("#id_title") == TEXT[lang]["title"]
    assert_accessible(page)


def test_draft_time_is_japan_time_on_a_device_abroad(live_app, chromium, transactional_db):
    import datetime as dt
    from zoneinfo import ZoneInfo

    campaign = open_campaign()
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="America/New_York"
    )
    try:
        page = context.new_page()
        page.goto(f"{live_app.url}/en/{campaign.slug}/enter/")
        before = dt.datetime.now(ZoneInfo("Asia/Tokyo"))
        page.fill("#id_title", "Written in New York")
        expect(page.locator("#draft-status")).to_contain_text("Draft saved")
        after = dt.datetime.now(ZoneInfo("Asia/Tokyo"))
        shown = page.locator("#draft-status").inner_text()
        assert any(f"{t:%H:%M} JST" in shown for t in (before, after)), shown
    finally:
        context.close()


def test_cookies_cleared_mid_way_are_explained_and_the_draft_survives(
    live_app, phone, transactional_db
):
    campaign = open_campaign()
    page = phone.new_page()
    page.goto(f"{live_app.url}/en/{campaign.slug}/enter/")
    fill(page, "en")
    expect(page.locator("input[name=altcha]")).to_have_value(re.compile(r".+"), timeout=30_000)
    expect(page.locator("#draft-status")).to_contain_text("Draft saved")
    phone.clear_cookies()  # a privacy setting, or the entrant clearing site data
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.click("#submit-button")
    expect(page.locator("#problem")).to_contain_text("security cookie")
    assert page.input_value("#id_title") == TEXT["en"]["title"]
    assert_accessible(page)
    page.wait_for_timeout(6_000)  # longer than the retry delay after a server error
    assert len(posts) == 1  # told what to do, not retried in a loop that cannot succeed
    assert Entry.objects.count() == 0

    page.reload()  # as the message says: a fresh page brings a fresh cookie
    assert page.input_value("#id_title") == TEXT["en"]["title"]
    page.check("#id_accept_terms")
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**", timeout=30_000)
    assert Entry.objects.count() == 1
