"""Rows of the automatic checks: flags (what reviewers see), runs over a
campaign (with progress), and the fingerprints the duplicate checks compare.

Flags advise; people decide. A flag is never deleted: a reviewer dismisses it
with a reason (recorded in the audit trail), and a later run of the checks
that no longer finds it marks it superseded, so the history stays readable.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasuki.campaigns.models import Campaign
from tasuki.entries.models import Entry, Photo


class FlagSeverity(models.TextChoices):
    LOW = "low", _("Worth a look")
    MEDIUM = "medium", _("Probably a problem")
    HIGH = "high", _("Very likely against the terms")


class Flag(models.Model):
    """One finding of an automatic check about one entry, with its evidence."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="flags")
    #: Kept with the flag so the dashboard and queue count without joining entries.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("flag"), max_length=40)
    severity = models.CharField(_("severity"), max_length=6, choices=FlagSeverity.choices)
    #: The English message id and its parameters, translated when shown.
    reason = models.CharField(max_length=400)
    params = models.JSONField(default=dict, blank=True)
    #: Spans of the text, the photo's score and boxes, the other entry's similarity.
    evidence = models.JSONField(default=dict, blank=True)
    duplicate_of = models.ForeignKey(
        Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: Without a database constraint and with DO_NOTHING, so that deleting a
    #: draft's photo stays one conditional DELETE (entries' housekeeping); a
    #: flagged photo belongs to an entry, and goes only with it and its flags.
    photo = models.ForeignKey(
        Photo,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="flags",
    )
    #: A digest of the code and the evidence: a second run that finds the same
    #: thing keeps the existing row (and its dismissal) instead of adding one.
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    #: Set when a later run of the checks no longer finds it.
    superseded_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismissed_reason = models.TextField(_("why it was dismissed"), blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        ordering = ["entry", "created_at", "pk"]
        indexes = [
            models.Index(fields=["campaign", "code"], name="flag_campaign_code"),
            models.Index(fields=["entry", "dismissed_at"], name="flag_entry_open"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["entry", "fingerprint"], name="flag_unique_finding"),
            models.CheckConstraint(
                condition=Q(severity__in=FlagSeverity.values), name="flag_severity_known"
            ),
            models.CheckConstraint(
                condition=Q(dismissed_at__isnull=True, dismissed_by__isnull=True)
                | (
                    Q(dismissed_at__isnull=False, dismissed_by__isnull=False)
                    & ~Q(dismissed_reason="")
                ),
                name="flag_dismissal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.entry_id}"

    @property
    def is_open(self) -> bool:
        return self.dismissed_at is None and self.superseded_at is None


class CheckRunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Checking entries")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class CheckRun(models.Model):
    """Staff asked for every entry of a campaign to be checked again."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="check_runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=CheckRunStatus.choices, default=CheckRunStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When the worker last counted progress: a running run that has not moved
    #: for ``flagging.STALE_AFTER`` lost its worker, and a new one may start.
    progressed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("run of the automatic checks")
        verbose_name_plural = _("runs of the automatic checks")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CheckRunStatus.values), name="checkrun_status_known"
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="checkrun_done_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"check run {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == CheckRunStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class TextFingerprint(models.Model):
    """The MinHash signature of an entry's text, for near-duplicate search."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="fingerprint")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    #: The signature's hash values, packed (numpy uint64, little-endian).
    signature = models.BinaryField()
    #: How many shingles the text had (tiny texts are not compared).
    shingles = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("text fingerprint")
        verbose_name_plural = _("text fingerprints")

    def __str__(self) -> str:
        return f"fingerprint of {self.entry_id}"


class FingerprintBand(models.Model):
    """One locality-sensitive-hashing band of a signature: entries that share a
    (band, bucket) in a campaign are candidates for being near-duplicates, found
    with one indexed query instead of comparing every pair."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    band = models.PositiveSmallIntegerField()
    bucket = models.BigIntegerField()

    class Meta:
        verbose_name = _("fingerprint band")
        verbose_name_plural = _("fingerprint bands")
        indexes = [
            models.Index(fields=["campaign", "band", "bucket"], name="band_lookup"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["entry", "band"], name="band_one_per_entry"),
        ]

    def __str__(self) -> str:
        return f"band {self.band} of {self.entry_id}"


class PhotoFingerprint(models.Model):
    """Perceptual hashes of a photo, for the same or a near-identical photo elsewhere."""

    #: DO_NOTHING without a constraint, as ``Flag.photo``: removed with its entry.
    photo = models.OneToOneField(
        Photo, on_delete=models.DO_NOTHING, db_constraint=False, related_name="fingerprint"
    )
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    #: 64-bit perceptual and difference hashes, stored as signed integers.
    phash = models.BigIntegerField()
    dhash = models.BigIntegerField()

    class Meta:
        verbose_name = _("photo fingerprint")
        verbose_name_plural = _("photo fingerprints")
        indexes = [models.Index(fields=["campaign", "phash"], name="photo_fp_lookup")]

    def __str__(self) -> str:
        return f"fingerprint of photo {self.photo_id}"
