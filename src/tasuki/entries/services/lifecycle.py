"""After the entry: photo processing, manage tokens, verification, withdrawal,
erasure and housekeeping. One function, one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from django.core import signing
from django.db import transaction
from django.utils import timezone

from tasuki.entries import photos as photo_lib
from tasuki.entries.models import Entry, EntryStatus, Photo, PhotoStatus, private_storage

VERIFY_SALT = "tasuki.entries.verify-email"


def process_photo(photo_id: int) -> Photo | None:
    """Make the web renditions of one photo (worker side)."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.status == PhotoStatus.READY:
        return photo
    storage = private_storage()
    try:
        with storage.open(photo.original, "rb") as source:
            renditions = photo_lib.make_renditions(source, name=photo.token, storage=storage)
    except (OSError, ValueError, SyntaxError):
        Photo.objects.filter(pk=photo.pk).update(status=PhotoStatus.FAILED)
        return None
    updated = Photo.objects.filter(pk=photo.pk).update(
        renditions=renditions, status=PhotoStatus.READY, processed_at=timezone.now()
    )
    if not updated:  # erased while we worked: leave nothing behind
        _delete_files([p for r in renditions.values() for p in (r["webp"], r["jpeg"])])
        return None
    photo.refresh_from_db()
    return photo


def remove_pending_photo(*, submission_key: uuid.UUID, token: str) -> bool:
    """Delete a photo the entrant removed from the form before submitting."""
    photo = Photo.objects.filter(
        token=token, submission_key=submission_key, entry__isnull=True
    ).first()
    if photo is None:
        return False
    paths = _photo_paths(photo)
    photo.delete()
    transaction.on_commit(lambda: _delete_files(paths))
    return True


def _photo_paths(photo: Photo) -> list[str]:
    paths = [photo.original]
    for rendition in (photo.renditions or {}).values():
        paths += [rendition.get("webp"), rendition.get("jpeg")]
    return [p for p in paths if p]


def _delete_files(paths: list[str]) -> None:
    storage = private_storage()
    for path in paths:
        storage.delete(path)


# --- after submit: tokens, verification, withdrawal, erasure ----------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_manage_token(entry: Entry) -> str:
    """A fresh private manage link token; earlier links of this entry stop working."""
    token = secrets.token_urlsafe(32)
    Entry.objects.filter(pk=entry.pk).update(manage_token_digest=_digest(token))
    entry.manage_token_digest = _digest(token)
    return token


def entry_for_manage_token(token: str) -> Entry | None:
    if not token or len(token) > 100:
        return None
    return (
        Entry.objects.select_related("campaign", "period", "details")
        .filter(manage_token_digest=_digest(token))
        .first()
    )


def verification_token(entry: Entry) -> str:
    return signing.dumps(entry.receipt, salt=VERIFY_SALT, compress=True)


def verify_email(token: str, *, max_age: dt.timedelta = dt.timedelta(days=30)) -> Entry | None:
    """Mark the address of the entry named by ``token`` as verified; ``None`` if invalid."""
    try:
        receipt = signing.loads(token, salt=VERIFY_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    entry = Entry.objects.filter(receipt=receipt).first()
    if entry is not None and entry.email_verified_at is None:
        entry.email_verified_at = timezone.now()
        Entry.objects.filter(pk=entry.pk, email_verified_at__isnull=True).update(
            email_verified_at=entry.email_verified_at
        )
    return entry


def mark_verified_by_manage_link(entry: Entry) -> None:
    """Opening the private link from the mail also proves the address works."""
    if entry.email_verified_at is None:
        entry.email_verified_at = timezone.now()
        Entry.objects.filter(pk=entry.pk, email_verified_at__isnull=True).update(
            email_verified_at=entry.email_verified_at
        )


#: Allowed status changes: (from, to). Anything else is refused.
TRANSITIONS = {(EntryStatus.SUBMITTED, EntryStatus.WITHDRAWN)}


@transaction.atomic
def withdraw_entry(entry: Entry) -> Entry:
    """The entrant takes the entry out of review and the draw; it stays on record."""
    if (entry.status, EntryStatus.WITHDRAWN) not in TRANSITIONS:
        return entry
    entry.status = EntryStatus.WITHDRAWN
    entry.withdrawn_at = timezone.now()
    entry.save(update_fields=["status", "withdrawn_at"])
    return entry


@transaction.atomic
def erase_entry(entry: Entry) -> str:
    """Delete the entry, its personal details, its mails and its photo files for good.

    Returns the receipt number so the page can say what was erased.
    """
    receipt = entry.receipt
    paths = [path for photo in entry.photos.all() for path in _photo_paths(photo)]
    entry.delete()  # cascades to details, photos and outbox messages
    transaction.on_commit(lambda: _delete_files(paths))
    return receipt


def purge_abandoned_uploads(*, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Delete photos uploaded for drafts that were never submitted."""
    stale = Photo.objects.filter(entry__isnull=True, uploaded_at__lt=timezone.now() - older_than)
    count = 0
    for photo in stale.iterator():
        paths = _photo_paths(photo)
        photo.delete()
        _delete_files(paths)
        count += 1
    return count
