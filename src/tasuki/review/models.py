"""What staff record about entries: criteria, the rubric, one review row per
entry with its standing outcome, immutable decisions, scores, comments and
claims. The entry itself (``entries.Entry``) is never changed by review."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tasuki.campaigns.models import BilingualMixin, Campaign
from tasuki.entries.models import Entry
from tasuki.review.states import DecisionKind, ReviewState


class Criterion(BilingualMixin, models.Model):
    """A reason an entry may be disqualified, as the campaign's terms word it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("code"), max_length=40)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("disqualification criterion")
        verbose_name_plural = _("disqualification criteria")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="criterion_code_unique")
        ]

    def __str__(self) -> str:
        return self.name_en or self.name_ja

    @property
    def name(self) -> str:
        return self.localized("name")


class RubricItem(BilingualMixin, models.Model):
    """One thing reviewers score (e.g. emotion), from ``low`` to ``high``."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="rubric")
    code = models.SlugField(_("code"), max_length=40)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    low = models.PositiveSmallIntegerField(_("lowest score"), default=1)
    high = models.PositiveSmallIntegerField(_("highest score"), default=5)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("rubric item")
        verbose_name_plural = _("rubric items")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="rubric_code_unique"),
            models.CheckConstraint(condition=Q(high__gt=models.F("low")), name="rubric_range"),
        ]

    def __str__(self) -> str:
        return self.name_en or self.name_ja

    @property
    def name(self) -> str:
        return self.localized("name")


class Review(models.Model):
    """The review of one entry: its state and standing outcome, and a version
    that every decision carries, so a decision made on a stale page is refused."""

    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="review")
    state = models.CharField(
        _("review state"), max_length=12, choices=ReviewState.choices, default=ReviewState.NEW
    )
    featured = models.BooleanField(_("featured"), default=False)
    eligible = models.BooleanField(_("eligible for the draw"), default=False)
    disqualified_for = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("disqualified for"),
    )
    version = models.PositiveIntegerField(default=0)
    #: The scores' summary, kept by the scoring service so that the queue can sort
    #: and filter on one indexed column instead of grouping every score.
    mean_score = models.FloatField(_("mean score"), null=True, blank=True, db_index=True)
    score_spread = models.PositiveSmallIntegerField(_("score spread"), null=True, blank=True)
    reviewer_count = models.PositiveIntegerField(_("reviewers"), default=0, db_index=True)
    follow_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    follow_checked_at = models.DateTimeField(_("official accounts checked at"), null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ReviewState.values), name="review_state_known"
            ),
            models.CheckConstraint(
                condition=Q(disqualified_for__isnull=True) | Q(featured=False, eligible=False),
                name="review_disqualified_is_neither_featured_nor_eligible",
            ),
            models.CheckConstraint(
                condition=~Q(state="new") | Q(featured=False, eligible=False),
                name="review_new_has_no_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"review of {self.entry_id}"


class Decision(models.Model):
    """One decision, never changed: a revert is a decision of its own that names
    the one it reverts, so the whole history stays readable."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(_("decision"), max_length=12, choices=DecisionKind.choices)
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    note = models.TextField(_("note"), blank=True)
    #: The words of the entry the decision rests on, quoted.
    excerpt = models.TextField(_("quoted excerpt"), blank=True)
    reverts = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reverted_by"
    )
    #: The review version the decision was made on (the one it was shown).
    version = models.PositiveIntegerField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_decisions"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["review", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DecisionKind.values), name="decision_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind="disqualify") | Q(criterion__isnull=False),
                name="decision_disqualify_has_criterion",
            ),
            models.CheckConstraint(
                condition=Q(kind="revert", reverts__isnull=False)
                | (~Q(kind="revert") & Q(reverts__isnull=True)),
                name="decision_revert_names_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.review_id}"


class Score(models.Model):
    """One reviewer's score of one entry on one rubric item."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(RubricItem, on_delete=models.PROTECT, related_name="scores")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_scores"
    )
    value = models.PositiveSmallIntegerField(_("score"))
    at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "item", "reviewer"], name="score_one_per_reviewer_item"
            ),
            models.CheckConstraint(condition=Q(value__gte=1, value__lte=10), name="score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.value} on {self.review_id}"


class Comment(models.Model):
    """An internal note on an entry, for staff only (never shown to the entrant)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_comments"
    )
    body = models.TextField(_("comment"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["review", "at"]

    def __str__(self) -> str:
        return f"comment on {self.review_id}"


class Claim(models.Model):
    """Who has an entry open right now (one row per entry, until it expires)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="claim")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return f"claim on {self.review_id} until {self.expires_at:%H:%M}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")


class Export(models.Model):
    """A file of the filtered queue (CSV or XLSX), written by the worker when large."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    format = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "XLSX")])
    #: The queue's query string (filters, search, order) the file follows.
    query = models.CharField(max_length=1000, blank=True)
    with_personal_data = models.BooleanField(default=False)
    status = models.CharField(
        max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    written = models.PositiveIntegerField(default=0)
    #: Path in the private storage once written (never served by path).
    path = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExportStatus.values), name="export_status_known"
            ),
            models.CheckConstraint(
                condition=Q(written__lte=models.F("total")) | Q(total=0),
                name="export_written_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return (
            100
            if self.status == ExportStatus.DONE
            else (int(self.written * 100 / self.total) if self.total else 0)
        )


from tasuki.review.check_models import (  # noqa: E402, F401
    CheckRun,
    FingerprintBand,
    Flag,
    PhotoFingerprint,
    TextFingerprint,
)
from tasuki.review.search_models import EntrySearch  # noqa: E402, F401
