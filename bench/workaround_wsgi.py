"""``tasuki.wsgi`` with one bench-only workaround, used only with ``--workaround-photo-lock``.

On PostgreSQL, ``services._attach_photos`` fails for every entry with a photo:
``Photo.objects.select_for_update()`` inherits ``Photo.Meta.ordering =
["entry", …]``, ordering by the nullable ``entry`` foreign key makes Django
LEFT OUTER JOIN ``entries_entry`` (to use ``Entry.Meta.ordering``), and
PostgreSQL refuses ``FOR UPDATE cannot be applied to the nullable side of an
outer join``. The submit answers 503 and no photo entry is ever saved.

So that the rest of the photo path can still be measured until the product is
fixed, this module drops ``"entry"`` from the ordering in the web process only
(the ordering within one entry, the only one the product relies on, is
unchanged). Nothing here is used by the app or the tests.
"""

from tasuki.wsgi import application  # sets Django up


def _drop_entry_ordering() -> None:
    from tasuki.entries.models import Photo

    Photo._meta.ordering = [o for o in Photo._meta.ordering if o != "entry"]


_drop_entry_ordering()

__all__ = ["application"]
