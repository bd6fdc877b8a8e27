"""Staff accounts for tests, with real devices, and ways to sign them in."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tasuki.staff.models import StaffProfile

PASSWORD = "a long test passphrase 42"


def make_staff(username: str = "aiko", *roles: str, device: bool = True):
    """An active account with ``roles``, a password and (unless ``device=False``) a TOTP device."""
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD
    )
    user.groups.set([Group.objects.get_or_create(name=r)[0] for r in roles])
    StaffProfile.objects.create(user=user)
    if device:
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
        for code in ("aaaa1111", "bbbb2222", "cccc3333"):
            StaticToken.objects.create(device=static, token=code)
    return user


def code_for(user, *, at: float | None = None) -> str:
    """The TOTP code the staff member's app shows at ``at`` (now by default)."""
    device = TOTPDevice.objects.get(user=user)
    now = time.time() if at is None else at
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0)
    if at is not None:
        from django_otp.oath import TOTP

        t = TOTP(device.bin_key, device.step, device.t0, device.digits)
        t.time = now
        value = t.token()
    return f"{value:0{device.digits}d}"


def sign_in(client, user, *, verified: bool = True):
    """A session for ``user``: password step done, and the second factor if ``verified``."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    if verified:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
    return client


@pytest.fixture
def staff(db):
    return make_staff


@pytest.fixture(autouse=True)
def _no_throttle_delay(settings):
    # django-otp's throttle doubles a wait after each wrong code; tests that
    # need it turn it back on. Lock-outs (django-axes) stay on.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
