"""The entrant's own pages after sending: address verification, the private
manage link (see, withdraw, erase), its photos, and asking for the links again.

Opening a link (GET) never changes anything: corporate mail scanners open
every link in a mail, and must not confirm an address or stop a link. Every
change is a button (POST) on the page the link opens.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tasuki.core import limits
from tasuki.core.net import client_key
from tasuki.entries import services
from tasuki.entries.forms import ResendForm
from tasuki.entries.models import EntryStatus
from tasuki.entries.selectors import (
    entry_for_verification_token,
    has_older_manage_links,
    photos_for_display,
)
from tasuki.entries.serving import rendition_response

log = logging.getLogger(__name__)


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
    return rendition_response(entry.photos.all(), photo, width, fmt, max_age=3600)


def _resend_limited(request: HttpRequest, digest: str) -> bool:
    """Per connection, then per address an hour and a day (the address's
    digest, hashed again, is the key: no address in the cache)."""
    return (
        limits.hit("resend-ip", settings.TASUKI_RATE_RESEND, client_key(request))
        or limits.hit("resend-email", settings.TASUKI_RATE_RESEND_EMAIL, digest)
        or limits.hit("resend-email-day", settings.TASUKI_RATE_RESEND_EMAIL_DAY, digest)
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
