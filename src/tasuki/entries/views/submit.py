"""Public entry views: the form, photo uploads and the receipt.

The form works in two ways with the same view:

* with JavaScript (the usual case), photos are uploaded one by one before the
  final submit, and the submit is sent with ``fetch``; answers are JSON, and
  the page never leaves the form until there is a receipt;
* without JavaScript, it is a plain multipart POST; on any problem the form is
  shown again with everything the entrant typed, and photos that were fine are
  kept on the server and shown as attached.

Either way, a submission carries a ``submission_key`` made once per draft, so
repeating it returns the first receipt and never a second entry.
"""

from __future__ import annotations

import hashlib
import logging
import uuid

from altcha_django import AltchaWidget, run_verification
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from tasuki.campaigns.selectors import campaign_status, current_terms, get_campaign
from tasuki.core.net import client_ip, ratelimit_ip_key
from tasuki.core.timefmt import format_jst
from tasuki.entries import services
from tasuki.entries.form_messages import entry_form_messages
from tasuki.entries.forms import EntryForm
from tasuki.entries.models import LIMITS, Entry, Photo
from tasuki.entries.photos import PhotoError, too_large

log = logging.getLogger(__name__)

MEDIA_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


def wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Tasuki-Fetch") == "1"


def limited(request: HttpRequest, group: str, rate: str, key) -> bool:
    """Count this request against a limit; ``True`` when it is over.

    If the cache is down the limit is not applied (and the failure is logged,
    without the key, which may be personal): see ``RATELIMIT_FAIL_OPEN``.
    """
    try:
        return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
    except Exception:
        log.warning("rate limit %s not applied: the cache failed", group, exc_info=True)
        return False


def _submission_key(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get("submission_key", ""))
    except ValueError:
        return None


def _altcha_problem(request: HttpRequest, key: uuid.UUID) -> str | None:
    """Check the proof of work; ``None`` when it passes.

    A solution may be sent again with the same submission (the entrant fixes a
    field and presses send again) but never with another one.
    """
    payload = request.POST.get("altcha", "")
    if not payload:
        return _(
            "The robot check has not finished yet. Wait until it shows a tick "
            "(a few seconds), then press Send again. Your answers are kept."
        )
    result = run_verification(payload, request=request, replay=False)
    if not result.ok:
        return _(
            "The robot check did not pass or has expired. Tick “I'm not a robot” again, "
            "then press Send. Your answers are kept."
        )
    tag = "tasuki:altcha:" + hashlib.sha256(payload.encode()).hexdigest()
    ttl = settings.ALTCHA_CHALLENGE["expires_seconds"] + 60
    try:
        reused = not cache.add(tag, str(key), timeout=ttl) and cache.get(tag) != str(key)
    except Exception:  # the cache is down: the solution itself was verified above
        log.warning("ALTCHA reuse not checked: the cache failed", exc_info=True)
        reused = False
    if reused:
        return _(
            "This robot check was already used for another entry. Tick “I'm not a robot” "
            "again, then press Send. Your answers are kept."
        )
    return None


def _receipt_url(entry: Entry) -> str:
    return reverse("entries:receipt", args=[entry.receipt])


def _form_context(request, campaign, form, *, photos=(), problem="", status=None) -> dict:
    status = status or campaign_status(campaign)
    widget = AltchaWidget(auto="onload", language=get_language()[:2])
    return {
        "altcha_widget": widget.render("altcha", None),
        "altcha_media": widget.media,
        "messages_js": entry_form_messages(),
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


def _refuse(request, campaign, form, message: str, *, status: int, photos=(), field=None):
    """Answer a submission that was not saved: the entrant keeps everything."""
    if wants_json(request):
        errors = (
            {name: [str(e) for e in errs] for name, errs in form.errors.items()} if form else {}
        )
        return JsonResponse(
            {"ok": False, "message": message, "errors": errors, "field": field}, status=status
        )
    ctx = _form_context(request, campaign, form, photos=photos, problem=message)
    return render(request, "entries/form.html", ctx, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug, with_periods=request.method == "GET")
    if request.method == "GET":
        form = EntryForm(initial={"submission_key": uuid.uuid4(), "language": get_language()[:2]})
        return render(request, "entries/form.html", _form_context(request, campaign, form))
    return _submit(request, campaign)


def _submit(request: HttpRequest, campaign) -> HttpResponse:
    key = _submission_key(request)
    if key is not None and (existing := services.find_by_submission_key(key)):
        return _success(request, existing)
    form = EntryForm(request.POST)
    tokens = request.POST.getlist("photo_tokens")
    photos = (
        list(Photo.objects.filter(token__in=tokens, submission_key=key, entry__isnull=True))
        if key and tokens
        else []
    )

    def refuse(message: str, *, status: int = 400, field: str | None = None) -> HttpResponse:
        return _refuse(request, campaign, form, message, status=status, photos=photos, field=field)

    if limited(request, "entry-submit-ip", settings.TASUKI_RATE_SUBMIT_IP, ratelimit_ip_key):
        return refuse(
            _(
                "Many entries have come from your connection in the last hour, so we are "
                "pausing it for a while. Your answers are kept on this page: please try again "
                "in an hour."
            ),
            status=429,
        )
    valid = form.is_valid()
    if form.data.get("website"):
        return refuse(
            _(
                "The field “Leave this field empty” has something in it (perhaps your browser "
                "filled it in). Please empty it and press Send again."
            ),
            field="website",
        )
    if key is None:
        return refuse(_("The form was incomplete. Please reload the page; your answers are kept."))
    photo_problem = None
    for upload in request.FILES.getlist("photos"):  # the no-JavaScript path
        try:
            photos.append(services.store_photo(submission_key=key, file=upload, size=upload.size))
        except PhotoError as exc:
            photo_problem = f"{_('Photo')} “{upload.name[:60]}”: {exc.message}"
    if not valid:
        return refuse(
            photo_problem
            or _(
                "Some answers need your attention: see the messages next to them. "
                "Everything you wrote is still here."
            )
        )
    if photo_problem:
        return refuse(photo_problem, field="photos")
    altcha_problem = _altcha_problem(request, key)
    if altcha_problem:
        return refuse(altcha_problem, field="altcha")
    email_key = services.email_digest(form.cleaned_data["email"])
    if limited(
        request, "entry-submit-email", settings.TASUKI_RATE_SUBMIT_EMAIL, lambda g, r: email_key
    ):
        return refuse(
            _(
                "Several entries have just been sent with this e-mail address. Please wait an "
                "hour before sending another; your answers are kept on this page."
            ),
            status=429,
            field="email",
        )
    token_order = [*tokens, *[p.token for p in photos if p.token not in tokens]]
    try:
        result = services.submit_entry(
            campaign=campaign,
            data=form.cleaned_data,
            photo_tokens=token_order,
            ip=client_ip(request),
        )
    except services.EntryClosed as closed:
        return refuse(_closed_message(campaign, closed.period), status=409)
    except services.EntryRefused as refused:
        return refuse(refused.message, field=refused.field)
    except DatabaseError:
        log.exception("entry could not be saved")
        return refuse(
            _(
                "We could not save your entry just now because of a problem on our side. "
                "Nothing is lost: your answers are still here. Please press Send again in a "
                "moment."
            ),
            status=503,
        )
    return _success(request, result.entry)


def _closed_message(campaign, period) -> str:
    status = campaign_status(campaign)
    if period is not None:
        message = _("Entries for the %(period)s closed at %(closes)s.") % {
            "period": period.name,
            "closes": format_jst(period.closes_at),
        }
    else:
        message = _("Entries are not open at the moment.")
    if status.next is not None:
        message += " " + _(
            "Your text stays on this page and on this device: you can send it when the next "
            "period opens on %(opens)s."
        ) % {"opens": format_jst(status.next.opens_at)}
    else:
        message += " " + _("Your text stays on this page, but it can no longer be sent.")
    return message


def _success(request: HttpRequest, entry: Entry) -> HttpResponse:
    url = _receipt_url(entry)
    if wants_json(request):
        return JsonResponse({"ok": True, "receipt": entry.receipt, "receipt_url": url})
    return redirect(url)


@never_cache
@require_POST
def upload_photo(request: HttpRequest, slug: str) -> HttpResponse:
    """Take one photo for a draft; answers JSON with its token or a message."""
    get_campaign(slug, with_periods=False)
    limit = settings.TASUKI_PHOTO_MAX_BYTES
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > limit + 256 * 1024:  # refuse before reading a body we would not keep
        error = too_large(length)
        return JsonResponse(
            {"ok": False, "code": error.code, "message": str(error.message)}, status=413
        )
    if limited(request, "photo-upload-ip", settings.TASUKI_RATE_UPLOAD_IP, ratelimit_ip_key):
        return JsonResponse(
            {
                "ok": False,
                "code": "rate",
                "message": _("Too many photos from your connection; please wait a while."),
            },
            status=429,
        )
    key = _submission_key(request)
    upload = request.FILES.get("photo")
    if key is None or upload is None:
        return JsonResponse(
            {"ok": False, "code": "missing", "message": _("No photo arrived. Please try again.")},
            status=400,
        )
    try:
        photo = services.store_photo(submission_key=key, file=upload, size=upload.size)
    except PhotoError as exc:
        return JsonResponse(
            {"ok": False, "code": exc.code, "message": str(exc.message)}, status=400
        )
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
    key = _submission_key(request)
    removed = bool(key) and services.remove_pending_photo(
        submission_key=key, token=request.POST.get("token", "")
    )
    return JsonResponse({"ok": removed})


@never_cache
def receipt(request: HttpRequest, receipt: str) -> HttpResponse:
    entry = get_object_or_404(Entry.objects.select_related("campaign", "period"), receipt=receipt)
    return render(
        request,
        "entries/receipt.html",
        {"entry": entry, "campaign": entry.campaign, "photo_count": entry.photos.count()},
    )
