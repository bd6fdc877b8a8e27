"""A staff member signs in with a TOTP code and enrols from a link, in Japanese and English.

Desktop viewport (1280×800), zero axe-core violations on every page. Set
TASUKI_SCREENSHOTS to a folder to keep the screenshots.
"""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pytest
from django_otp.oath import TOTP

from tasuki.staff import services
from tests.factories import open_campaign
from tests.fixtures.browser import assert_accessible
from tests.staff.conftest import PASSWORD, code_for, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.integration]

DESKTOP = {"width": 1280, "height": 800}
TEXT = {
    "ja": {
        "login": "管理画面にサインイン",
        "verify": "コードを入力してください",
        "home": "さん、ようこそ",
        "codes": "回復コード",
        "wrong": "コードが正しくありません。",
    },
    "en": {
        "login": "Sign in to the back office",
        "verify": "Enter your code",
        "home": "Welcome, ",
        "codes": "Your recovery codes",
        "wrong": "That code is not right.",
    },
}


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport=DESKTOP)
    context.set_default_timeout(20_000)
    yield context
    context.close()


def _shot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("TASUKI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"staff-{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_sign_in_with_totp_on_a_desktop(live_app, desktop, transactional_db, tmp_path, lang):
    campaign = open_campaign()
    user = make_staff(f"mika-{lang}", "campaign_manager")
    page = desktop.new_page()
    page.goto(f"{live_app.url}/{lang}/staff/")
    page.wait_for_url(f"**/{lang}/staff/login/?next=*")
    assert page.locator("h1").inner_text() == TEXT[lang]["login"]
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page)
    _shot(page, tmp_path, f"login-{lang}")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit].button").click()
    page.wait_for_url(f"**/{lang}/staff/verify/")
    assert page.locator("h1").inner_text() == TEXT[lang]["verify"]
    # A wrong code first: the message is in the page's language, next to the field.
    page.locator("#id_code").fill(f"{(int(code_for(user)) + 1) % 1_000_000:06d}")
    page.locator("main button[type=submit].button").click()
    page.locator(".error").wait_for()
    assert TEXT[lang]["wrong"] in page.locator(".error").inner_text()
    assert_accessible(page)
    _shot(page, tmp_path, f"second-factor-{lang}")
    page.wait_for_timeout(1500)  # django-otp's throttle: one second after one wrong code
    page.locator("#id_code").fill(code_for(user))
    page.locator("main button[type=submit].button").click()
    page.wait_for_url(f"**/{lang}/staff/")
    assert TEXT[lang]["home"] in page.locator("h1").inner_text()
    assert (campaign.name_ja if lang == "ja" else campaign.name_en) in page.content()
    assert "JST" in page.locator("main").inner_text()
    assert_accessible(page)
    _shot(page, tmp_path, f"home-{lang}")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_enrol_from_a_link_on_a_desktop(live_app, desktop, transactional_db, tmp_path, lang):
    _, token = services.create_staff_account(
        actor=None, username=f"ren-{lang}", email=f"ren-{lang}@example.org", roles=["reviewer"]
    )
    page = desktop.new_page()
    page.goto(f"{live_app.url}/{lang}/staff/enrol/{token}/")
    page.wait_for_url(f"**/{lang}/staff/enrol/")
    assert page.locator(".qr svg").count() == 1
    assert_accessible(page)
    _shot(page, tmp_path, f"enrolment-{lang}")
    key = page.locator(".secret code").inner_text().replace(" ", "")
    totp = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)), 30, 0, 6, 0)
    totp.time = time.time()
    page.locator("#id_password1").fill("river lantern 7 quiet")
    page.locator("#id_password2").fill("river lantern 7 quiet")
    page.locator("#id_code").fill(f"{totp.token():06d}")
    page.locator("main button[type=submit].button").click()
    page.locator("ol.codes").wait_for()
    assert page.locator("h1").inner_text() == TEXT[lang]["codes"]
    assert page.locator("ol.codes li").count() == 10
    assert_accessible(page)
    _shot(page, tmp_path, f"recovery-codes-{lang}")
