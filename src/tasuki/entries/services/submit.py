"""The submit path: photos taken in, entries saved exactly once.

The submit path is deliberately small: inside one transaction it writes the
entry, the entrant's details, the photo references and the consent, and
enqueues the follow-up work (the task rows live in the same database, so they
commit or roll back with the entry). Mail, re-encoding and checks happen in
the worker, never while an entrant waits.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasuki.campaigns.models import Campaign, EntryPeriod
from tasuki.campaigns.selectors import current_terms, last_closed_before, open_period_at
from tasuki.core.errors import EntrantError
from tasuki.core.net import pseudonym
from tasuki.entries import photos as photo_lib
from tasuki.entries.models import (
    EntrantDetails,
    Entry,
    EntryStatus,
    Photo,
    ProofOfWork,
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


def draft_photos(*, submission_key: uuid.UUID, tokens: list[str]) -> list[Photo]:
    """The photos a draft names that are still waiting for it (none: no query)."""
    if not tokens:
        return []
    return list(
        Photo.objects.filter(token__in=tokens, submission_key=submission_key, entry__isnull=True)
    )


def photo_states(*, submission_key: uuid.UUID, tokens: list[str]) -> dict[str, str]:
    """For each token a restored draft holds: "waiting" (uploaded for this draft, not
    yet sent), "attached" (sent with an entry, under this key or the one the draft
    had before it was given a new one) or "gone" (expired, removed, or another
    draft's). A token is a 256-bit secret, so its state tells nothing to a stranger.
    """
    tokens = list(dict.fromkeys(t for t in tokens if t))[: MAX_PHOTOS * 2]
    found = {
        token: (key, entry_id)
        for token, key, entry_id in Photo.objects.filter(token__in=tokens).values_list(
            "token", "submission_key", "entry_id"
        )
    }

    def state(token: str) -> str:
        if token not in found:
            return "gone"
        key, entry_id = found[token]
        if entry_id:
            return "attached"
        return "waiting" if key == submission_key else "gone"

    return {t: state(t) for t in tokens}


#: The answers that make a story what it is. Two submissions with the same
#: address and these answers are the same story, whatever their keys.
CONTENT_FIELDS = (
    "language",
    "title",
    "pen_name",
    "resonated_story",
    "resonated_km",
    "appeal",
    "episode",
    "wishes",
    "tagline",
)


def content_digest(campaign: Campaign, data: dict) -> str:
    """A keyed hash of the address and the story's answers (validated form data).

    The relay story the entrant picked is part of the story; it joins the hash
    only when there is one, so entries sent without a pick keep their digests.
    """
    parts = {name: str(data.get(name) or "") for name in CONTENT_FIELDS}
    if data.get("resonated_with"):
        parts["resonated_with"] = str(data["resonated_with"])
    parts["email"] = normalize_email(data["email"])
    parts["campaign"] = str(campaign.pk)
    return pseudonym(json.dumps(parts, sort_keys=True, ensure_ascii=False), purpose="content")


def find_same_story(campaign: Campaign, digest: str) -> Entry | None:
    """A standing entry with the same address and answers (sent again under a new key)."""
    return (
        Entry.objects.filter(campaign=campaign, content_digest=digest, status=EntryStatus.SUBMITTED)
        .order_by("submitted_at")
        .first()
    )


def spend_proof(*, replay_id: str, submission_key: uuid.UUID, expires_at: dt.datetime) -> bool:
    """Tie a solved proof of work to one draft; ``False`` if another draft has it.

    The row's unique id is the challenge's signed nonce, so however the payload
    is re-encoded it is the same row; the draft that first presented it may
    present it again (uploads, retries), no other draft ever can.
    """
    ProofOfWork.objects.bulk_create(
        [ProofOfWork(replay_id=replay_id, submission_key=submission_key, expires_at=expires_at)],
        ignore_conflicts=True,
    )
    owner = (
        ProofOfWork.objects.filter(replay_id=replay_id)
        .values_list("submission_key", flat=True)
        .first()
    )
    return owner == submission_key


def purge_spent_proofs(*, now: dt.datetime | None = None) -> int:
    """Forget proofs whose challenge has expired: they can no longer verify anyway."""
    deleted, _ = ProofOfWork.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


# --- arrival: the deadline is judged when the request reached us ----------------

ARRIVAL_SALT = "tasuki.entries.arrival"


def arrival_token(*, submission_key: uuid.UUID, arrived_at: dt.datetime) -> str:
    """Signed proof that an attempt of this draft reached the server at ``arrived_at``.

    Given to the browser with a refusal that was the server's own fault (503),
    so that its retry is judged at the first arrival, not after our delays.
    """
    return signing.dumps(
        {"k": submission_key.hex, "t": arrived_at.timestamp()}, salt=ARRIVAL_SALT, compress=True
    )


def arrival_from_token(
    token: str, *, submission_key: uuid.UUID, now: dt.datetime
) -> dt.datetime | None:
    """The arrival time ``token`` proves for this draft, if it is genuine and recent.

    A token older than ``TASUKI_DEADLINE_GRACE`` proves nothing: the grace
    window covers a server hiccup, not an entrant who comes back tomorrow.
    """
    if not token or len(token) > 300:
        return None
    grace = settings.TASUKI_DEADLINE_GRACE
    try:
        value = signing.loads(token, salt=ARRIVAL_SALT, max_age=grace)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("k") != submission_key.hex:
        return None
    try:
        arrived = dt.datetime.fromtimestamp(float(value["t"]), tz=dt.UTC)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if not now - grace <= arrived <= now:
        return None
    return arrived


def submit_entry(
    *,
    campaign: Campaign,
    data: dict,
    photo_tokens: list[str],
    ip: str = "",
    arrived_at: dt.datetime | None = None,
    digest: str = "",
) -> SubmitResult:
    """Save an entry exactly once per ``data["submission_key"]``.

    The period is judged at ``arrived_at`` (when the request, or the first
    attempt of a retried one, reached the server), not when the row is
    written: a wait for a lock or a retry after our own failure must not
    push an entry past the deadline. A second call with the same key (a
    retry, a double click, a reload) returns the first entry with
    ``created=False`` and changes nothing. Raises :class:`EntryClosed` when no
    period was open at ``arrived_at``.
    """
    key = data["submission_key"]
    try:
        with transaction.atomic():
            now = timezone.now()
            judged = min(arrived_at or now, now)
            period = open_period_at(campaign, judged)
            if period is None:
                raise EntryClosed(last_closed_before(campaign, judged))
            entry = create_entry(
                campaign=campaign,
                period=period,
                data=data,
                photo_tokens=photo_tokens,
                at=now,
                arrived_at=judged,
                ip=ip,
                digest=digest,
            )
            from tasuki.entries.tasks import after_submit

            after_submit.enqueue(entry.pk)
    except (IntegrityError, EntryClosed):
        # The unique submission key settles repeats without a lookup on the way in
        # (the pipeline answers most of them before calling here): a retry, or two
        # requests for one draft racing, gets the first entry, even after the
        # deadline. (A receipt collision, one in 2^60, finds nothing and surfaces
        # as an error; the browser's retry then succeeds.)
        existing = find_by_submission_key(key)
        if existing:
            return SubmitResult(existing, created=False)
        raise
    return SubmitResult(entry, created=True)


def keep_draft_photos(*, submission_key: uuid.UUID, until: dt.datetime) -> int:
    """Keep a refused draft's uploads (not yet attached) until ``until``.

    A draft refused because no period is open may be sent when the next one
    opens; its photos must still be there then, not purged as abandoned.
    """
    return Photo.objects.filter(submission_key=submission_key, entry__isnull=True).update(
        keep_until=until
    )


def move_draft(*, submission_key: uuid.UUID, tokens: list[str]) -> tuple[uuid.UUID, list[str]]:
    """Give a draft a new key, taking its unattached photos with it.

    Used when the draft's key already belongs to an entry with a different
    story (the same draft opened in two tabs): the second story must be sent
    as an entry of its own, with the photos its tab uploaded. Returns the new
    key and the tokens that moved (a photo already sent with the other entry
    stays with it).
    """
    new_key = uuid.uuid4()
    tokens = [t for t in tokens if t]
    moved: list[str] = []
    if tokens:
        waiting = Photo.objects.filter(
            token__in=tokens, submission_key=submission_key, entry__isnull=True
        )
        moved = list(waiting.values_list("token", flat=True))
        Photo.objects.filter(token__in=moved, entry__isnull=True).update(submission_key=new_key)
    ProofOfWork.objects.filter(submission_key=submission_key).update(submission_key=new_key)
    return new_key, [t for t in tokens if t in moved]


def create_entry(
    *,
    campaign: Campaign,
    period: EntryPeriod,
    data: dict,
    photo_tokens: list[str],
    at: dt.datetime,
    arrived_at: dt.datetime | None = None,
    ip: str = "",
    digest: str = "",
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
        # The picked story (checked by EntryForm.check_pick); its km mark stands in
        # when the entrant gave none of their own.
        resonated_with_id=data.get("resonated_with"),
        resonated_km=(
            data["resonated_km"]
            if data.get("resonated_km") is not None
            else data.get("resonated_with_km")
        ),
        appeal=data["appeal"],
        episode=data["episode"],
        wishes=data["wishes"],
        tagline=data["tagline"],
        age_group=data["age_group"],
        guardian_consent=bool(data.get("guardian_consent")),
        terms_version=terms,
        consented_at=at,
        submitted_at=at,
        arrived_at=arrived_at or at,
        content_digest=digest or content_digest(campaign, data),
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


def draft_upload_problem(*, submission_key: uuid.UUID, size: int) -> photo_lib.PhotoError | None:
    """The refusal for one more photo of ``size`` bytes in this draft, if any.

    Cheap (one aggregate query, no decoding), so it runs before a photo is read:
    a draft holds at most twice the photos an entry may have (room to change
    one's mind) and ``TASUKI_DRAFT_MAX_BYTES`` in all.
    """
    held = Photo.objects.filter(submission_key=submission_key, entry__isnull=True).aggregate(
        count=Count("pk"), size=Sum("size_bytes")
    )
    if held["count"] >= MAX_PHOTOS * 2:
        return photo_lib.PhotoError(
            "too_many",
            _("You have added the most photos one entry can hold. Remove one first."),
        )
    if (held["size"] or 0) + size > settings.TASUKI_DRAFT_MAX_BYTES:
        return photo_lib.PhotoError(
            "too_many",
            _(
                "The photos of this entry together have reached the size one entry can hold. "
                "Remove one first, or choose smaller photos."
            ),
        )
    return None


def store_photo(
    *, submission_key: uuid.UUID, file: IO[bytes], size: int, enqueue: bool = True
) -> Photo:
    """Check an uploaded photo and keep its original privately; re-encoding is queued.

    The draft's limits are checked before the photo is decoded. Raises
    :class:`tasuki.entries.photos.PhotoError` with the entrant's message.
    """
    problem = draft_upload_problem(submission_key=submission_key, size=size)
    if problem is not None:
        raise problem
    info = photo_lib.inspect(file, size=size)
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
