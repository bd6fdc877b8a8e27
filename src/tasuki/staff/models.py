"""What the back office keeps about a staff account beyond Django's ``User``.

Roles are Django groups (``tasuki.staff.roles``); second factors are
django-otp's devices (a TOTP device and a static device with the recovery
codes). These models hold the rest: the session epoch that "sign out
everywhere" advances, the one-time enrolment links, and the digests of
recovery codes already spent, so that a reused code gets its own message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    #: Every session remembers the epoch it was signed in under; advancing it
    #: ends all of them at their next request (StaffSessionMiddleware).
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class EnrolmentLink(models.Model):
    """A one-time link to choose a password and set up the second factor.

    Only the SHA-256 of the token is stored; the token itself is shown once,
    to whoever created the link. A link works once and until ``expires_at``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_links"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment link")
        verbose_name_plural = _("enrolment links")

    def __str__(self) -> str:
        return f"enrolment link #{self.pk}"

    def is_usable(self, at=None) -> bool:
        at = at or timezone.now()
        return self.used_at is None and at < self.expires_at


class SpentRecoveryCode(models.Model):
    """A recovery code that has been used (its SHA-256 only).

    django-otp deletes a static token when it is used; without this row a
    second use would look like any wrong code, and the staff member would not
    learn that the code is gone for good.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="spent_recovery_codes"
    )
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("spent recovery code")
        verbose_name_plural = _("spent recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="staff_spent_code_once")
        ]

    def __str__(self) -> str:
        return f"spent recovery code #{self.pk}"
