"""Signing in: password, then a second factor; every refusal says why and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tasuki.audit.models import AuditEvent
from tests.staff.conftest import PASSWORD, code_for, make_staff, sign_in

pytestmark = pytest.mark.django_db


def _password_step(client, username="aiko", password=PASSWORD, lang="en"):
    return client.post(f"/{lang}/staff/login/", {"username": username, "password": password})


def _actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_sign_in_takes_a_password_then_a_totp_code(client):
    user = make_staff("aiko", "reviewer")
    response = client.get("/en/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/en/staff/login/?next=%2Fen%2Fstaff%2F"
    client.get(response["Location"])
    response = _password_step(client)
    assert response["Location"] == "/en/staff/verify/"
    # The password alone reaches nothing in the back office.
    assert client.get("/en/staff/")["Location"] == "/en/staff/verify/"
    response = client.post("/en/staff/verify/", {"code": code_for(user)})
    assert response["Location"] == "/en/staff/"
    page = client.get("/en/staff/")
    assert page.status_code == 200
    assert "Welcome, aiko" in page.content.decode()
    assert _actions() == ["staff.login"]
    event = AuditEvent.objects.get()
    assert (event.actor_id, event.after) == (user.pk, {"method": "totp"})


def test_an_email_address_works_as_the_username(client):
    user = make_staff("aiko", "reviewer")
    assert _password_step(client, username="AIKO@example.org")["Location"] == "/en/staff/verify/"
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "The username or password is not right."),
        ("ja", "ユーザー名またはパスワードが正しくありません。"),
    ],
)
def test_a_wrong_password_is_refused_in_the_staff_members_language(client, lang, message):
    user = make_staff("aiko", "reviewer")
    response = _password_step(client, password="wrong", lang=lang)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get()
    assert (event.action, event.target_id, event.after) == (
        "staff.login_failed",
        str(user.pk),
        {"step": "password"},
    )
    assert "wrong" not in str(event.before) + str(event.after)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "That code is not right."),
        ("ja", "コードが正しくありません。"),
    ],
)
def test_a_wrong_code_is_refused_and_verifies_nothing(client, lang, message):
    user = make_staff("aiko", "reviewer")
    _password_step(client)
    wrong = f"{(int(code_for(user)) + 1) % 1_000_000:06d}"
    response = client.post(f"/{lang}/staff/verify/", {"code": wrong})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert client.get(f"/{lang}/staff/")["Location"] == f"/{lang}/staff/verify/"
    assert _actions() == ["staff.login_failed"]
    assert AuditEvent.objects.get().after == {"step": "second_factor", "reason": "wrong"}
    assert wrong not in str(AuditEvent.objects.get().after)


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "That code has already been used."),
        ("ja", "このコードはすでに使われています。"),
    ],
)
def test_a_totp_code_works_once_per_time_step(client, lang, message):
    user = make_staff("aiko", "reviewer")
    with time_machine.travel(dt.datetime(2026, 1, 15, 8, 0, 5, tzinfo=dt.UTC), tick=False):
        code = code_for(user)
        _password_step(client)
        assert client.post("/en/staff/verify/", {"code": code})["Location"] == "/en/staff/"
        other = Client()
        _password_step(other)
        response = other.post(f"/{lang}/staff/verify/", {"code": code})
        assert message in response.content.decode()
        assert other.get("/en/staff/")["Location"] == "/en/staff/verify/"
    # The next time step's code is accepted.
    with time_machine.travel(dt.datetime(2026, 1, 15, 8, 0, 35, tzinfo=dt.UTC), tick=False):
        assert other.post("/en/staff/verify/", {"code": code_for(user)})["Location"] == (
            "/en/staff/"
        )


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "That recovery code has already been used"),
        ("ja", "この回復コードはすでに使われています。"),
    ],
)
def test_a_recovery_code_works_once(client, lang, message):
    user = make_staff("aiko", "reviewer")
    _password_step(client)
    response = client.post("/en/staff/verify/", {"code": "AAAA 1111"})
    assert response["Location"] == "/en/staff/"
    assert "Unused recovery codes left: 2." in client.get("/en/staff/").content.decode()
    assert StaticToken.objects.filter(device__user=user).count() == 2
    assert _actions() == ["staff.recovery_code_used", "staff.login"]
    other = Client()
    _password_step(other)
    response = other.post(f"/{lang}/staff/verify/", {"code": "aaaa1111"})
    assert message in response.content.decode()
    assert other.get("/en/staff/")["Location"] == "/en/staff/verify/"
    assert StaticToken.objects.filter(device__user=user).count() == 2
    assert "aaaa1111" not in str(list(AuditEvent.objects.values("before", "after")))


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "This account is locked for now"), ("ja", "アカウントは現在ロックされています")],
)
def test_repeated_wrong_passwords_lock_the_account(client, settings, lang, message):
    make_staff("aiko", "reviewer")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _password_step(client, password="wrong").status_code == 200
    response = _password_step(client, password="wrong", lang=lang)
    assert response.status_code == 429
    assert message in response.content.decode()
    # Even the right password is refused while the lock lasts.
    response = _password_step(Client(), lang=lang)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_repeated_wrong_codes_lock_the_account_too(client, settings):
    user = make_staff("aiko", "reviewer")
    _password_step(client)
    wrong = f"{(int(code_for(user)) + 1) % 1_000_000:06d}"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/en/staff/verify/", {"code": wrong}).status_code == 200
    response = client.post("/en/staff/verify/", {"code": wrong})
    assert response.status_code == 429
    assert "This account is locked for now" in response.content.decode()
    # The half-signed-in session is gone, and a new one cannot get past the password.
    assert "_auth_user_id" not in client.session
    assert _password_step(Client()).status_code == 429
    assert TOTPDevice.objects.get(user=user).last_t == -1


def test_the_totp_throttle_also_refuses_in_words(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    user = make_staff("aiko", "reviewer")
    _password_step(client)
    client.post("/en/staff/verify/", {"code": "000000" if code_for(user) != "000000" else "1"})
    response = client.post("/en/staff/verify/", {"code": code_for(user)})
    assert "Several wrong codes in a row" in response.content.decode()
    assert client.get("/en/staff/")["Location"] == "/en/staff/verify/"


def test_the_maintenance_admin_locks_out_too(client, settings):
    make_staff("aiko", "admin")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/maintenance/login/", {"username": "aiko", "password": "wrong", "otp_token": "1"}
        )
    assert response.status_code == 429
    assert _password_step(Client()).status_code == 429


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Your browser did not send back the security token"),
        ("ja", "セキュリティ用のトークン"),
    ],
)
def test_a_post_without_csrf_token_changes_nothing(lang, message):
    user = make_staff("aiko", "reviewer")
    client = sign_in(Client(enforce_csrf_checks=True), user)
    epoch = user.staff_profile.session_epoch
    response = client.post(f"/{lang}/staff/logout-everywhere/")
    assert response.status_code == 403
    assert message in response.content.decode()
    user.staff_profile.refresh_from_db()
    assert user.staff_profile.session_epoch == epoch
    assert client.get(f"/{lang}/staff/").status_code == 200
    assert not AuditEvent.objects.exists()
    # The public site keeps its own page.
    assert (
        "security cookie" in Client(enforce_csrf_checks=True).post("/en/manage/").content.decode()
    )


def test_a_session_ends_after_inactivity(client, settings):
    user = make_staff("aiko", "reviewer")
    start = dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        sign_in(client, user)
        assert client.get("/en/staff/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=settings.TASUKI_STAFF_IDLE_MINUTES - 1)):
        assert client.get("/en/staff/").status_code == 200
    later = start + dt.timedelta(minutes=2 * settings.TASUKI_STAFF_IDLE_MINUTES)
    with time_machine.travel(later):
        response = client.get("/en/staff/")
        assert response["Location"].startswith("/en/staff/login/")
        page = client.get(response["Location"])
    assert "signed out after 30 minutes without activity" in page.content.decode()


def test_signing_out_everywhere_ends_every_session(client):
    user = make_staff("aiko", "reviewer")
    laptop, phone = sign_in(Client(), user), sign_in(Client(), user)
    assert phone.get("/en/staff/").status_code == 200
    response = laptop.post("/en/staff/logout-everywhere/")
    assert response["Location"] == "/en/staff/login/"
    assert phone.get("/en/staff/")["Location"].startswith("/en/staff/login/")
    assert laptop.get("/en/staff/")["Location"].startswith("/en/staff/login/")
    assert _actions() == ["staff.logout_everywhere"]
    # A new sign-in works as before.
    assert sign_in(Client(), user).get("/en/staff/").status_code == 200


def test_staff_without_a_language_prefix_lands_in_the_browsers_language(client):
    assert client.get("/staff/", headers={"accept-language": "en"})["Location"] == "/en/staff/"
    assert client.get("/staff/", headers={"accept-language": "ja"})["Location"] == "/ja/staff/"


def test_wrong_codes_on_the_maintenance_login_lock_out_too(settings):
    user = make_staff("ada", "admin")
    user.is_staff = user.is_superuser = True
    user.save()
    device = TOTPDevice.objects.get(user=user)
    wrong = f"{(int(code_for(user)) + 1) % 1_000_000:06d}"
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # no prefix there: the browser's language
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/maintenance/login/",
            {
                "username": "ada",
                "password": PASSWORD,
                "otp_device": device.persistent_id,
                "otp_token": wrong,
            },
        )
    assert response.status_code == 429
    assert "This account is locked for now" in response.content.decode()
    assert _password_step(Client()).status_code == 429


def test_public_pages_stay_untouched_by_the_staff_session_check(client, campaign):
    response = client.get(f"/en/{campaign.slug}/")
    assert response.status_code == 200
    assert "Cookie" not in response.get("Vary", "")


def test_a_login_without_csrf_token_is_refused_and_counts_nothing():
    from axes.models import AccessAttempt

    make_staff("aiko", "reviewer")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/ja/staff/login/", {"username": "aiko", "password": "wrong"})
    assert response.status_code == 403
    assert "何も変更されていません" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_second_factor_gives_the_session_a_new_key(client):
    user = make_staff("aiko", "reviewer")
    _password_step(client)
    half = client.session.session_key
    client.post("/en/staff/verify/", {"code": code_for(user)})
    assert client.session.session_key != half
    assert client.get("/en/staff/").status_code == 200


def test_an_address_shared_by_two_accounts_signs_in_neither():
    make_staff("aiko", "reviewer")
    other = make_staff("aiko2", "reviewer")
    other.email = "aiko@example.org"
    other.save()
    response = _password_step(Client(), username="aiko@example.org")
    assert "The username or password is not right." in response.content.decode()
