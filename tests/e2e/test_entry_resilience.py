"""The entry form on a bad day: failing servers, a phone going offline, two tabs,
the Back button after the receipt, refused and expired photos, and the robot
check on uploads. Real gunicorn, worker and Chromium; page.route stands in for
a failing server or proxy only where the live app cannot be made to fail.

Set TASUKI_SCREENSHOTS to a folder to keep phone and desktop screenshots of the
states these tests reach.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tasuki.entries.models import Entry, Photo
from tests.e2e.test_entry_journey import TEXT, fill
from tests.factories import open_campaign
from tests.fixtures.browser import CHROMIUM, LAUNCH_ARGS, PHONE, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SHOTS = os.environ.get("TASUKI_SCREENSHOTS")


def snap(page, name: str, lang: str, target: str) -> None:
    """Phone and desktop screenshots around ``target``, when asked for."""
    if not SHOTS:
        return
    folder = Path(SHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    for size, viewport in (("phone", PHONE), ("desktop", {"width": 1280, "height": 800})):
        page.set_viewport_size(viewport)
        page.locator(target).first.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(folder / f"{size}-{lang}-{name}.png"))
    page.set_viewport_size(PHONE)


def form_url(live_app, campaign, lang: str = "en") -> str:
    return f"{live_app.url}/{lang}/{campaign.slug}/enter/"


def filled_form(context, live_app, campaign, lang: str = "en"):
    """A new tab with the entry form open and every answer filled in."""
    page = context.new_page()
    page.goto(form_url(live_app, campaign, lang))
    fill(page, lang)
    return page


def add_photo(page, path: str) -> None:
    """Choose a photo and wait until it has uploaded."""
    page.set_input_files("#id_photos", path)
    page.locator("#photo-list li.is-done").wait_for()


def robot_solved(page) -> None:
    # The page's CSP forbids eval, so wait for the solved proof of work with a locator.
    expect(page.locator("input[name=altcha]")).to_have_value(re.compile(r".+"), timeout=30_000)


def draft_saved(page) -> None:
    expect(page.locator("#draft-status")).to_contain_text(
        re.compile(r"Draft saved|下書きを保存"), timeout=10_000
    )


def jpeg(tmp_path, name: str = "photo.jpg", colour=(20, 20, 200)) -> str:
    path = tmp_path / name
    Image.new("RGB", (800, 600), colour).save(path, "JPEG")
    return str(path)


def field(post_data: bytes | None, name: str) -> str | None:
    """One field of a multipart body, or None."""
    text = (post_data or b"").decode("utf-8", "replace")
    found = re.search(rf'name="{name}"\r\n\r\n([^\r]*)\r\n', text)
    return found.group(1) if found else None


def entry_posts(page) -> list:
    """The entry POSTs this page makes (not uploads), as requests."""
    posts = []
    page.on(
        "request",
        lambda r: posts.append(r) if r.method == "POST" and r.url.endswith("/enter/") else None,
    )
    return posts


def stop_the_clock(page) -> None:
    """From now on the page's timers fire only when the test moves its clock on."""
    page.clock.install()
    page.clock.pause_at(dt.datetime.now() + dt.timedelta(seconds=1))


def wait_until(predicate, page, timeout_ms: int = 10_000) -> None:
    for _ in range(timeout_ms // 100):
        if predicate():
            return
        page.wait_for_timeout(100)
    assert predicate()


# --- item 4: retry only what can succeed, with back-off and a cap ------------------------


def test_an_answer_that_cannot_succeed_stops_the_retries(live_app, phone, transactional_db):
    campaign = open_campaign()
    page = phone.new_page()
    message = (
        "Something in this entry cannot be saved as it is, and sending it again will not help. "
        "Please write to office@example.org."
    )
    page.route(
        "**/enter/",
        lambda route: (
            route.fulfill(
                status=500,
                content_type="application/json",
                body=json.dumps(
                    {"ok": False, "code": "unsaveable", "message": message, "retry": False}
                ),
            )
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    page.goto(form_url(live_app, campaign))
    fill(page, "en")
    robot_solved(page)
    posts = entry_posts(page)
    stop_the_clock(page)
    page.click("#submit-button")
    expect(page.locator("#problem")).to_contain_text("cannot be saved as it is")
    page.clock.fast_forward(15 * 60_000)  # a quarter of an hour on the page's clock
    page.wait_for_timeout(500)
    assert len(posts) == 1  # told what to do, not resent in a loop that cannot succeed
    assert page.input_value("#id_title") == TEXT["en"]["title"]
    expect(page.locator("#submit-button")).to_be_enabled()
    page.clock.resume()  # axe-core needs its timers
    assert_accessible(page)
    assert Entry.objects.count() == 0


def test_a_failing_proxy_is_retried_with_back_off_then_left_to_the_entrant(
    live_app, phone, transactional_db
):
    campaign = open_campaign()
    page = phone.new_page()
    failing = {"on": True}

    def proxy(route):
        if route.request.method == "POST" and failing["on"]:
            route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")
        else:
            route.continue_()

    page.route("**/enter/", proxy)
    page.goto(form_url(live_app, campaign))
    fill(page, "en")
    robot_solved(page)
    posts = entry_posts(page)
    stop_the_clock(page)
    page.click("#submit-button")
    for attempt, seconds in enumerate([5, 10, 20, 40, 60, 60, 60, 60, 60, 60], start=1):
        wait_until(lambda n=attempt: len(posts) == n, page)
        expect(page.locator("#submit-status")).to_have_text(
            f"We will try again by ourselves in {seconds} seconds."
        )
        page.clock.fast_forward(seconds * 1000 - 200)
        page.wait_for_timeout(200)
        assert len(posts) == attempt, f"resent before {seconds} s"
        page.clock.fast_forward(200)
    wait_until(lambda: len(posts) == 11, page)
    expect(page.locator("#problem")).to_contain_text("press Send again a little later")
    page.clock.fast_forward(30 * 60_000)
    page.wait_for_timeout(500)
    assert len(posts) == 11  # one by the entrant, ten automatic, then no more
    page.clock.resume()  # axe-core needs its timers
    assert_accessible(page)

    failing["on"] = False  # the proxy is back; the entrant presses Send as asked
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**")
    assert Entry.objects.get().title == TEXT["en"]["title"]


# --- item 5: the arrival proof goes with every later send of the same key ----------------


def test_the_arrival_proof_is_kept_with_the_draft_and_sent_again(live_app, phone, transactional_db):
    campaign = open_campaign()
    page = phone.new_page()
    answered = []

    def first_fails(route):
        if route.request.method == "POST" and not answered:
            answered.append(route.request)
            route.fulfill(
                status=503,
                content_type="application/json",
                body=json.dumps(
                    {
                        "ok": False,
                        "code": "unavailable",
                        "retry": True,
                        "arrival": "signed-arrival-proof",
                        "message": "We could not save your entry just now. Nothing is lost.",
                    }
                ),
            )
        else:
            route.continue_()

    page.route("**/enter/", first_fails)
    page.goto(form_url(live_app, campaign))
    fill(page, "en")
    robot_solved(page)
    page.click("#submit-button")
    expect(page.locator("#problem")).to_contain_text("Nothing is lost")
    key = page.input_value("input[name=submission_key]")
    assert field(answered[0].post_data_buffer, "arrival") is None

    # The phone closes the tab before the automatic retry; the draft comes back.
    page.close()
    page = phone.new_page()
    page.route("**/enter/", first_fails)
    posts = entry_posts(page)
    page.goto(form_url(live_app, campaign))
    assert page.input_value("input[name=submission_key]") == key
    robot_solved(page)
    page.check("#id_accept_terms")
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**")
    assert field(posts[0].post_data_buffer, "arrival") == "signed-arrival-proof"
    assert field(posts[0].post_data_buffer, "submission_key") == key
    assert Entry.objects.count() == 1


# --- item 9: Back after the receipt, then Send ---------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_back_after_the_receipt_leads_to_the_same_receipt(
    live_app, phone, transactional_db, tmp_path, lang
):
    campaign = open_campaign()
    page = filled_form(phone, live_app, campaign, lang)
    add_photo(page, jpeg(tmp_path))
    robot_solved(page)
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**")
    receipt_url = page.url
    receipt = page.locator("#receipt-number").inner_text()

    page.go_back()
    page.wait_for_load_state()
    notice = page.locator("#sent-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(receipt)
    expect(notice.locator("a")).to_have_attribute("href", re.compile(f"/receipt/{receipt}/"))
    expect(page.locator("#submit-status")).to_contain_text(receipt)  # where Back lands
    assert_accessible(page)
    snap(page, "already-sent", lang, "#submit-button")
    page.click("#submit-button")
    page.wait_for_url(receipt_url)
    assert Entry.objects.count() == 1

    # Back again, then a reload: still recognised, still one entry.
    page.go_back()
    page.wait_for_load_state()
    page.reload()
    page.wait_for_load_state()
    restored = bool(page.input_value("#id_title"))
    if restored:
        expect(page.locator("#sent-notice")).to_contain_text(receipt)
    page.check("#id_accept_terms")
    page.click("#submit-button")
    if restored:  # the browser filled the story back in: Send leads to its receipt
        page.wait_for_url(receipt_url)
    else:  # an empty form: Send is refused for the missing answers, nothing is made
        expect(page.locator("#problem")).to_be_visible()
    assert Entry.objects.count() == 1


def test_back_to_the_page_kept_in_memory_is_also_recognised(live_app, chromium, transactional_db):
    """Browsers that keep the page itself in memory (bfcache, as Safari does even
    for no-store pages) show it exactly as it was when the entry left."""
    campaign = open_campaign()
    # Playwright turns the back/forward cache off by default; this browser keeps it.
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        args=LAUNCH_ARGS,
        headless=True,
        ignore_default_args=["--disable-back-forward-cache"],
    )
    try:
        page = browser.new_context(viewport=PHONE).new_page()
        loads = []

        def cacheable(route):  # let Chromium keep the form page in its back/forward cache
            if route.request.method != "GET":
                route.continue_()
                return
            loads.append(route.request.url)
            response = route.fetch()
            headers = {k: v for k, v in response.headers.items() if k.lower() != "cache-control"}
            route.fulfill(response=response, headers=headers)

        page.route("**/enter/", cacheable)
        page.goto(form_url(live_app, campaign))
        fill(page, "en")
        robot_solved(page)
        page.click("#submit-button")
        page.wait_for_url("**/receipt/**")
        receipt_url = page.url
        page.go_back(wait_until="commit")  # a page from memory fires no "load"
        expect(page.locator("#sent-notice")).to_be_visible()
        assert len(loads) == 1, "the form was loaded again, not taken from memory"
        expect(page.locator("#submit-button")).to_be_enabled()
        assert_accessible(page)
        page.click("#submit-button")
        page.wait_for_url(receipt_url)
        assert Entry.objects.count() == 1
    finally:
        browser.close()


def test_after_back_the_entrant_can_start_a_new_entry(live_app, phone, transactional_db):
    campaign = open_campaign()
    page = phone.new_page()
    page.goto(form_url(live_app, campaign))
    fill(page, "en")
    robot_solved(page)
    sent_key = page.input_value("input[name=submission_key]")
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**")
    page.go_back()
    expect(page.locator("#sent-notice")).to_be_visible()
    page.locator("#sent-notice").get_by_role("button", name="Write a new entry").click()
    expect(page.locator("#sent-notice")).to_be_hidden()
    assert page.input_value("#id_title") == ""
    assert page.input_value("input[name=submission_key]") not in ("", sent_key)
    assert_accessible(page)
    fill(page, "en")
    page.fill("#id_title", "A second, different story")
    robot_solved(page)
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**")
    assert sorted(Entry.objects.values_list("title", flat=True)) == sorted(
        ["A second, different story", TEXT["en"]["title"]]
    )


def test_a_lost_answer_then_a_closed_tab_leads_back_to_the_receipt(
    live_app, phone, transactional_db, tmp_path
):
    """The entry arrived but its answer was lost on the way back, and the tab was
    closed before the automatic retry: the restored draft knows it was sent."""
    campaign = open_campaign()
    page = phone.new_page()

    def answer_lost(route):
        if route.request.method == "POST":
            route.fetch()  # the server takes the entry...
            route.abort("connectionreset")  # ...and the answer never arrives
        else:
            route.continue_()

    page.route("**/enter/", answer_lost)
    page.goto(form_url(live_app, campaign))
    fill(page, "en")
    add_photo(page, jpeg(tmp_path))
    robot_solved(page)
    page.click("#submit-button")
    expect(page.locator("#problem")).to_be_visible()
    entry = Entry.objects.get()
    page.close()

    page = phone.new_page()
    page.goto(form_url(live_app, campaign))
    expect(page.locator("#photo-list li.is-attached")).to_have_count(1)
    expect(page.locator("#sent-notice")).to_contain_text("already been sent")
    assert_accessible(page)
    page.click("#submit-button")
    page.wait_for_url(f"**/receipt/{entry.receipt}/")
    assert Entry.objects.count() == 1


def test_a_new_key_with_the_same_story_gets_the_same_receipt(live_app, phone, transactional_db):
    """Another device or a cleared storage: the server knows the story (duplicate)."""
    campaign = open_campaign()
    page = phone.new_page()
    page.goto(form_url(live_app, campaign))
    email = fill(page, "en")
    robot_solved(page)
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**")
    first = page.url

    other = phone.browser.new_context(viewport=PHONE)
    try:
        page = other.new_page()
        page.goto(form_url(live_app, campaign))
        fill(page, "en")
        page.fill("#id_email", email)
        robot_solved(page)
        page.click("#submit-button")
        page.wait_for_url("**/receipt/**")
        assert page.url == first
        assert Entry.objects.count() == 1
    finally:
        other.close()


# --- item 7: two tabs, one draft ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_two_tabs_with_different_stories_make_two_entries(
    live_app, phone, transactional_db, tmp_path, lang
):
    campaign = open_campaign()
    first = filled_form(phone, live_app, campaign, lang)
    add_photo(first, jpeg(tmp_path, "first.jpg"))
    draft_saved(first)

    second = phone.new_page()  # the same draft opens in a second tab
    second.goto(form_url(live_app, campaign, lang))
    key = first.input_value("input[name=submission_key]")
    assert second.input_value("input[name=submission_key]") == key
    second.fill("#id_title", "A different story")
    second.fill("#id_episode", "Another day, another race, another kindness.")
    second.set_input_files("#id_photos", jpeg(tmp_path, "second.jpg", (10, 160, 40)))
    second.locator("#photo-list li.is-done").nth(1).wait_for()
    draft_saved(second)

    robot_solved(first)
    first.bring_to_front()
    first.click("#submit-button")
    first.wait_for_url("**/receipt/**")
    receipt = first.locator("#receipt-number").inner_text()

    robot_solved(second)
    second.bring_to_front()
    second.check("#id_accept_terms")
    second.click("#submit-button")
    expect(second.locator("#problem")).to_contain_text(receipt)
    new_key = second.input_value("input[name=submission_key]")
    assert new_key != key
    assert second.input_value("#id_title") == "A different story"
    # The first tab's photo went with the first entry; the second tab's stays.
    expect(second.locator("#photo-list li.is-elsewhere")).to_have_count(1)
    expect(second.locator("#photo-list li.is-done")).to_have_count(1)
    assert_accessible(second)
    snap(second, "draft-already-sent", lang, "#problem")
    snap(second, "photo-sent-elsewhere", lang, "#photo-list")

    second.click("#submit-button")
    second.wait_for_url("**/receipt/**")
    assert second.locator("#receipt-number").inner_text() != receipt
    entries = {e.title: e for e in Entry.objects.all()}
    assert set(entries) == {TEXT[lang]["title"], "A different story"}
    assert Photo.objects.filter(entry=entries["A different story"]).count() == 1
    assert Photo.objects.filter(entry=entries[TEXT[lang]["title"]]).count() == 1


# --- photos -------------------------------------------------------------------------------


def test_refused_photos_do_not_count_towards_the_limit(live_app, phone, transactional_db, tmp_path):
    campaign = open_campaign()
    page = phone.new_page()
    page.goto(form_url(live_app, campaign))
    bad = []
    for n in range(5):
        path = tmp_path / f"not-a-photo-{n}.jpg"
        path.write_bytes(b"this is a text file, whatever its name says\n" * 20)
        bad.append(str(path))
    page.set_input_files("#id_photos", bad)
    expect(page.locator("#photo-list li.is-error")).to_have_count(5, timeout=30_000)
    add_photo(page, jpeg(tmp_path))
    expect(page.locator("#photos_errors")).to_have_text("")
    assert Photo.objects.count() == 1
    assert_accessible(page)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_expired_upload_is_shown_as_gone(live_app, phone, transactional_db, tmp_path, lang):
    campaign = open_campaign()
    page = filled_form(phone, live_app, campaign, lang)
    page.set_input_files("#id_photos", [jpeg(tmp_path, "kept.jpg"), jpeg(tmp_path, "lost.jpg")])
    expect(page.locator("#photo-list li.is-done")).to_have_count(2)
    draft_saved(page)
    page.reload()
    expect(page.locator("#photo-list li.is-done")).to_have_count(2)  # the server has both

    lost = page.locator("#photo-list li", has_text="lost.jpg").locator("input[type=hidden]")
    Photo.objects.filter(token=lost.get_attribute("value")).delete()  # two days later
    page.reload()
    gone = page.locator("#photo-list li.is-gone")
    expect(gone).to_have_count(1)
    expect(gone).to_contain_text("lost.jpg")
    expect(gone).to_contain_text(re.compile("no longer on our server|サーバーに残っていません"))
    expect(page.locator("#photo-list li.is-done")).to_have_count(1)
    assert_accessible(page)
    snap(page, "expired-photo", lang, "#photo-list")

    page.check("#id_accept_terms")
    robot_solved(page)
    page.click("#submit-button")  # not sent with a hole in it: the entrant decides
    expect(page.locator("#problem")).to_be_visible()
    assert Entry.objects.count() == 0
    gone.get_by_role("button").click()
    page.click("#submit-button")
    page.wait_for_url("**/receipt/**")
    assert Photo.objects.filter(entry=Entry.objects.get()).count() == 1


def test_uploads_carry_the_robot_check_and_a_refused_one_is_solved_again(
    live_app, phone, transactional_db, tmp_path
):
    campaign = open_campaign()
    page = phone.new_page()
    uploads = []

    def robot_refuses_first(route):
        uploads.append(field(route.request.post_data_buffer, "altcha"))
        if len(uploads) == 1:
            route.fulfill(
                status=403,
                content_type="application/json",
                body=json.dumps(
                    {"ok": False, "code": "robot", "message": "The robot check has expired."}
                ),
            )
        else:
            route.continue_()

    page.route("**/enter/photos/", robot_refuses_first)
    page.goto(form_url(live_app, campaign))
    page.set_input_files("#id_photos", jpeg(tmp_path))  # straight away, before the check is done
    page.locator("#photo-list li.is-done").wait_for(timeout=30_000)
    assert len(uploads) == 2
    assert all(uploads), "an upload went without the proof of work"
    assert Photo.objects.count() == 1
    expect(page.locator("#photo-list")).not_to_contain_text("expired")
    assert_accessible(page)


# --- offline with a photo still to upload ---------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_offline_with_a_photo_waiting_says_so_and_sends_itself(
    live_app, phone, transactional_db, tmp_path, lang
):
    campaign = open_campaign()
    page = filled_form(phone, live_app, campaign, lang)
    robot_solved(page)
    phone.set_offline(True)
    page.set_input_files("#id_photos", jpeg(tmp_path, "finish-line.jpg"))
    item = page.locator("#photo-list li")
    expect(item).to_contain_text(re.compile("offline|オフライン"))
    # One sentence per language, not English word order glued together.
    assert " — " not in item.inner_text()
    page.click("#submit-button")
    status = page.locator("#submit-status")
    expect(status).to_contain_text(
        re.compile("offline.*send itself" if lang == "en" else "オフライン.*自動で送信")
    )
    assert_accessible(page)
    snap(page, "offline", lang, "#submit-button")
    page.wait_for_timeout(3_000)
    assert Entry.objects.count() == 0
    phone.set_offline(False)
    page.wait_for_url("**/receipt/**", timeout=30_000)
    assert Photo.objects.filter(entry=Entry.objects.get()).count() == 1
