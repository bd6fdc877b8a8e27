"""Public entry views: the form, photo uploads and the receipt.

The form works in two ways with the same view:

* with JavaScript (the usual case), photos are uploaded one by one before the
  final submit, and the submit is sent with ``fetch``; answers are JSON, and
  the page never leaves the form until there is a receipt;
* without JavaScript, it is a plain multipart POST; on any problem the form is
  shown again with everything the entrant typed, and photos that were fine are
  kept on the server and shown as attached.

What is checked, and in which order, lives in :mod:`tasuki.entries.submission`;
these views only turn its outcome into an answer.
"""

from __future__ import annotations

import datetime as dt
import uuid

from altcha_django import AltchaWidget
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tasuki.campaigns.selectors import campaign_status, current_terms, get_campaign
from tasuki.entries import services, submission
from tasuki.entries.form_messages import entry_form_messages
from tasuki.entries.forms import EntryForm
from tasuki.entries.models import LIMITS, Entry

__all__ = ["enter", "photo_status", "receipt", "remove_photo", "upload_photo"]


def wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Tasuki-Fetch") == "1"


def story_pick_messages() -> dict[str, str]:
    """Texts of the search box that picks a relay story (question 1), for the script."""
    return {
        "listLabel": _("Published relay stories"),
        "showAll": _("Show all stories"),
        "matchesOne": _("1 story matches. Use the arrow keys to choose it."),
        "matchesMany": _("%(count)s stories match. Use the arrow keys to choose one."),
        "matchesNone": _(
            "No published story matches. Try another word or a km number, or describe the "
            "story in your own words below."
        ),
        "picked": _("Picked: %(story)s."),
        "pickedKm": _("Picked: %(story)s. Its km mark was filled in below."),
        "cleared": _("No story picked. You can describe it in your own words below."),
    }


def _form_context(request, campaign, form, *, photos=(), problem="", status=None) -> dict:
    status = status or campaign_status(campaign)
    widget = AltchaWidget(auto="onload", language=get_language()[:2])
    return {
        "altcha_widget": widget.render("altcha", None),
        "altcha_media": widget.media,
        "messages_js": entry_form_messages(),
        "story_pick_js": story_pick_messages(),
        "campaign": campaign,
        "status": status,
        "form": form,
        "terms": current_terms(campaign),
        "pending_photos": photos,
        "problem": problem,
        "limits": LIMITS,
        "max_photos": services.MAX_PHOTOS,
        "max_photo_mb": settings.TASUKI_PHOTO_MAX_BYTES // 1_048_576,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug, with_periods=request.method == "GET")
    if request.method == "GET":
        form = EntryForm(
            initial={"submission_key": uuid.uuid4(), "language": get_language()[:2]},
            campaign=campaign,
        )
        return render(request, "entries/form.html", _form_context(request, campaign, form))
    outcome = submission.submit(request, campaign)
    if outcome.entry is not None:
        url = reverse("entries:receipt", args=[outcome.entry.receipt])
        if wants_json(request):
            return JsonResponse(
                {
                    "ok": True,
                    "receipt": outcome.entry.receipt,
                    "receipt_url": url,
                    "duplicate": outcome.duplicate,
                }
            )
        return redirect(url)
    if wants_json(request):
        form = outcome.form
        errors = (
            {name: [str(e) for e in errs] for name, errs in form.errors.items()} if form else {}
        )
        return JsonResponse(
            {
                "ok": False,
                "code": outcome.code,
                "message": outcome.message,
                "errors": errors,
                "field": outcome.field,
                "retry": outcome.retry,
                **outcome.extra,
            },
            status=outcome.status,
        )
    form = outcome.form
    if "new_key" in outcome.extra:  # the page posts again as a new draft
        form.data = form.data.copy()
        form.data["submission_key"] = outcome.extra["new_key"]
    context = _form_context(request, campaign, form, photos=outcome.photos, problem=outcome.message)
    context["arrival"] = outcome.extra.get("arrival", "")
    return render(request, "entries/form.html", context, status=outcome.status)


@never_cache
@require_POST
def upload_photo(request: HttpRequest, slug: str) -> HttpResponse:
    """Take one photo for a draft; answers JSON with its token or a message."""
    get_campaign(slug, with_periods=False)
    outcome = submission.upload(request)
    if outcome.photo is None:
        return JsonResponse(
            {"ok": False, "code": outcome.code, "message": outcome.message},
            status=outcome.status,
        )
    photo = outcome.photo
    return JsonResponse(
        {
            "ok": True,
            "token": photo.token,
            "width": photo.width,
            "height": photo.height,
            "format": photo.format,
        }
    )


@never_cache
@require_POST
def remove_photo(request: HttpRequest, slug: str) -> HttpResponse:
    key = submission.submission_key(request.POST)
    removed = bool(key) and services.remove_pending_photo(
        submission_key=key, token=request.POST.get("token", "")
    )
    return JsonResponse({"ok": removed})


@never_cache
@require_POST
def photo_status(request: HttpRequest, slug: str) -> HttpResponse:
    """Whether a restored draft's photos are still on the server, or were sent."""
    key = submission.submission_key(request.POST)
    if key is None:
        return JsonResponse({"ok": False, "photos": {}}, status=400)
    states = services.photo_states(submission_key=key, tokens=request.POST.getlist("tokens"))
    return JsonResponse({"ok": True, "photos": states})


@never_cache
def receipt(request: HttpRequest, receipt: str) -> HttpResponse:
    entry = get_object_or_404(Entry.objects.select_related("campaign", "period"), receipt=receipt)
    arrived_at = entry.arrived_at or entry.submitted_at
    return render(
        request,
        "entries/receipt.html",
        {
            "entry": entry,
            "campaign": entry.campaign,
            "photo_count": entry.photos.count(),
            "arrived_at": arrived_at,
            # A retry after our own failure: the entrant sees both times, and which counts.
            "saved_later": entry.submitted_at - arrived_at >= dt.timedelta(seconds=1),
        },
    )
