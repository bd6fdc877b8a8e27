"""Staff sessions end after inactivity and when "sign out everywhere" is pressed."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils.translation import gettext

from tasuki.staff.models import StaffProfile

SEEN_KEY = "staff_seen"
EPOCH_KEY = "staff_epoch"
#: Write the "last seen" time at most this often (seconds), not on every request.
_SEEN_GRANULARITY = 30


def _epoch(user) -> int:
    value = StaffProfile.objects.filter(user=user).values_list("session_epoch", flat=True).first()
    return value or 0


@receiver(user_logged_in)
def stamp_session(sender, request, user, **kwargs):
    """Every sign-in (ours or /maintenance/) begins under the account's current epoch."""
    if request is not None and hasattr(request, "session"):
        request.session[EPOCH_KEY] = _epoch(user)
        request.session[SEEN_KEY] = int(time.time())


class StaffSessionMiddleware:
    """Sign a session out when it was idle too long or its epoch has passed.

    The request then goes on as anonymous, so a back-office page answers with
    the login page and a message saying why.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without a session cookie there is nobody to sign out, and looking at
        # request.user would mark the session as read (Vary: Cookie) on every
        # public page.
        has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
        user = getattr(request, "user", None) if has_session else None
        if user is not None and user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(SEEN_KEY, now)
            idle = settings.TASUKI_STAFF_IDLE_MINUTES * 60
            if now - seen > idle:
                logout(request)
                messages.info(
                    request,
                    gettext(
                        "You were signed out after %(minutes)s minutes without activity. "
                        "Please sign in again."
                    )
                    % {"minutes": settings.TASUKI_STAFF_IDLE_MINUTES},
                )
            elif request.session.get(EPOCH_KEY, 0) != _epoch(user):
                logout(request)
                messages.info(request, gettext("This session was ended. Please sign in again."))
            elif now - seen >= _SEEN_GRANULARITY:
                request.session[SEEN_KEY] = now
        return self.get_response(request)
