"""A reviewer works the automatic flags in a real browser, in Japanese and English,
on a desktop and on a phone: the queue filtered to one kind of flag, a flagged
entry with its reason and the phone number highlighted in the answer, an
attempt to dismiss without a reason (refused beside the field, in their
language), a dismissal with a reason, and the flag in the entry's history.
axe-core on every page.

The flag is a row made here, after the worker has finished the entries'
arrival checks, so that whatever the real detectors find (or fail to find)
cannot supersede it mid-journey; what they found is set aside first."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tasuki.review.check_models import Flag
from tests.e2e.conftest import wait_for_worker
from tests.e2e.test_review_journey import sign_in
from tests.factories import open_campaign
from tests.fixtures.browser import PHONE, assert_accessible
from tests.review.test_decisions import make_entry
from tests.review.test_flag_views import PHONE_REASON, flag
from tests.staff.conftest import make_staff

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def words(lang: str, msgid: str) -> str:
    with translation.override(lang):
        return gettext(msgid)


@pytest.mark.parametrize(
    ("lang", "viewport"), [("en", {"width": 1280, "height": 800}), ("ja", PHONE)]
)
def test_a_reviewer_judges_a_flag_and_dismisses_it_with_a_reason(
    live_app, chromium, transactional_db, lang, viewport
):
    campaign = open_campaign()
    phone = "090-1234-5678"
    flagged = make_entry(
        campaign,
        title="給水所の声",
        email="f@example.com",
        episode=f"ゴールのあと、ボランティアの方が{phone}に電話してと言ってくれました。",
    )
    calm = make_entry(campaign, title="Quiet morning", email="q@example.com")
    wait_for_worker()
    # Whatever the real detectors raised on arrival is set aside (as a later run
    # that no longer finds it would), so the journey's flag is the only open one.
    Flag.objects.filter(campaign=campaign).update(superseded_at=timezone.now())
    start = flagged.episode.index(phone)
    item = flag(flagged, spans=[("episode", start, start + len(phone))], params={"what": phone})
    reviewer = make_staff(f"rin-{lang}", "reviewer")

    context = chromium.new_context(viewport=viewport)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, live_app.url, lang, reviewer)
        queue = f"{live_app.url}/{lang}/staff/review/{campaign.slug}/"

        # The queue, filtered to personal data: only the flagged entry, with its badge.
        page.goto(queue)
        page.locator("select[name=flag]").select_option("pii")
        page.locator("form.filters button[type=submit]").click()
        page.wait_for_url(re.compile(r".*flag=pii.*"))
        rows = page.locator("table.queue tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("給水所の声")
        expect(rows.first.locator(".flag-badge[data-code=pii]")).to_contain_text(
            words(lang, "Personal data")
        )
        assert calm.title not in page.locator("table.queue tbody").inner_text()
        assert_accessible(page)

        # The entry: the flag first, its reason in the reviewer's language, the number marked.
        rows.first.locator("th a").click()
        page.wait_for_url(re.compile(r".*/entries/\d+/.*"))
        panel = page.locator(f"#flag-{item.pk}")
        expect(panel).to_contain_text(words(lang, PHONE_REASON) % {"what": phone})
        expect(panel.locator(".severity")).to_contain_text(words(lang, "Probably a problem"))
        expect(panel.locator("dd mark")).to_have_text(phone)
        expect(page.locator("#answer-episode mark")).to_have_text(phone)
        assert_accessible(page)

        # Dismissing without a reason is refused beside the field, in the reviewer's language.
        panel.locator("details.dismiss summary").click()
        field = panel.locator("textarea[name=reason]")
        field.fill("   ")
        panel.locator("button[type=submit]").click()
        panel = page.locator(f"#flag-{item.pk}")
        expect(panel.locator(".error")).to_have_text(
            words(lang, "Say why the flag does not apply, so that other reviewers can follow.")
        )
        expect(panel.locator("textarea[name=reason]")).to_be_focused()
        assert_accessible(page)

        # With a reason, typed with the keyboard: dismissed, and in the history.
        reason = "大会の問い合わせ窓口の番号で、応募者の番号ではありません。"
        page.keyboard.type(reason)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*#flags$"))
        expect(page.locator(".messages")).to_be_visible()
        expect(page.locator(f"#flag-{item.pk}")).to_have_count(0)
        history = page.locator("details.flag-history")
        history.locator("summary").click()
        expect(history).to_contain_text(reason)
        expect(history).to_contain_text(reviewer.get_username())
        assert_accessible(page)
        item.refresh_from_db()
        assert item.dismissed_by == reviewer and item.dismissed_reason.strip() == reason

        # Back in the queue, the entry no longer has an open personal-data flag.
        page.goto(f"{queue}?flag=pii")
        expect(page.locator("table.queue tbody tr")).to_have_count(1)  # "no entry matches"
        expect(page.locator("table.queue tbody")).not_to_contain_text("給水所の声")
        assert not Flag.objects.filter(pk=item.pk, dismissed_at__isnull=True).exists()
    finally:
        context.close()
