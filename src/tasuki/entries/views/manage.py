"""The entrant's own pages after sending: address verification, the private
manage link (see, withdraw, erase), its photos, and asking for the links again."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tasuki.core.net import ratelimit_ip_key
from tasuki.entries import services
from tasuki.entries.forms import ResendForm
from tasuki.entries.models import Entry, EntryStatus, Photo, private_storage
from tasuki.entries.selectors import photos_for_display
from tasuki.entries.tasks import resend_manage_links
from tasuki.entries.views.submit import limited as _limited

MEDIA_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


@never_cache
def verify(request: HttpRequest, token: str) -> HttpResponse:
    entry = services.verify_email(token)
    status = 200 if entry else 400
    return render(
        request,
        "entries/verified.html",
        {"entry": entry, "campaign": entry.campaign if entry else None},
        status=status,
    )


def _manage_entry(token: str) -> Entry:
    entry = services.entry_for_manage_token(token)
    if entry is None:
        raise Http404
    return entry


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    entry = services.entry_for_manage_token(token)
    if entry is None:
        return render(request, "entries/manage_invalid.html", status=404)
    services.mark_verified_by_manage_link(entry)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
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
    entry = _manage_entry(token)
    item = get_object_or_404(Photo, entry=entry, token=photo)
    path = item.rendition_path(width, fmt) if fmt in MEDIA_TYPES else None
    if not path:
        raise Http404
    response = FileResponse(private_storage().open(path, "rb"), content_type=MEDIA_TYPES[fmt])
    response["Cache-Control"] = "private, max-age=3600"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def resend(request: HttpRequest) -> HttpResponse:
    """Send fresh private links to an address, without saying whether it has entries."""
    form = ResendForm(request.POST or None)
    sent = False
    limited = False
    if request.method == "POST" and form.is_valid():
        digest = services.email_digest(form.cleaned_data["email"])
        limited = _limited(
            request, "resend-ip", settings.TASUKI_RATE_RESEND, ratelimit_ip_key
        ) or _limited(request, "resend-email", settings.TASUKI_RATE_RESEND, lambda g, r: digest)
        if not limited:
            resend_manage_links.enqueue(digest, get_language()[:2])
            sent = True
    return render(
        request,
        "entries/resend.html",
        {"form": form, "sent": sent, "limited": limited},
        status=429 if limited else 200,
    )
