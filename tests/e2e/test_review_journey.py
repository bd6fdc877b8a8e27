"""A campaign manager works the review queue in a real browser, on a desktop, in
Japanese and English: sign in with a TOTP code, search 感動, open an entry, score
and decide with the keyboard only, disqualify three at once with a criterion,
revert one, and find it all in the audit trail. axe-core on every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tasuki.review import search, selectors
from tasuki.review.models import Decision, Review
from tasuki.review.states import DecisionKind
from tests.factories import open_campaign
from tests.fixtures.browser import assert_accessible
from tests.review.test_decisions import make_entry
from tests.staff.conftest import PASSWORD, code_for, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.integration]

TEXT = {
    "en": {"saved": "The decision was saved.", "changed": "3 entries were changed.",
           "reverted": "The decision was reverted"},
    "ja": {"saved": "判定を保存しました。", "changed": "3件の応募を変更しました。",
           "reverted": "判定を取り消しました"},
}  # fmt: skip


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(20_000)
    yield context
    context.close()


def sign_in(page, base: str, lang: str, user) -> None:
    page.goto(f"{base}/{lang}/staff/login/")
    page.locator("#id_username").fill(user.get_username())
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit].button").click()
    page.wait_for_url(f"**/{lang}/staff/verify/")
    page.locator("#id_code").fill(code_for(user))
    page.locator("main button[type=submit].button").click()
    page.wait_for_url(f"**/{lang}/staff/")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_manager_works_the_queue_with_the_keyboard(live_app, desktop, transactional_db, lang):
    campaign = open_campaign()
    moved = make_entry(campaign, title="給水所の声", email="m@example.com",
                       episode="最後の坂で名前を呼ばれて、本当に感動しました。")  # fmt: skip
    others = [
        make_entry(campaign, title=f"Other story {n}", email=f"o{n}@example.com") for n in range(3)
    ]
    for entry in (moved, *others):
        search.index_entry(entry)
    manager = make_staff(f"mei-{lang}", "campaign_manager", "reviewer")
    page = desktop.new_page()
    sign_in(page, live_app.url, lang, manager)

    queue = f"{live_app.url}/{lang}/staff/review/{campaign.slug}/"
    page.goto(queue)
    assert_accessible(page)
    page.locator("#q").fill("感動")
    page.locator("form.filters button[type=submit]").click()
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("給水所の声")
    assert_accessible(page)

    # Open it, score with the keyboard, then feature it with "f".
    rows.first.locator("a").click()
    page.wait_for_url(re.compile(r".*/entries/\d+/.*"))
    assert_accessible(page)
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("?")
    page.keyboard.press("s")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # the first item's 4
    for _ in range(3):  # past the other two items to "Save my scores"
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_be_visible()
    assert Review.objects.get(entry=moved).scores.get().value == 4
    page.keyboard.press("f")
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text(TEXT[lang]["saved"])
    assert Review.objects.get(entry=moved).featured
    assert_accessible(page)

    # Disqualify three others at once, with a criterion, after a confirmation.
    page.goto(queue)
    for entry in others:
        page.locator(f"input[name=entries][value='{entry.pk}']").check()
    page.locator("#bulk-form select[name=kind]").select_option("disqualify")
    advert = selectors.criteria(campaign).get(code="advert")
    page.locator("#bulk-form select[name=criterion]").select_option(str(advert.pk))
    page.locator("#bulk-form button[type=submit]").click()
    expect(page.locator("main .lead")).to_contain_text("3")
    assert_accessible(page)
    page.locator("main form button[type=submit].button").click()
    expect(page.locator(".messages")).to_contain_text(TEXT[lang]["changed"])
    assert Decision.objects.filter(kind=DecisionKind.DISQUALIFY).count() == 3

    # Revert one of them; both decisions stay in the history.
    page.goto(f"{queue}entries/{others[0].pk}/")
    page.locator("ol.history form button").first.click()
    expect(page.locator(".messages")).to_contain_text(TEXT[lang]["reverted"])
    assert Review.objects.get(entry=others[0]).disqualified_for is None
    assert_accessible(page)

    # Export the disqualified entries as CSV.
    page.goto(f"{queue}?state=decided")
    with page.expect_download() as download:
        page.locator("form[action$='/export/'] button[type=submit]").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Other story 1" in csv_text and "m@example.com" not in csv_text

    # The audit trail shows what was done, by whom.
    page.goto(f"{live_app.url}/{lang}/staff/audit/")
    trail = page.locator("main table")
    for action in ("review.scored", "review.decided", "review.reverted", "review.exported"):
        expect(trail).to_contain_text(action)
    assert_accessible(page)
