"""The entrant's own pages after sending: address verification, the private
manage link (see, withdraw, erase), its photos, and asking for the links again.

Opening a link (GET) never changes anything: corporate mail scanners open
every link in a mail, and must not confirm an address or stop a link. Every
change is a button (POST) on the page the link opens.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tasuki.core.net import ratelimit_ip_key
from tasuki.entries import services
from tasuki.entries.forms import ResendForm
from tasuki.entries.models import EntryStatus, Photo, private_storage
from tasuki.entries.selectors import (
    entry_for_verification_token,
    has_older_manage_links,
    photos_for_display,
)

log = logging.getLogger(__name__)

MEDIA_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}

#: Links mailed to one address: a few an hour, and a day's worth that no
#: forgetful entrant needs more of but that stops anyone from filling someone
#: else's mailbox.
RESEND_EMAIL_HOUR = "3/h"
RESEND_EMAIL_DAY = "6/d"


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; only pressing it (POST) confirms the address."""
    if request.method == "POST":
        entry = services.verify_email(token)
        confirmed = entry is not None
    else:
        entry = entry_for_verification_token(token)
        confirmed = entry is not None and entry.is_verified
    return render(
        request,
        "entries/verified.html",
        {"entry": entry, "confirmed": confirmed, "campaign": entry.campaign if entry else None},
        status=200 if entry else 400,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    link = services.manage_link(token)
    if link is None:
        return render(request, "entries/manage_invalid.html", status=404)
    entry = link.entry
    error = ""
    if request.method == "POST":
        # Only a person acting with this link gets here: older links stop now.
        services.use_manage_link(link)
        action = request.POST.get("action")
        if action == "confirm":
            services.mark_verified_by_manage_link(entry)
            return redirect(request.path + "?done=confirmed")
        if action == "revoke":
            return redirect(request.path + "?done=revoked")
        if action == "withdraw" and entry.status == EntryStatus.SUBMITTED:
            services.withdraw_entry(entry)
            return redirect(request.path + "?done=withdrawn")
        if action == "erase":
            if request.POST.get("confirm") == "yes":
                erased = services.erase_entry(entry)
                return render(request, "entries/erased.html", {"receipt": erased})
            error = _(
                "Please tick the box to confirm that the entry and its photos should be erased."
            )
    return render(
        request,
        "entries/manage.html",
        {
            "entry": entry,
            "campaign": entry.campaign,
            "token": token,
            "photos": photos_for_display(entry, token=token),
            "older_links": has_older_manage_links(link),
            "done": request.GET.get("done", ""),
            "error": error,
        },
        status=400 if error else 200,
    )


@never_cache
def manage_photo(
    request: HttpRequest, token: str, photo: str, width: int, fmt: str
) -> HttpResponse:
    """A rendition of one of the entry's photos, for its owner only."""
    entry = services.entry_for_manage_token(token)
    if entry is None:
        raise Http404
    item = get_object_or_404(Photo, entry=entry, token=photo)
    path = item.rendition_path(width, fmt) if fmt in MEDIA_TYPES else None
    if not path:
        raise Http404
    response = FileResponse(private_storage().open(path, "rb"), content_type=MEDIA_TYPES[fmt])
    response["Cache-Control"] = "private, max-age=3600"
    return response


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _over(group: str, rate: str, value: str) -> bool:
    """Count one request against ``rate`` ("3/h", "6/d") for ``value``; ``True`` when over.

    A fixed window per clock hour or UTC day. Not django-ratelimit's counter:
    on the database and local-memory caches ``incr`` stores the count again
    with the default five-minute expiry, so an hourly or daily limit forgot
    everything after five quiet minutes; here the expiry is set again after
    each count. Fails open (logged without the key) when the cache is down.
    """
    limit, unit = rate.split("/")
    period = _PERIODS[unit[-1]] * int(unit[:-1] or 1)
    window = int(time.time()) // period
    key = "tasuki:rl:" + hashlib.sha256(f"{group}:{window}:{value}".encode()).hexdigest()[:40]
    try:
        if cache.add(key, 1, period + 60):
            count = 1
        else:
            count = cache.incr(key)
            cache.touch(key, period + 60)
    except Exception:
        log.warning("rate limit %s not applied: the cache failed", group, exc_info=True)
        return False
    return count > int(limit)


def _resend_limited(request: HttpRequest, digest: str) -> bool:
    """Per connection, then per address an hour and a day (the address's
    digest, hashed again, is the key: no address in the cache)."""
    return (
        _over("resend-ip", settings.TASUKI_RATE_RESEND, ratelimit_ip_key("resend", request))
        or _over(
            "resend-email", getattr(settings, "TASUKI_RATE_RESEND_EMAIL", RESEND_EMAIL_HOUR), digest
        )
        or _over(
            "resend-email-day",
            getattr(settings, "TASUKI_RATE_RESEND_EMAIL_DAY", RESEND_EMAIL_DAY),
            digest,
        )
    )


@never_cache
@require_http_methods(["GET", "POST"])
def resend(request: HttpRequest) -> HttpResponse:
    """Send fresh private links to an address, without saying whether it has entries."""
    form = ResendForm(request.POST or None)
    sent = False
    limited = False
    if request.method == "POST" and form.is_valid():
        digest = services.email_digest(form.cleaned_data["email"])
        limited = _resend_limited(request, digest)
        if not limited:
            services.request_manage_links(email_digest=digest, language=get_language()[:2])
            sent = True
    return render(
        request,
        "entries/resend.html",
        {"form": form, "sent": sent, "limited": limited},
        status=429 if limited else 200,
    )
