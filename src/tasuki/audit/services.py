"""Writing to the audit trail (the only way a row is ever made)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.http import HttpRequest

from tasuki.audit.models import GENESIS, AuditEvent

#: An arbitrary, fixed key for PostgreSQL's advisory lock that serialises writers
#: of the chain ("TASUKIAU" in ASCII).
_CHAIN_LOCK = 0x5441_5355_4B49_4155 & 0x7FFF_FFFF_FFFF_FFFF


def _plain(value: dict | None) -> dict | None:
    """The value as it will come back from the database (so the hash can be recomputed)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _lock_chain() -> None:
    """One writer of the chain at a time, until the caller's transaction ends.

    On SQLite every write transaction already takes the database's write lock
    up front (IMMEDIATE), which serialises writers the same way.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def record(
    action: str,
    *,
    actor=None,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    request: HttpRequest | None = None,
    campaign_id: int | None = None,
) -> AuditEvent:
    """Append one event to the trail, chained to the one before it.

    ``actor`` defaults to the request's user. Call it inside the transaction of
    the change it records, so that both are kept or neither is. Never pass
    personal data, codes or tokens in ``before``/``after``.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if campaign_id is None and target is not None:
        campaign_id = getattr(target, "campaign_id", None)
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            actor_id=getattr(actor, "pk", None),
            actor_label=actor.get_username() if actor is not None else "",
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            campaign_id=campaign_id,
            before=_plain(before),
            after=_plain(after),
            prev_hash=last or GENESIS,
        )
        event.hash = event.compute_hash()
        event.save()
    return event


def verify_chain(
    *, progress: Callable[[int], None] | None = None, batch: int = 2000
) -> AuditEvent | None:
    """The first row whose link or content does not match, or ``None`` when all do."""
    expected_prev = GENESIS
    for seen, event in enumerate(_in_order(batch), start=1):
        if event.prev_hash != expected_prev or event.compute_hash() != event.hash:
            return event
        expected_prev = event.hash
        if progress and seen % batch == 0:
            progress(seen)
    return None


def _in_order(batch: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
