"""The submit and upload pipelines: every check an entry or a photo passes, in order.

Each pipeline reads top to bottom in one function and returns an
:class:`Outcome`; the views only turn that outcome into JSON or a page. The
order is the design:

* cheap refusals first (a missing key, a client over its limits), so a flood
  costs little;
* the proof of work before anything is stored, so nobody stores photos or
  entries for free;
* the deadline judged at the moment the request (or the first attempt of a
  retried one) reached us, never after our own delays;
* every refusal keeps what the entrant wrote, says what happened and what to
  do, and says whether trying again can help (``retry``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from altcha_django import run_verification
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tasuki.campaigns.models import Campaign
from tasuki.campaigns.selectors import campaign_status
from tasuki.core import limits
from tasuki.core.net import client_ip, client_key
from tasuki.core.timefmt import format_jst
from tasuki.entries import services
from tasuki.entries.forms import EntryForm
from tasuki.entries.models import Entry, Photo
from tasuki.entries.photos import PhotoError, too_large

log = logging.getLogger(__name__)

#: Limit groups (the names are part of the cache keys; see core.limits).
ACCEPTED_PER_CLIENT = "entry-accepted-client"
REFUSED_PER_CLIENT = "entry-refused-client"
ACCEPTED_PER_ADDRESS = "entry-accepted-email"
UPLOADS_PER_CLIENT = "photo-upload-client"


@dataclass
class Outcome:
    """What became of a submission or an upload.

    ``entry`` (or ``photo``) is set when it was taken; otherwise ``code``,
    ``message`` and ``status`` say why not, ``field`` names the form field it
    concerns, ``retry`` says whether sending the same again can succeed (only
    for our own temporary failures), and ``extra`` carries what the browser
    needs to carry on (an arrival proof, a new key, another entry's receipt).
    """

    entry: Entry | None = None
    photo: Photo | None = None
    duplicate: bool = False
    code: str = ""
    message: str = ""
    status: int = 200
    field: str | None = None
    retry: bool = False
    extra: dict = dataclasses.field(default_factory=dict)
    form: EntryForm | None = None
    photos: list[Photo] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.entry is not None or self.photo is not None


def submission_key(data) -> uuid.UUID | None:
    try:
        return uuid.UUID(data.get("submission_key", ""))
    except (ValueError, TypeError, AttributeError):
        return None


# --- the submit pipeline ------------------------------------------------------------


def submit(request: HttpRequest, campaign: Campaign) -> Outcome:
    """Take one submission of the entry form, or say exactly why not."""
    arrived_at = timezone.now()  # before any of our own work or waiting
    client = client_key(request)
    key = submission_key(request.POST)
    form = EntryForm(request.POST, campaign=campaign)
    tokens = [t for t in request.POST.getlist("photo_tokens") if t]
    photos = services.draft_photos(submission_key=key, tokens=tokens) if key else []

    def refuse(code: str, message: str, *, status: int = 400, **kwargs) -> Outcome:
        if status not in (429, 503):  # our own failures and limits are not the entrant's
            limits.count(REFUSED_PER_CLIENT, settings.TASUKI_RATE_SUBMIT_FAILURES_IP, client)
        return Outcome(
            code=code, message=message, status=status, form=form, photos=photos, **kwargs
        )

    # 1. A form that lost its key cannot be sent exactly once.
    if key is None:
        return refuse(
            "incomplete",
            _("The form was incomplete. Please reload the page; your answers are kept."),
        )
    valid = form.is_valid()

    # 2. This draft was sent before: the same story gets its receipt again; a
    #    different story under the same key (a second tab) gets a key of its own.
    if existing := services.find_by_submission_key(key):
        if not existing.content_digest or (
            valid
            and services.content_digest(campaign, form.cleaned_data) == existing.content_digest
        ):
            return Outcome(entry=existing)  # a retry (or an entry older than the digest)
        return _draft_already_sent(refuse, existing, key, tokens)

    # 3. Limits per client: accepted entries and refused attempts are counted apart.
    if limits.is_spent(
        ACCEPTED_PER_CLIENT, settings.TASUKI_RATE_SUBMIT_IP, client
    ) or limits.is_spent(REFUSED_PER_CLIENT, settings.TASUKI_RATE_SUBMIT_FAILURES_IP, client):
        return refuse(
            "rate",
            _(
                "Many entries have come from your connection in the last hour, so we are "
                "pausing it for a while. Your answers are kept on this page: please try again "
                "in an hour."
            ),
            status=429,
        )

    # 4. The honeypot, with a message a person who filled it by accident can act on.
    if form.data.get("website"):
        return refuse(
            "honeypot",
            _(
                "The field “Leave this field empty” has something in it (perhaps your browser "
                "filled it in). Please empty it and press Send again."
            ),
            field="website",
        )

    # 5. The proof of work, before anything is stored.
    if problem := check_proof(request.POST.get("altcha", ""), key):
        return refuse("robot", problem, field="altcha")

    # 6. Photos sent with the form itself (the path without JavaScript); the form's
    #    own messages, and whether the relay story it picked may still be named.
    photo_problem = None
    for upload in request.FILES.getlist("photos"):
        try:
            photos.append(services.store_photo(submission_key=key, file=upload, size=upload.size))
        except PhotoError as exc:
            photo_problem = _("Photo “%(name)s”: %(problem)s") % {
                "name": upload.name[:60],
                "problem": exc.message,
            }
    valid = form.check_pick() and valid  # every message at once
    if not valid:
        return refuse(
            "invalid",
            photo_problem
            or _(
                "Some answers need your attention: see the messages next to them. "
                "Everything you wrote is still here."
            ),
        )
    if photo_problem:
        return refuse("photo", photo_problem, field="photos")

    # 7. The same story sent again under a new key (Back, then Send): its receipt.
    digest = services.content_digest(campaign, form.cleaned_data)
    if same := services.find_same_story(campaign, digest):
        return Outcome(entry=same, duplicate=True)

    # 8. Accepted entries per address.
    email_key = services.email_digest(form.cleaned_data["email"])
    if limits.is_spent(ACCEPTED_PER_ADDRESS, settings.TASUKI_RATE_SUBMIT_EMAIL, email_key):
        return refuse(
            "rate_email",
            _(
                "Several entries have just been sent with this e-mail address. Please wait an "
                "hour before sending another; your answers are kept on this page."
            ),
            status=429,
            field="email",
        )

    # 9. When did this submission arrive? A retry after our own failure carries proof.
    proven = services.arrival_from_token(
        request.POST.get("arrival", ""), submission_key=key, now=arrived_at
    )
    judged_at = min(proven or arrived_at, arrived_at)

    # 10. Save, exactly once.
    order = [*tokens, *[p.token for p in photos if p.token not in tokens]]
    try:
        result = services.submit_entry(
            campaign=campaign,
            data=form.cleaned_data,
            photo_tokens=order,
            ip=client_ip(request),
            arrived_at=judged_at,
            digest=digest,
        )
    except services.EntryClosed as closed:
        status = campaign_status(campaign)
        if status.next is not None:
            services.keep_draft_photos(
                submission_key=key, until=status.next.opens_at + dt.timedelta(days=2)
            )
        return refuse("closed", closed_message(closed.period, status.next), status=409)
    except services.EntryRefused as refused:
        return refuse(refused.code, str(refused.message), field=refused.field)
    except (OperationalError, InterfaceError):
        # Our side: a lock wait ran out, the connection dropped. The same request
        # will succeed, and it keeps its place before the deadline.
        log.exception("entry could not be saved (temporary)")
        return refuse(
            "unavailable",
            _(
                "We could not save your entry just now because of a problem on our side. "
                "Nothing is lost: your answers are still here. Please press Send again in a "
                "moment."
            ),
            status=503,
            retry=True,
            extra={"arrival": services.arrival_token(submission_key=key, arrived_at=judged_at)},
        )
    except DatabaseError:
        # Something in the entry the database refuses: sending it again would fail
        # the same way, so the browser must stop and the entrant must be told.
        log.exception("entry could not be saved (refused by the database)")
        return refuse(
            "unsaveable",
            _(
                "Something in this entry cannot be saved as it is, and sending it again will "
                "not help. Your answers are still here. Please write to %(contact)s and we "
                "will help you send it."
            )
            % {"contact": campaign.contact_email},
            status=500,
        )
    limits.count(ACCEPTED_PER_CLIENT, settings.TASUKI_RATE_SUBMIT_IP, client)
    limits.count(ACCEPTED_PER_ADDRESS, settings.TASUKI_RATE_SUBMIT_EMAIL, email_key)
    return Outcome(entry=result.entry)


def _draft_already_sent(refuse, existing: Entry, key: uuid.UUID, tokens: list[str]) -> Outcome:
    """The key belongs to an entry with another story: hand this draft a new key."""
    from django.urls import reverse

    new_key, moved = services.move_draft(submission_key=key, tokens=tokens)
    return refuse(
        "draft_already_sent",
        _(
            "This draft was already sent, perhaps from another tab or window, and received "
            "with receipt number %(receipt)s. What is on this page is different, so it has "
            "not been sent. Press Send again to send it as a new entry; your answers and "
            "photos are kept."
        )
        % {"receipt": existing.receipt},
        status=409,
        extra={
            "new_key": str(new_key),
            "moved": moved,  # the draft's photos that came along
            "receipt": existing.receipt,
            "receipt_url": reverse("entries:receipt", args=[existing.receipt]),
        },
    )


def closed_message(period, next_period) -> str:
    """Why an entry was refused for its time, and what becomes of the text."""
    if period is not None and next_period is not None:
        return _(
            "The entry period “%(period)s” closed at %(closes)s. Your text stays on this page "
            "and on this device, and your photos are kept: you can send it when the next "
            "period opens on %(opens)s."
        ) % {
            "period": period.name,
            "closes": format_jst(period.closes_at),
            "opens": format_jst(next_period.opens_at),
        }
    if period is not None:
        return _(
            "The entry period “%(period)s” closed at %(closes)s. Your text stays on this page, "
            "but it can no longer be sent."
        ) % {"period": period.name, "closes": format_jst(period.closes_at)}
    if next_period is not None:
        return _(
            "Entries are not open at the moment. Your text stays on this page and on this "
            "device, and your photos are kept: you can send it when the next period opens "
            "on %(opens)s."
        ) % {"opens": format_jst(next_period.opens_at)}
    return _(
        "Entries are not open at the moment. Your text stays on this page, but it can no "
        "longer be sent."
    )


# --- the proof of work ------------------------------------------------------------------


def check_proof(payload: str, key: uuid.UUID) -> str | None:
    """Check the proof of work and spend it on this draft; ``None`` when it passes.

    A solution may be presented again by the draft it was first spent on (its
    photos, a retry, a fix after a refusal), never by another: the library's
    replay id (the challenge's signed nonce) is the same however the payload
    is encoded, and a unique row holds it.
    """
    if not payload:
        return _(
            "The robot check has not finished yet. Wait until it shows a tick "
            "(a few seconds), then press Send again. Your answers are kept."
        )
    result = run_verification(payload, replay=False)
    if not result.verified or not result.replay_id:
        return _(
            "The robot check did not pass or has expired. Tick “I'm not a robot” again, "
            "then press Send. Your answers are kept."
        )
    expires = (
        dt.datetime.fromtimestamp(result.expires_at, tz=dt.UTC)
        if result.expires_at
        else timezone.now() + dt.timedelta(seconds=settings.ALTCHA_CHALLENGE["expires_seconds"])
    )
    if not services.spend_proof(replay_id=result.replay_id, submission_key=key, expires_at=expires):
        return _(
            "This robot check was already used for another entry. Tick “I'm not a robot” "
            "again, then press Send. Your answers are kept."
        )
    return None


# --- the upload pipeline ----------------------------------------------------------------


def upload(request: HttpRequest) -> Outcome:
    """Take one photo for a draft, or say exactly why not.

    Cheap checks come before the body is decoded: the declared size, the
    client's files and bytes this hour, the proof of work, the draft's own
    budget; only then is the image decoded and stored.
    """
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.TASUKI_PHOTO_MAX_BYTES + 256 * 1024:  # before reading the body
        error = too_large(length)
        return Outcome(code=error.code, message=str(error.message), status=413)
    client = client_key(request)
    budget = limits.HourlyBytes(UPLOADS_PER_CLIENT, client, settings.TASUKI_UPLOAD_BYTES_PER_HOUR)
    if limits.is_spent(UPLOADS_PER_CLIENT, settings.TASUKI_RATE_UPLOAD_IP, client) or not (
        budget.allows(length)
    ):
        return Outcome(
            code="rate",
            message=_(
                "Many photos have come from your connection in the last hour, so we are pausing "
                "uploads from it for a while. The photos already uploaded are kept; please try "
                "again later."
            ),
            status=429,
        )
    key = submission_key(request.POST)
    file = request.FILES.get("photo")
    if key is None or file is None:
        return Outcome(code="missing", message=_("No photo arrived. Please try again."), status=400)
    if problem := check_proof(request.POST.get("altcha", ""), key):
        return Outcome(code="robot", message=problem, status=403)
    try:
        photo = services.store_photo(submission_key=key, file=file, size=file.size)
    except PhotoError as exc:
        return Outcome(code=exc.code, message=str(exc.message), status=400)
    limits.count(UPLOADS_PER_CLIENT, settings.TASUKI_RATE_UPLOAD_IP, client)
    budget.spend(file.size)
    return Outcome(photo=photo)
