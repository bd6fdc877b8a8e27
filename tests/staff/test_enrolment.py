"""Enrolment from a one-time link: password, TOTP app (QR as SVG), ten recovery codes."""

from __future__ import annotations

import base64
import datetime as dt
import re
import time

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tasuki.audit.models import AuditEvent
from tasuki.staff import services
from tasuki.staff.models import EnrolmentLink
from tests.staff.conftest import code_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "river lantern 7 quiet"


def _new_account(username="ren", roles=("reviewer",)):
    return services.create_staff_account(
        actor=None, username=username, email=f"{username}@example.org", roles=roles
    )


def _code_from_page(html: str, at: float | None = None) -> str:
    """What an authenticator app shows for the key printed on the page."""
    key = re.search(r'class="secret"><code>([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    raw = base64.b32decode(key + "=" * (-len(key) % 8))
    totp = TOTP(raw, 30, 0, 6, 0)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def test_an_enrolment_link_sets_up_password_app_and_recovery_codes(client):
    user, token = _new_account()
    response = client.get(f"/en/staff/enrol/{token}/")
    # The token leaves the address bar at once.
    assert response["Location"] == "/en/staff/enrol/"
    page = client.get("/en/staff/enrol/")
    html = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "<svg" in html and "<title>QR code for your authenticator app</title>" in html
    code = _code_from_page(html)
    response = client.post(
        "/en/staff/enrol/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "code": code}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert ">Home</a>" in html  # signed in with both factors: the header shows the nav
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", html)
    assert len(codes) == 10 == len(set(codes))
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.last_t >= 0
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert EnrolmentLink.objects.get(user=user).used_at is not None
    # Signed in with both factors: the back office opens.
    assert client.get("/en/staff/").status_code == 200
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "staff.account_created",
        "staff.enrolled",
    ]
    assert code not in str(list(AuditEvent.objects.values("before", "after")))
    # The link works once.
    again = Client().get(f"/en/staff/enrol/{token}/")
    assert again.status_code == 404
    assert "This enrolment link no longer works" in again.content.decode()


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "That code is not right."), ("ja", "コードが正しくありません。")],
)
def test_a_wrong_code_at_enrolment_changes_nothing(client, lang, message):
    user, token = _new_account()
    client.get(f"/{lang}/staff/enrol/{token}/")
    html = client.get(f"/{lang}/staff/enrol/").content.decode()
    wrong = f"{(int(_code_from_page(html)) + 500_000) % 1_000_000:06d}"
    response = client.post(
        f"/{lang}/staff/enrol/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "code": wrong},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert EnrolmentLink.objects.get(user=user).used_at is None
    # The same key is still shown, so the app the person already set up still works.
    assert _code_from_page(response.content.decode()) == _code_from_page(html)


def test_the_code_used_to_enrol_cannot_sign_in_again(client):
    user, token = _new_account()
    moment = dt.datetime(2026, 1, 15, 8, 0, 5, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        client.get(f"/en/staff/enrol/{token}/")
        code = _code_from_page(client.get("/en/staff/enrol/").content.decode())
        client.post(
            "/en/staff/enrol/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "code": code},
        )
        other = Client()
        other.post("/en/staff/login/", {"username": "ren", "password": NEW_PASSWORD})
        assert code == code_for(user)
        response = other.post("/en/staff/verify/", {"code": code})
        assert "That code has already been used." in response.content.decode()


def test_an_expired_link_does_not_work(client, settings):
    _, token = _new_account()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=settings.TASUKI_STAFF_ENROLMENT_HOURS + 1)
    with time_machine.travel(later):
        response = client.get(f"/ja/staff/enrol/{token}/")
    assert response.status_code == 404
    assert "この登録用リンクはもう使えません" in response.content.decode()


def test_a_new_link_stops_the_older_one(client):
    user, first = _new_account()
    second = services.issue_enrolment_link(actor=None, user=user)
    assert client.get(f"/en/staff/enrol/{first}/").status_code == 404
    assert client.get(f"/en/staff/enrol/{second}/").status_code == 302


def test_a_password_without_a_device_reaches_only_the_enrolment_notice(client):
    from tests.staff.conftest import PASSWORD, make_staff

    make_staff("kai", "reviewer", device=False)
    response = client.post("/en/staff/login/", {"username": "kai", "password": PASSWORD})
    assert response["Location"] == "/en/staff/enrol/"
    page = client.get("/en/staff/enrol/")
    assert page.status_code == 403
    assert "Your account has no second factor yet" in page.content.decode()
    assert client.get("/en/staff/")["Location"] == "/en/staff/enrol/"


def test_no_token_code_or_key_reaches_a_log_line(client, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    _, token = _new_account()
    client.get(f"/en/staff/enrol/{token}/")
    html = client.get("/en/staff/enrol/").content.decode()
    key = re.search(r'class="secret"><code>([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    code = _code_from_page(html)
    client.post(
        "/en/staff/enrol/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "code": code}
    )
    other = Client()
    other.post("/en/staff/login/", {"username": "ren", "password": NEW_PASSWORD})
    other.post("/en/staff/verify/", {"code": "zzzz9999"})
    logged = caplog.text
    assert "AXES" in logged  # the failed code was seen (and counted) by django-axes
    for secret in (token, key, code, "zzzz9999", NEW_PASSWORD, TOTPDevice.objects.get().key):
        assert secret not in logged
