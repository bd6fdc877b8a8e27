"""From the automatic checks' findings to ``Flag`` rows, and back to reviewers.

Every change to flags goes through one function here:

* :func:`check_entry` runs the checks on an entry (the worker, when it
  arrives, and again when staff re-run a campaign) and saves what they find;
* :func:`check_photo` runs the photo checks on one photo once its renditions
  are ready (photos may finish after the entry arrived);
* :func:`dismiss` records a reviewer's judgement that a flag does not apply;
* :func:`start_run` / :func:`run_campaign` check a whole campaign again, with
  progress.

Saving is idempotent: a flag is identified by a digest of its code, reason and
evidence, so a second run that finds the same thing keeps the existing row (and
its dismissal). A flag a later run no longer finds is marked superseded, never
deleted; found again, it is open again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasuki.audit.services import record
from tasuki.campaigns.models import Campaign
from tasuki.entries.models import EntrantDetails, Entry, Photo, PhotoStatus
from tasuki.review import checks
from tasuki.review.check_models import CheckRun, CheckRunStatus, Flag
from tasuki.review.checks.base import Check, Document, Finding, Session
from tasuki.review.services import ReviewRefused

log = logging.getLogger(__name__)

#: The entry's fields the text checks read, in the order the review page shows them.
FIELDS = ("title", "pen_name", "resonated_story", "appeal", "episode", "wishes", "tagline")

#: Entries checked per transaction when a whole campaign is checked again.
BATCH = 200

#: A running check of a campaign that has not counted progress for this long
#: lost its worker (a batch of 200 takes seconds): it is marked failed and a
#: new run may start.
STALE_AFTER = dt.timedelta(minutes=10)


def official_hosts() -> tuple[str, ...]:
    """Web hosts that are the organiser's own: naming them is never an advert."""
    hosts = [h.strip().lower() for h in getattr(settings, "TASUKI_OFFICIAL_HOSTS", ()) if h]
    site = urlsplit(settings.SITE_URL).hostname
    if site:
        hosts.append(site.lower())
    return tuple(dict.fromkeys(hosts))


def document_for(entry: Entry, *, photos: Iterable[Photo] = ()) -> Document:
    """What the checks read of ``entry`` (never its entrant's name or address)."""
    details = (
        EntrantDetails.objects.filter(entry=entry).values("email_digest", "ip_digest").first() or {}
    )
    return Document(
        ref=entry.pk,
        language=entry.language,
        fields={name: getattr(entry, name) or "" for name in FIELDS},
        campaign_id=entry.campaign_id,
        entry=entry,
        email_digest=details.get("email_digest", ""),
        connection_digest=details.get("ip_digest", ""),
        official_hosts=official_hosts(),
        arrived_at=entry.submitted_at,
        photos=list(photos),
    )


def fingerprint(finding: Finding) -> str:
    """The identity of a finding: the same code, reason and evidence give the same digest."""
    key = json.dumps(
        [finding.code, finding.reason, finding.evidence()], sort_keys=True, default=str
    )
    return hashlib.sha256(key.encode()).hexdigest()


def _row(entry: Entry, finding: Finding) -> Flag:
    evidence = finding.evidence()
    duplicate_of = finding.duplicate_of if isinstance(finding.duplicate_of, int) else None
    return Flag(
        entry=entry,
        campaign_id=entry.campaign_id,
        code=finding.code[:40],
        severity=finding.severity,
        reason=finding.reason[:400],
        params={k: str(v) for k, v in finding.params.items()},
        evidence=evidence,
        duplicate_of_id=duplicate_of,
        photo_id=finding.photo,
        fingerprint=fingerprint(finding),
    )


def save_findings(
    entry: Entry,
    findings: list[Finding],
    *,
    codes: Iterable[str],
    photo_ids: Iterable[int] | None = None,
) -> int:
    """Store ``findings`` about ``entry``; returns how many flags are new.

    ``codes`` are the codes of the checks that ran: an open flag of one of
    those codes that was not found this time is marked superseded. When only
    some photos were checked (``photo_ids``), only flags about them can be.
    """
    rows = {}
    for finding in findings:
        row = _row(entry, finding)
        rows[row.fingerprint] = row
    now = timezone.now()
    with transaction.atomic():
        if Entry.objects.filter(pk=entry.pk).exists():
            before = set(entry.flags.values_list("fingerprint", flat=True))
            # A finding a concurrent run (the photo task) already saved is kept as it is.
            Flag.objects.bulk_create(list(rows.values()), ignore_conflicts=True)
            new = len(set(rows) - before)
        else:  # erased while the checks ran: nothing to flag
            return 0
        found = list(rows)
        entry.flags.filter(fingerprint__in=found, superseded_at__isnull=False).update(
            superseded_at=None
        )
        gone = entry.flags.filter(code__in=list(codes), superseded_at__isnull=True).exclude(
            fingerprint__in=found
        )
        if photo_ids is not None:
            gone = gone.filter(photo_id__in=list(photo_ids))
        gone.update(superseded_at=now)
    return new


def _codes(selected: Iterable[Check]) -> set[str]:
    return {code for check in selected for code in check.codes} | {checks.NOT_CHECKED}


def check_entry(entry_id: int, *, session: Session | None = None) -> int | None:
    """Run every active check on one entry and save the flags (worker side).

    Returns how many flags are new, or None when the entry no longer exists
    (erased before the worker came to it, which is not an error). Photos that
    are not ready yet are checked by :func:`check_photo` when they are.
    """
    entry = Entry.objects.filter(pk=entry_id).first()
    if entry is None:
        return None
    photos = list(entry.photos.filter(status=PhotoStatus.READY).order_by("position", "pk"))
    document = document_for(entry, photos=photos)
    active = checks.active_checks()
    findings = checks.run(document, session or Session(persistent=True), active)
    return save_findings(entry, findings, codes=_codes(active))


def check_photo(photo_id: int) -> int | None:
    """Run the photo checks on one photo of an entry once it is ready (worker side)."""
    photo = Photo.objects.filter(pk=photo_id, status=PhotoStatus.READY).first()
    if photo is None or photo.entry_id is None:
        return None  # not attached yet: the entry's own check will read it
    entry = photo.entry
    photo_checks = [check for check in checks.active_checks() if check.reads_photos]
    document = document_for(entry, photos=[photo])
    findings = checks.run(document, Session(persistent=True), photo_checks)
    return save_findings(
        entry, findings, codes=_codes(photo_checks) - {checks.NOT_CHECKED}, photo_ids=[photo.pk]
    )


def dismiss(flag: Flag, *, by, reason: str, request=None) -> Flag:
    """A reviewer judges that ``flag`` does not apply; the reason is required and audited."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused(
            "reason", _("Say why the flag does not apply, so that other reviewers can follow.")
        )
    now = timezone.now()
    with transaction.atomic():
        changed = Flag.objects.filter(pk=flag.pk, dismissed_at__isnull=True).update(
            dismissed_at=now, dismissed_by=by, dismissed_reason=reason[:2000]
        )
        if not changed:
            raise ReviewRefused("dismissed", _("Someone has already dismissed this flag."))
        record(
            "flag.dismiss",
            actor=by,
            target=flag,
            before={"code": flag.code, "entry": flag.entry_id},
            after={"dismissed": True, "reason": reason[:2000]},
            request=request,
            campaign_id=flag.campaign_id,
        )
    flag.refresh_from_db()
    return flag


def start_run(campaign: Campaign, *, by, request=None) -> CheckRun:
    """Queue a run of every active check over the campaign's entries (audited)."""
    from tasuki.review.tasks import check_campaign_task

    with transaction.atomic():
        CheckRun.objects.filter(
            campaign=campaign,
            status=CheckRunStatus.RUNNING,
            progressed_at__lt=timezone.now() - STALE_AFTER,
        ).update(status=CheckRunStatus.FAILED, finished_at=timezone.now())
        running = CheckRun.objects.filter(
            campaign=campaign, status__in=[CheckRunStatus.QUEUED, CheckRunStatus.RUNNING]
        ).first()
        if running is not None:
            return running  # one at a time: a second click shows the same progress
        run = CheckRun.objects.create(
            campaign=campaign, requested_by=by, total=campaign.entries.count()
        )
        record(
            "flag.rerun",
            actor=by,
            target=run,
            after={"entries": run.total},
            request=request,
            campaign_id=campaign.pk,
        )
        check_campaign_task.enqueue(run.pk)
    return run


def run_campaign(run_id: int) -> CheckRun | None:
    """Check every entry of the run's campaign again, in arrival order, counting
    for the progress bar (worker side). Entries are read in batches by primary
    key, so a run over 100,000 entries holds no long transaction."""
    claimed = CheckRun.objects.filter(pk=run_id, status=CheckRunStatus.QUEUED).update(
        status=CheckRunStatus.RUNNING, progressed_at=timezone.now()
    )
    run = CheckRun.objects.filter(pk=run_id).first()
    if run is None or not claimed:
        return run
    entries = Entry.objects.filter(campaign_id=run.campaign_id)
    CheckRun.objects.filter(pk=run.pk).update(total=entries.count())
    session = Session(persistent=True)
    try:
        last = (None, 0)
        while True:
            batch = entries.order_by("submitted_at", "pk")
            if last[0] is not None:
                batch = batch.filter(
                    Q(submitted_at__gt=last[0]) | Q(submitted_at=last[0], pk__gt=last[1])
                )
            ids = list(batch.values_list("pk", "submitted_at")[:BATCH])
            if not ids:
                break
            flagged = 0
            for pk, _arrived in ids:
                new = check_entry(pk, session=session)
                flagged += 1 if new else 0
            last = (ids[-1][1], ids[-1][0])
            # Entries that arrived during the run make it longer than first counted.
            CheckRun.objects.filter(pk=run.pk).update(
                total=Greatest(F("total"), F("done") + len(ids))
            )
            CheckRun.objects.filter(pk=run.pk).update(
                done=F("done") + len(ids),
                flagged=F("flagged") + flagged,
                progressed_at=timezone.now(),
            )
    except Exception:
        log.exception("check run %s failed", run.pk)
        CheckRun.objects.filter(pk=run.pk).update(
            status=CheckRunStatus.FAILED, finished_at=timezone.now()
        )
        raise
    CheckRun.objects.filter(pk=run.pk).update(
        status=CheckRunStatus.DONE, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def open_flags(entry: Entry):
    """The entry's flags a reviewer should see first: open ones, most severe first."""
    return entry.flags.filter(dismissed_at__isnull=True, superseded_at__isnull=True)


def check_new_entry(sender, instance: Entry, created: bool, raw: bool = False, **kwargs) -> None:
    """``post_save`` receiver for :class:`Entry`: queue the checks of a new entry,
    inside the submit's transaction (the task commits or rolls back with it)."""
    if created and not raw:
        from tasuki.review.tasks import check_entry_task

        check_entry_task.enqueue(instance.pk)


def check_ready_photo(sender, photo: Photo, **kwargs) -> None:
    """``photo_ready`` receiver: queue the photo checks of a photo attached to an entry."""
    if photo.entry_id is not None:
        from tasuki.review.tasks import check_photo_task

        check_photo_task.enqueue(photo.pk)


def connect_signals() -> None:
    """Listen for new entries and ready photos (call from ``ReviewConfig.ready``)."""
    from django.db.models.signals import post_save

    from tasuki.entries.signals import photo_ready

    post_save.connect(check_new_entry, sender=Entry, dispatch_uid="tasuki.review.check_new_entry")
    photo_ready.connect(check_ready_photo, dispatch_uid="tasuki.review.check_ready_photo")
