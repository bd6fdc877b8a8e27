"""What the relay does when other apps change things (connected in ``RelayConfig.ready``).

- The entrant withdrew an entry: its story comes down (``entries.signals.entry_withdrawn``).
- A published photo or a story is deleted, by any path (erasure cascades): its
  files in the public storage are deleted once the deletion commits.
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
from tasuki.relay import assets, cache
from tasuki.relay.models import Story, StoryPhoto, public_storage


@receiver(entry_withdrawn, dispatch_uid="relay.take_down_on_withdrawal")
def take_down_on_withdrawal(sender, entry, **kwargs) -> None:
    from tasuki.relay.services import take_down_for_withdrawal

    take_down_for_withdrawal(entry)


@receiver(post_delete, sender=StoryPhoto, dispatch_uid="relay.delete_photo_files")
def delete_photo_files(sender, instance: StoryPhoto, **kwargs) -> None:
    """However a published photo goes (unpublished, replaced, its entry erased),
    its public files go once the change commits."""
    _delete_later(instance.paths())


@receiver(post_delete, sender=Story, dispatch_uid="relay.delete_card_files")
def delete_card_files(sender, instance: Story, **kwargs) -> None:
    _delete_later([p for p in (instance.cards or {}).values() if p])


def _delete_later(paths: list[str]) -> None:
    if paths:
        storage = public_storage()
        transaction.on_commit(lambda: assets.delete_files(storage, paths))


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
