"""Every change to a staff account, one function each, each in the audit trail.

Nothing here writes a password, a secret key, a code or a token into the
trail or a log line: ``before``/``after`` carry usernames, roles and counts.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
import time
from binascii import unhexlify

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tasuki.audit.services import record
from tasuki.staff import roles as staff_roles
from tasuki.staff.models import EnrolmentLink, SpentRecoveryCode, StaffProfile

#: How many recovery codes an enrolment gives.
RECOVERY_CODES = 10
TOTP_STEP = 30
TOTP_DIGITS = 6


class EnrolmentError(Exception):
    """The enrolment could not be completed; ``code`` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class Check(enum.Enum):
    """What a second-factor code turned out to be."""

    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    WRONG = "wrong"
    REUSED_TOTP = "reused_totp"
    REUSED_RECOVERY_CODE = "reused_recovery_code"
    THROTTLED = "throttled"

    @property
    def ok(self) -> bool:
        return self in (Check.TOTP, Check.RECOVERY_CODE)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(code: str) -> str:
    """What people type around a code (spaces, hyphens, capitals) is not part of it."""
    return "".join(code.split()).replace("-", "").lower()


def profile_of(user) -> StaffProfile:
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    return profile


def _role_groups(roles) -> list[Group]:
    wanted = set(roles)
    unknown = wanted - set(staff_roles.ROLES)
    if unknown:
        raise ValueError(f"unknown role(s): {sorted(unknown)}")
    return [Group.objects.get_or_create(name=name)[0] for name in sorted(wanted)]


def _new_link(user) -> str:
    """A fresh one-time token for ``user``; earlier unused links stop working."""
    now = timezone.now()
    EnrolmentLink.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    token = secrets.token_urlsafe(32)
    EnrolmentLink.objects.create(
        user=user,
        token_digest=digest(token),
        expires_at=now + timezone.timedelta(hours=settings.TASUKI_STAFF_ENROLMENT_HOURS),
    )
    return token


@transaction.atomic
def create_staff_account(*, actor, username: str, email: str, roles, request=None):
    """Make a staff account with ``roles`` and no usable password.

    Why no password: the person chooses it on the enrolment page, together
    with the second factor, so nobody else ever knows it. Returns the user and
    the enrolment link's token (shown once; only its digest is stored).
    """
    User = get_user_model()
    user = User(username=username, email=email, is_active=True)
    user.set_unusable_password()
    user.save()
    user.groups.set(_role_groups(roles))
    StaffProfile.objects.create(user=user)
    token = _new_link(user)
    record(
        "staff.account_created",
        actor=actor,
        target=user,
        after={"username": username, "roles": sorted(roles)},
        request=request,
    )
    return user, token


@transaction.atomic
def issue_enrolment_link(*, actor, user, request=None) -> str:
    """A new one-time enrolment link for ``user`` (a lost phone, an expired link).

    Why it also ends the account's sessions: the link replaces the second
    factor, so whoever held the old one must not stay signed in.
    """
    token = _new_link(user)
    _advance_epoch(user)
    record("staff.enrolment_link_issued", actor=actor, target=user, request=request)
    return token


def new_totp_key() -> str:
    """A 20-byte TOTP secret, hex-encoded as django-otp stores it."""
    return secrets.token_hex(20)


def _verify_new_code(key_hex: str, code: str) -> int | None:
    """The time step ``code`` belongs to (now, or one step either side), or None."""
    totp = TOTP(unhexlify(key_hex), TOTP_STEP, 0, TOTP_DIGITS, 0)
    totp.time = time.time()
    try:
        value = int(code)
    except ValueError:
        return None
    if totp.verify(value, tolerance=1):
        return totp.t() + totp.drift
    return None


@transaction.atomic
def complete_enrolment(*, link_id: int, key_hex: str, password: str, code: str, request=None):
    """Finish an enrolment: password, TOTP device, ten recovery codes; the link is spent.

    Why one transaction: a half-enrolled account (a device but a link still
    usable, or a password but no device) would be a way in or a dead end.
    Earlier devices are replaced, so a new link also retires a lost phone.
    Returns the confirmed TOTP device and the recovery codes (shown once).
    """
    link = EnrolmentLink.objects.select_for_update().filter(pk=link_id).first()
    if link is None or not link.is_usable():
        raise EnrolmentError("link")
    step = _verify_new_code(key_hex, normalise_code(code))
    if step is None:
        raise EnrolmentError("code")
    user = link.user
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name="authenticator", key=key_hex, confirmed=True, last_t=step
    )
    static = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    user.set_password(password)
    user.save(update_fields=["password"])
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    profile_of(user)
    record(
        "staff.enrolled",
        actor=user,
        target=user,
        after={"recovery_codes": RECOVERY_CODES},
        request=request,
    )
    return device, codes


def _was_last_totp(device: TOTPDevice, code: str) -> bool:
    """Is ``code`` the one already accepted for this device's last time step?"""
    if device.last_t < 0 or not code.isdigit():
        return False
    return hotp(device.bin_key, device.last_t, device.digits) == int(code)


def check_second_factor(*, user, code: str, request=None) -> tuple[Check, object]:
    """Check a TOTP or recovery code; returns what it was and the device it matched.

    Why failures are also sent as ``user_login_failed``: django-axes counts
    them with wrong passwords, so guessing codes locks the account as
    guessing passwords does. A TOTP code is accepted once per time step
    (django-otp keeps ``last_t``); a recovery code once, ever.
    """
    code = normalise_code(code)
    result, device = _match(user, code)
    if result.ok:
        _after_success(user, result, device, request)
    else:
        record(
            "staff.login_failed",
            actor=user,
            target=user,
            after={"step": "second_factor", "reason": result.value},
            request=request,
        )
        if request is not None:
            user_login_failed.send(
                sender=__name__, credentials={"username": user.get_username()}, request=request
            )
    return result, device


@transaction.atomic
def _match(user, code: str) -> tuple[Check, object]:
    # The device rows are locked, so two requests with one code at the same
    # moment are checked one after the other and the second finds it used.
    if code.isdigit() and len(code) == TOTP_DIGITS:
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                return Check.THROTTLED, device
            if device.verify_token(code):
                return Check.TOTP, device
            if _was_last_totp(device, code):
                return Check.REUSED_TOTP, device
        return Check.WRONG, None
    for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            return Check.THROTTLED, device
        if device.verify_token(code):
            SpentRecoveryCode.objects.create(user=user, digest=digest(code))
            return Check.RECOVERY_CODE, device
    if SpentRecoveryCode.objects.filter(user=user, digest=digest(code)).exists():
        return Check.REUSED_RECOVERY_CODE, None
    return Check.WRONG, None


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _after_success(user, result: Check, device, request) -> None:
    from axes.utils import reset

    # Both factors given: the failures so far were the staff member's own typos.
    reset(username=user.get_username())
    if result is Check.RECOVERY_CODE:
        record(
            "staff.recovery_code_used",
            actor=user,
            target=user,
            after={"remaining": remaining_recovery_codes(user)},
            request=request,
        )
    record("staff.login", actor=user, target=user, after={"method": result.value}, request=request)


def record_password_failure(*, username: str, request=None) -> None:
    """A wrong password for an existing account goes in the trail.

    Why only for existing accounts: what someone types as a username may be a
    password typed in the wrong box, and must not be kept.
    """
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        record(
            "staff.login_failed",
            actor=None,
            target=user,
            after={"step": "password"},
            request=request,
        )


def _advance_epoch(user) -> int:
    profile = profile_of(user)
    StaffProfile.objects.filter(pk=profile.pk).update(session_epoch=F("session_epoch") + 1)
    profile.refresh_from_db()
    return profile.session_epoch


@transaction.atomic
def sign_out_everywhere(*, user, request=None) -> None:
    """End every session of ``user``, on every device (including this one).

    Why an epoch rather than deleting session rows: sessions may live in a
    cache or signed cookies later; each remembers the epoch it began under and
    StaffSessionMiddleware ends it at its next request.
    """
    _advance_epoch(user)
    record("staff.logout_everywhere", actor=user, target=user, request=request)


@transaction.atomic
def set_roles(*, actor, user, roles, request=None) -> None:
    """Give ``user`` exactly ``roles``.

    Why the last admin is kept: with no admin left, nobody could make accounts
    except from a shell on the server.
    """
    before = sorted(staff_roles.roles_of(user))
    new = sorted(set(roles))
    if staff_roles.ADMIN in before and staff_roles.ADMIN not in new:
        _keep_an_admin(user)
    groups = _role_groups(new)
    user.groups.remove(*Group.objects.filter(name__in=staff_roles.ROLES))
    user.groups.add(*groups)
    staff_roles.forget_roles(user)
    if before != new:
        record(
            "staff.roles_changed",
            actor=actor,
            target=user,
            before={"roles": before},
            after={"roles": new},
            request=request,
        )


class LastAdmin(Exception):
    """The change would leave no active admin."""


def _keep_an_admin(user) -> None:
    others = (
        get_user_model()
        .objects.filter(is_active=True, groups__name=staff_roles.ADMIN)
        .exclude(pk=user.pk)
    )
    if not others.exists():
        raise LastAdmin


@transaction.atomic
def set_active(*, actor, user, active: bool, request=None) -> None:
    """Deactivate (or reactivate) an account; deactivation ends its sessions at once.

    Why not delete: the audit trail and decisions name the account.
    """
    if user.is_active == active:
        return
    if not active and staff_roles.ADMIN in staff_roles.roles_of(user):
        _keep_an_admin(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    _advance_epoch(user)
    record(
        "staff.reactivated" if active else "staff.deactivated",
        actor=actor,
        target=user,
        before={"active": not active},
        after={"active": active},
        request=request,
    )


@transaction.atomic
def unlock(*, actor, user, request=None) -> int:
    """Forget the account's failed sign-ins, ending a lock-out before its time.

    Why an admin may: a staff member locked out on a deadline day should not
    wait out the lock; the admin has checked who is asking. Returns how many
    failure records were forgotten.
    """
    from axes.utils import reset

    count = reset(username=user.get_username())
    record("staff.unlocked", actor=actor, target=user, after={"failures": count}, request=request)
    return count
