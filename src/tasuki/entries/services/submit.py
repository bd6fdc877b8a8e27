"""The submit path: photos taken in, entries saved exactly once.

The submit path is deliberately small: inside one transaction it writes the
entry, the entrant's details, the photo references and the consent, and
enqueues the follow-up work (the task rows live in the same database, so they
commit or roll back with the entry). Mail, re-encoding and checks happen in
the worker, never while an entrant waits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import IO

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasuki.campaigns.models import Campaign, EntryPeriod
from tasuki.campaigns.selectors import current_terms
from tasuki.core.errors import EntrantError
from tasuki.core.net import pseudonym
from tasuki.entries import photos as photo_lib
from tasuki.entries.models import (
    EntrantDetails,
    Entry,
    Photo,
    new_receipt,
    original_path,
    private_storage,
)

MAX_PHOTOS = 5


class EntryClosed(Exception):
    """The entry arrived outside every open period."""

    def __init__(self, period: EntryPeriod | None) -> None:
        super().__init__("entry period closed")
        self.period = period


class EntryRefused(EntrantError):
    """A submission that cannot be saved as it is, with a message for the entrant."""


@dataclass(frozen=True)
class SubmitResult:
    entry: Entry
    created: bool


def normalize_email(address: str) -> str:
    return address.strip().lower()


def email_digest(address: str) -> str:
    return pseudonym(normalize_email(address), purpose="email")


def find_by_submission_key(key: uuid.UUID) -> Entry | None:
    return Entry.objects.filter(submission_key=key).first()


def _open_period(campaign: Campaign, at: dt.datetime) -> EntryPeriod | None:
    return EntryPeriod.objects.filter(campaign=campaign, opens_at__lte=at, closes_at__gt=at).first()


def submit_entry(
    *,
    campaign: Campaign,
    data: dict,
    photo_tokens: list[str],
    ip: str = "",
) -> SubmitResult:
    """Save an entry exactly once per ``data["submission_key"]``.

    A second call with the same key (a retry, a double click, a reload) returns
    the first entry with ``created=False`` and changes nothing. Raises
    :class:`EntryClosed` when no period is open at the moment of saving.
    """
    key = data["submission_key"]
    try:
        with transaction.atomic():
            now = timezone.now()  # the deadline is judged when the row is written
            period = _open_period(campaign, now)
            if period is None:
                raise EntryClosed(_last_closed(campaign, now))
            entry = create_entry(
                campaign=campaign,
                period=period,
                data=data,
                photo_tokens=photo_tokens,
                at=now,
                ip=ip,
            )
            from tasuki.entries.tasks import after_submit

            after_submit.enqueue(entry.pk)
    except (IntegrityError, EntryClosed):
        # The unique submission key settles repeats without a lookup on the way in
        # (the view answers most of them before calling here): a retry, or two
        # requests for one draft racing, gets the first entry, even after the
        # deadline. (A receipt collision, one in 2^60, finds nothing and surfaces
        # as an error; the browser's retry then succeeds.)
        existing = find_by_submission_key(key)
        if existing:
            return SubmitResult(existing, created=False)
        raise
    return SubmitResult(entry, created=True)


def create_entry(
    *,
    campaign: Campaign,
    period: EntryPeriod,
    data: dict,
    photo_tokens: list[str],
    at: dt.datetime,
    ip: str = "",
) -> Entry:
    """Write the entry, its personal details and photo references (inside the caller's
    transaction). The period check is the caller's: :func:`submit_entry` does it."""
    terms = current_terms(campaign)
    if terms is None:
        raise EntryRefused("no_terms", _("This campaign has no terms published yet."))
    key = data["submission_key"]
    entry = Entry.objects.create(
        campaign=campaign,
        period=period,
        receipt=new_receipt(),
        submission_key=key,
        language=data["language"],
        title=data["title"],
        pen_name=data["pen_name"],
        role=data["role"],
        country=data["country"],
        resonated_story=data.get("resonated_story", ""),
        resonated_km=data.get("resonated_km"),
        appeal=data["appeal"],
        episode=data["episode"],
        wishes=data["wishes"],
        tagline=data["tagline"],
        age_group=data["age_group"],
        guardian_consent=bool(data.get("guardian_consent")),
        terms_version=terms,
        consented_at=at,
        submitted_at=at,
    )
    EntrantDetails.objects.create(
        entry=entry,
        real_name=data["real_name"],
        email=data["email"],
        email_digest=email_digest(data["email"]),
        instagram_handle=data.get("instagram_handle", ""),
        x_handle=data.get("x_handle", ""),
        guardian_name=data.get("guardian_name", ""),
        ip_digest=pseudonym(ip, purpose="ip") if ip else "",
    )
    _attach_photos(entry, key, photo_tokens)
    return entry


def _last_closed(campaign: Campaign, at: dt.datetime) -> EntryPeriod | None:
    return (
        EntryPeriod.objects.filter(campaign=campaign, closes_at__lte=at)
        .order_by("-closes_at")
        .first()
    )


def _attach_photos(entry: Entry, key: uuid.UUID, tokens: list[str]) -> None:
    tokens = list(dict.fromkeys(t for t in tokens if t))  # keep order, drop repeats
    if not tokens:
        return
    if len(tokens) > MAX_PHOTOS:
        raise EntryRefused(
            "too_many_photos",
            _("An entry can have at most %(max)s photos.") % {"max": MAX_PHOTOS},
            field="photos",
        )
    found = {
        p.token: p
        for p in Photo.objects.select_for_update(of=("self",)).filter(
            token__in=tokens, submission_key=key, entry__isnull=True
        )
    }
    missing = [t for t in tokens if t not in found]
    if missing:
        raise EntryRefused(
            "photo_missing",
            str(
                _(
                    "One of your photos is no longer on our server (uploads are kept for two "
                    "days). Please remove it and add it again."
                )
            ),
            field="photos",
        )
    for position, token in enumerate(tokens):
        photo = found[token]
        photo.entry = entry
        photo.position = position
        photo.save(update_fields=["entry", "position"])


def store_photo(
    *, submission_key: uuid.UUID, file: IO[bytes], size: int, enqueue: bool = True
) -> Photo:
    """Check an uploaded photo and keep its original privately; re-encoding is queued.

    Raises :class:`tasuki.entries.photos.PhotoError` with the entrant's message.
    """
    info = photo_lib.inspect(file, size=size)
    pending = Photo.objects.filter(submission_key=submission_key, entry__isnull=True).count()
    if pending >= MAX_PHOTOS * 2:
        raise photo_lib.PhotoError(
            "too_many",
            str(_("You have added the most photos one entry can hold. Remove one first.")),
        )
    from django.core.files import File

    from tasuki.entries.tasks import process_photo

    photo = Photo(
        token=Photo.new_token(),
        submission_key=submission_key,
        format=info.format,
        width=info.width,
        height=info.height,
        size_bytes=info.size_bytes,
        sha256=info.sha256,
    )
    file.seek(0)
    # The file is written before the row: a crash in between leaves an orphan
    # file for the purge, never a row pointing at nothing.
    photo.original = private_storage().save(original_path(photo.token), File(file))
    with transaction.atomic():
        photo.save()
        if enqueue:
            process_photo.enqueue(photo.pk)
    return photo
