"""The outbox. A mail is written as a row in the same transaction as the
change that causes it; the worker delivers it and retries on failure, so a
mail server that is down at the deadline rush delays mail but loses none."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    #: What the mail is for (e.g. "entry_confirmation"), for staff and for tests.
    kind = models.CharField(max_length=40)
    to_address = models.EmailField()
    subject = models.CharField(max_length=300)
    #: The text as rendered, with a random marker wherever a part is made only
    #: at send time (private links, an entry's title): see mail.placeholders.
    body = models.TextField()
    #: {marker: [resolver, ref]} for the markers in ``subject`` and ``body``.
    placeholders = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=2)
    #: The entry this mail is about: erasing the entry erases its mails too.
    entry = models.ForeignKey(
        "entries.Entry", on_delete=models.CASCADE, null=True, blank=True, related_name="mails"
    )
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OutboxStatus.values), name="outbox_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="outbox_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
