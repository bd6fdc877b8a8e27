"""After the entry: photo processing, manage links, verification, withdrawal,
erasure and housekeeping. One function, one transaction.

Two rules run through this module. A row is deleted by a statement that
re-checks, in its WHERE clause, what made it deletable (a photo with no entry):
on SQLite ``select_for_update`` locks nothing, so a check made in an earlier
statement can be stale by the time of the delete. And files are deleted only
once their row is really gone, and by the photo's random token, so a file
written by a worker at the same moment is reached as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import posixpath
import secrets
import uuid
from collections.abc import Iterable

from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tasuki.entries import photos as photo_lib
from tasuki.entries.models import (
    EntrantDetails,
    Entry,
    EntryStatus,
    LinkRequest,
    ManageToken,
    Photo,
    PhotoStatus,
    private_storage,
)
from tasuki.entries.signals import entry_withdrawn, photo_ready
from tasuki.mail.placeholders import Placeholder
from tasuki.mail.services import queue_mail

log = logging.getLogger(__name__)

VERIFY_SALT = "tasuki.entries.verify-email"

#: The worker needs about a second for a phone photo; one it started this long
#: ago and never finished was lost with its worker (killed, out of memory).
PHOTO_STALE_AFTER = dt.timedelta(minutes=30)
#: Starts of the worker on one photo before it is marked failed for staff.
PHOTO_MAX_ATTEMPTS = 3
#: Where a photo's files live in the private storage; each file name starts
#: with the photo's token.
PHOTO_DIRS = ("photos/originals", "photos/web", "photos/full")


# --- photos -------------------------------------------------------------------------


def process_photo(photo_id: int) -> Photo | None:
    """Make the web renditions and the metadata-free full-size copy of one photo,
    then delete the uploaded original (worker side).

    The start is recorded first (attempts, time) in a statement that succeeds
    only for a photo still waiting and not being worked on by a live worker:
    a run that dies without a trace is then visible to
    :func:`recover_stuck_photos`, and a duplicate task does nothing.
    """
    now = timezone.now()
    claimed = (
        Photo.objects.filter(pk=photo_id, status=PhotoStatus.UPLOADED)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lt=now - PHOTO_STALE_AFTER))
        .update(attempts=F("attempts") + 1, attempted_at=now)
    )
    photo = Photo.objects.filter(pk=photo_id).first()
    if not claimed or photo is None:
        return photo
    storage = private_storage()
    written: list[str] = []
    try:
        with storage.open(photo.original, "rb") as source:
            renditions = photo_lib.make_renditions(source, name=photo.token, storage=storage)
            written = _rendition_paths(renditions)
            source.seek(0)
            full_size = photo_lib.make_full_size(source, name=photo.token, storage=storage)
            written.append(full_size)
    except (OSError, ValueError, SyntaxError):
        _delete_files(written)
        Photo.objects.filter(pk=photo.pk, status=PhotoStatus.UPLOADED).update(
            status=PhotoStatus.FAILED
        )
        return None
    except BaseException:
        _delete_files(written)  # a crash leaves no half-made set behind
        raise
    updated = Photo.objects.filter(pk=photo.pk, status=PhotoStatus.UPLOADED).update(
        renditions=renditions,
        full_size=full_size,
        original="",
        status=PhotoStatus.READY,
        processed_at=timezone.now(),
    )
    if not updated:  # erased (or finished by another run) while we worked
        _delete_files(written)
        return None
    # The upload, with whatever metadata the camera wrote, is no longer needed.
    _delete_files([photo.original])
    photo.refresh_from_db()
    photo_ready.send(sender=Photo, photo=photo)
    return photo


def _rendition_paths(renditions: dict) -> list[str]:
    return [p for r in renditions.values() for p in (r.get("webp"), r.get("jpeg")) if p]


def _photo_paths(photo: Photo) -> list[str]:
    paths = [photo.original, photo.full_size, *_rendition_paths(photo.renditions or {})]
    return [p for p in paths if p]


def _delete_files(paths: Iterable[str]) -> None:
    storage = private_storage()
    for path in paths:
        if path:
            storage.delete(path)


def _delete_photo_files(token: str, known: Iterable[str] = ()) -> None:
    """Delete the files the row named and any other file of this token (a
    rendition written by a worker after the row was read)."""
    storage = private_storage()
    _delete_files(known)
    for folder in PHOTO_DIRS:
        directory = f"{folder}/{token[:2]}"
        try:
            _dirs, files = storage.listdir(directory)
        except (FileNotFoundError, NotImplementedError):
            continue
        for name in files:
            if name.startswith(token):
                storage.delete(f"{directory}/{name}")


def _delete_task_rows(task_path: str, ids: Iterable[int]) -> int:
    """Delete the queue's rows of ``task_path`` for these ids (not a running one:
    its worker will write its result; pruning takes it later)."""
    ids = list(ids)
    if not ids:
        return 0
    deleted, _ = (
        DBTaskResult.objects.filter(task_path=task_path, args_kwargs__args__0__in=ids)
        .exclude(status="RUNNING")
        .delete()
    )
    return deleted


def _task_path(name: str) -> str:
    return f"tasuki.entries.tasks.{name}"


def _delete_unattached(photo: Photo, *, extra: Q | None = None) -> bool:
    """Delete ``photo`` if it still has no entry, in the one DELETE statement;
    its files and queued task go only if the row did."""
    condition = Q(pk=photo.pk, entry__isnull=True)
    if extra is not None:
        condition &= extra
    deleted, _ = Photo.objects.filter(condition).delete()
    if not deleted:
        return False
    _delete_task_rows(_task_path("process_photo"), [photo.pk])
    paths = _photo_paths(photo)
    transaction.on_commit(lambda: _delete_photo_files(photo.token, paths))
    return True


def remove_pending_photo(*, submission_key: uuid.UUID, token: str) -> bool:
    """Delete a photo the entrant removed from the form before submitting.

    A submit of the same draft may attach the photo at the same moment: the
    delete then finds no row without an entry and the photo stays with the entry.
    """
    photo = Photo.objects.filter(
        token=token, submission_key=submission_key, entry__isnull=True
    ).first()
    if photo is None:
        return False
    return _delete_unattached(photo)


def _purgeable(now: dt.datetime) -> Q:
    return Q(entry__isnull=True) & (Q(keep_until__isnull=True) | Q(keep_until__lte=now))


def purge_abandoned_uploads(*, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    """Delete photos uploaded for drafts that were never submitted.

    Photos of a draft refused because no period was open carry ``keep_until``
    (the next period's opening) and stay until then. Each delete re-checks
    both conditions, so a photo attached or kept in the meantime survives.
    """
    now = timezone.now()
    stale = Photo.objects.filter(_purgeable(now), uploaded_at__lt=now - older_than)
    count = 0
    for photo in stale.iterator():
        if _delete_unattached(photo, extra=_purgeable(now)):
            count += 1
    return count


def recover_stuck_photos(
    *, stale_after: dt.timedelta = PHOTO_STALE_AFTER, max_attempts: int = PHOTO_MAX_ATTEMPTS
) -> tuple[int, int]:
    """Queue again, or mark failed, photos the worker never finished.

    A photo waiting in the queue (a rush backlog) is left alone. One whose
    worker started long ago and never finished (it died: killed, out of memory,
    an error nobody caught), or whose task is gone, is queued again; after
    ``max_attempts`` starts it is marked failed, and the manage page tells the
    entrant so, with the contact address. Returns (queued again, failed).
    """
    from tasuki.entries.tasks import process_photo as process_task

    now = timezone.now()
    cutoff = now - stale_after
    stuck = list(
        Photo.objects.filter(status=PhotoStatus.UPLOADED, uploaded_at__lt=cutoff)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lt=cutoff))
        .values_list("pk", "attempts", "attempted_at")
    )
    if not stuck:
        return 0, 0
    waiting = {
        args["args"][0]
        for args in DBTaskResult.objects.filter(
            task_path=process_task.module_path, status="READY"
        ).values_list("args_kwargs", flat=True)
        if args.get("args")
    }
    requeued = failed = 0
    for pk, attempts, attempted_at in stuck:
        if pk in waiting:
            continue
        same = Photo.objects.filter(pk=pk, status=PhotoStatus.UPLOADED, attempted_at=attempted_at)
        if attempts >= max_attempts:
            failed += same.update(status=PhotoStatus.FAILED)
            continue
        with transaction.atomic():
            # Cleared, so the queued run may start whatever staleness this run used.
            if same.update(attempted_at=None):
                process_task.enqueue(pk)
                requeued += 1
    if failed:
        log.warning("%s photo(s) marked failed after %s attempts", failed, max_attempts)
    return requeued, failed


# --- manage links and verification ------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_manage_token(entry: Entry) -> str:
    """A new private manage link token (only its digest is kept).

    Earlier links keep working: they stop only when the entrant acts with a
    newer one (:func:`use_manage_link`). Someone who asks for links with
    another person's address can make us mail them, never break theirs.
    """
    token = secrets.token_urlsafe(32)
    ManageToken.objects.create(entry=entry, digest=_digest(token))
    return token


def manage_link(token: str) -> ManageToken | None:
    """The issued link ``token`` stands for, with its entry; ``None`` if unknown."""
    if not token or len(token) > 100:
        return None
    return (
        ManageToken.objects.select_related("entry__campaign", "entry__period", "entry__details")
        .filter(digest=_digest(token))
        .first()
    )


def entry_for_manage_token(token: str) -> Entry | None:
    link = manage_link(token)
    return link.entry if link else None


@transaction.atomic
def use_manage_link(link: ManageToken) -> int:
    """The entrant acted with this link: older links of the entry stop working.

    Called for a POST only (a change the entrant asked for), never for opening
    the page: mail scanners open links too. Returns how many links stopped.
    """
    ManageToken.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    deleted, _ = ManageToken.objects.filter(entry_id=link.entry_id, pk__lt=link.pk).delete()
    return deleted


def verification_token(entry: Entry) -> str:
    return signing.dumps(entry.receipt, salt=VERIFY_SALT, compress=True)


def verify_email(token: str, *, max_age: dt.timedelta = dt.timedelta(days=30)) -> Entry | None:
    """Mark the address of the entry named by ``token`` as verified; ``None`` if invalid.

    Called when the entrant presses the button on the page the link opens,
    never on opening it: mail scanners open every link in a mail.
    """
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
    """The entrant confirmed the address from the private link (a POST): only
    someone who reads that mailbox has the link."""
    if entry.email_verified_at is None:
        entry.email_verified_at = timezone.now()
        Entry.objects.filter(pk=entry.pk, email_verified_at__isnull=True).update(
            email_verified_at=entry.email_verified_at
        )


# --- mail --------------------------------------------------------------------------------


def send_confirmation(entry_id: int) -> bool:
    """Queue the confirmation mail of an entry, once.

    The stored mail has placeholders where the verification and manage links
    go: they are made when the mail is sent (see ``entries.mail_links``), so no
    outbox row ever holds a link that works.
    """
    with transaction.atomic():
        entry = (
            Entry.objects.select_related("campaign", "period", "details")
            .filter(pk=entry_id)
            .first()
        )
        if entry is None:  # erased before the worker got to it
            return False
        if entry.mails.filter(kind="entry_confirmation").exists():
            return False  # a task run twice must not mail twice
        queue_mail(
            kind="entry_confirmation",
            to=entry.details.email,
            template="entry_confirmation",
            context={
                "entry": entry,
                "campaign": entry.campaign,
                "verify_url": Placeholder("entries.verify_url", entry.pk),
                "manage_url": Placeholder("entries.manage_url", entry.pk),
            },
            language=entry.language,
            entry=entry,
        )
    return True


@transaction.atomic
def request_manage_links(*, email_digest: str, language: str) -> LinkRequest:
    """Ask the worker to mail fresh links for every entry of one address.

    The task gets the id of a short-lived row, never the digest: task rows stay
    in the queue's table after they run.
    """
    from tasuki.entries.tasks import resend_manage_links

    request = LinkRequest.objects.create(email_digest=email_digest, language=language[:2])
    resend_manage_links.enqueue(request.pk)
    return request


@transaction.atomic
def send_manage_links(request_id: int) -> bool:
    """Answer one link request: delete it, and mail the address's entries, if any.

    Each entry is a placeholder in the stored mail: its receipt, title and
    links are written when the mail is sent, so an entry erased in between is
    not in it, and the row keeps nothing of it afterwards.
    """
    request = LinkRequest.objects.filter(pk=request_id).first()
    if request is None:
        return False
    LinkRequest.objects.filter(pk=request.pk).delete()
    entries = list(
        Entry.objects.select_related("campaign", "details")
        .filter(details__email_digest=request.email_digest)
        .order_by("submitted_at")
    )
    if not entries:
        return False
    queue_mail(
        kind="manage_links",
        to=entries[-1].details.email,
        template="manage_links",
        context={
            "items": [Placeholder("entries.entry_links", e.pk) for e in entries],
            "campaign": entries[-1].campaign,
        },
        language=request.language,
        entry=entries[-1],
    )
    return True


# --- withdrawal and erasure ------------------------------------------------------------

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
    entry_withdrawn.send(sender=Entry, entry=entry)
    return entry


@transaction.atomic
def erase_entry(entry: Entry) -> str:
    """Delete the entry and everything that names it, for good.

    The entry, its details, photos, mails and manage links go with it (the
    database cascades), and so do photos uploaded for its draft but not sent;
    the queue's rows that refer to it, its photos or its
    mails are deleted too, as is a pending link request for its address when
    no other entry has that address; the photo files are deleted once this
    commits. Returns the receipt number so the page can say what was erased.
    """
    receipt = entry.receipt
    photos = list(entry.photos.all())
    # Photos uploaded for the same draft but not sent with it go too.
    leftovers = list(Photo.objects.filter(submission_key=entry.submission_key, entry__isnull=True))
    mail_ids = list(entry.mails.values_list("pk", flat=True))
    digest = EntrantDetails.objects.filter(entry=entry).values_list("email_digest", flat=True)
    digest = digest.first()
    entry_id = entry.pk
    entry.delete()
    _delete_task_rows(_task_path("after_submit"), [entry_id])
    _delete_task_rows(_task_path("process_photo"), [p.pk for p in photos])
    _delete_task_rows("tasuki.mail.tasks.deliver_mail", mail_ids)
    # The search index's task (review app; named, not imported: entries never import review).
    _delete_task_rows("tasuki.review.tasks.index_entry_task", [entry_id])
    _delete_task_rows("tasuki.review.tasks.check_entry_task", [entry_id])
    _delete_task_rows("tasuki.review.tasks.check_photo_task", [p.pk for p in photos])
    if digest and not EntrantDetails.objects.filter(email_digest=digest).exists():
        LinkRequest.objects.filter(email_digest=digest).delete()
    for photo in leftovers:
        _delete_unattached(photo)
    files = [(p.token, _photo_paths(p)) for p in photos]

    def delete_files() -> None:
        for token, paths in files:
            _delete_photo_files(token, paths)

    transaction.on_commit(delete_files)
    return receipt


# --- housekeeping ----------------------------------------------------------------------


def prune_task_results(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    """Delete the queue's rows of tasks that finished (or failed) long ago.

    They hold ids and, for a failure, a traceback: nothing anyone needs after a
    week, and nothing that should stay for as long as the queue exists.
    """
    deleted, _ = (
        DBTaskResult.objects.filter(status__in=["SUCCESSFUL", "FAILED"])
        .filter(finished_at__lt=timezone.now() - older_than)
        .delete()
    )
    return deleted


def purge_link_requests(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete link requests a lost task never answered (they hold an address's digest)."""
    deleted, _ = LinkRequest.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def sweep_orphan_files(*, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete photo files that no row names, once they are older than ``older_than``.

    They come from a crash between writing a file and its row (an upload is
    written before its row; renditions before the row is updated). The margin
    leaves every file of work still in progress alone.
    """
    storage = private_storage()
    referenced: set[str] = set()
    for original, full_size, renditions in Photo.objects.values_list(
        "original", "full_size", "renditions"
    ):
        referenced.update(p for p in (original, full_size) if p)
        referenced.update(_rendition_paths(renditions or {}))
    cutoff = timezone.now() - older_than
    deleted = 0
    for path in _walk(storage, "photos"):
        if path in referenced:
            continue
        try:
            modified = storage.get_modified_time(path)
        except (FileNotFoundError, NotImplementedError):
            continue
        if timezone.is_naive(modified):
            modified = timezone.make_aware(modified, dt.UTC)
        if modified < cutoff:
            storage.delete(path)
            deleted += 1
    return deleted


def _walk(storage, directory: str) -> Iterable[str]:
    try:
        dirs, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(directory, name)
    for name in dirs:
        yield from _walk(storage, posixpath.join(directory, name))
