"""What the relay does when other apps change things (connected in ``RelayConfig.ready``).

- The entrant withdrew an entry: its story comes down (``entries.signals.entry_withdrawn``).
- Anything a public page shows changed: the public page cache is dropped once
  the change commits (stories, campaigns, series, periods, terms, the course).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tasuki.campaigns.models import (
    Campaign,
    Course,
    EntryPeriod,
    KmMark,
    Landmark,
    Series,
    TermsVersion,
)
from tasuki.entries.signals import entry_withdrawn
from tasuki.relay import cache
from tasuki.relay.models import Story, StoryPhoto


@receiver(entry_withdrawn, dispatch_uid="relay.take_down_on_withdrawal")
def take_down_on_withdrawal(sender, entry, **kwargs) -> None:
    from tasuki.relay.services import take_down_for_withdrawal

    take_down_for_withdrawal(entry)


def _changed(sender, **kwargs) -> None:
    transaction.on_commit(cache.bump)


for _model in (
    Story,
    StoryPhoto,
    Campaign,
    Series,
    EntryPeriod,
    TermsVersion,
    Course,
    Landmark,
    KmMark,
):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"relay.cache.save.{_model.__name__}")
    post_delete.connect(
        _changed, sender=_model, dispatch_uid=f"relay.cache.delete.{_model.__name__}"
    )
