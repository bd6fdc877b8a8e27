"""The audit trail: one append-only, hash-chained row per staff action.

Each row holds the SHA-256 of the row before it and of its own content, so a
row changed or removed after the fact breaks the chain at that point, and
``manage.py verify_audit`` names it. The application has no code path that
updates or deletes a row (the model and its queryset refuse), and on
PostgreSQL a trigger refuses it in the database too.

Rows never hold personal data or secrets: who acted is a staff account, what
was acted on is named by type and id, and ``before``/``after`` carry states,
criteria and scores, never an entrant's name, address, a code or a token. So
erasing an entrant's data (which must reach every copy) never has to touch
the trail, and the trail stays verifiable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The ``prev_hash`` of the first row.
GENESIS = "0" * 64


class AppendOnly(Exception):
    """Raised on any attempt to change or delete an audit row."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("audit rows are never updated")

    def delete(self):
        raise AppendOnly("audit rows are never deleted")


def canonical(value) -> str:
    """The one JSON text a value is hashed as (sorted keys, no spaces, UTF-8)."""
    return json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


class AuditEvent(models.Model):
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    #: The staff account's id and name at the time (no foreign key: deleting or
    #: renaming an account later must not change the row, nor the hash).
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    campaign_id = models.BigIntegerField(_("campaign id"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]
        constraints = [
            models.UniqueConstraint(fields=["prev_hash"], name="audit_one_successor"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("audit rows are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit rows are never deleted")

    def content(self) -> dict:
        """What the row's hash covers: every field but its id and its own hash."""
        return {
            "prev": self.prev_hash,
            "at": self.at.astimezone(dt.UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "campaign_id": self.campaign_id,
            "before": self.before,
            "after": self.after,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical(self.content()).encode()).hexdigest()
