"""Read queries for entry pages."""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.urls import reverse

from tasuki.entries.models import Entry, ManageToken, PhotoStatus
from tasuki.entries.services.lifecycle import VERIFY_SALT


def photos_for_display(entry: Entry, *, token: str) -> list[dict]:
    """The entry's photos with ``srcset`` strings of their renditions.

    The URLs sit under the entry's private manage ``token``: renditions of an
    entry that is not published are shown to its owner only.
    """
    out = []
    for photo in entry.photos.all():
        item = {
            "photo": photo,
            "ready": photo.status == PhotoStatus.READY,
            "failed": photo.status == PhotoStatus.FAILED,
        }
        if item["ready"]:
            widths = sorted(int(w) for w in photo.renditions)
            for fmt in ("webp", "jpeg"):
                item[fmt] = ", ".join(
                    f"{reverse('entries:manage_photo', args=[token, photo.token, w, fmt])} {w}w"
                    for w in widths
                )
            item["src"] = reverse(
                "entries:manage_photo", args=[token, photo.token, widths[0], "jpeg"]
            )
            first = photo.renditions[str(widths[0])]
            item["width"], item["height"] = first["width"], first["height"]
        out.append(item)
    return out


def entry_for_verification_token(
    token: str, *, max_age: dt.timedelta = dt.timedelta(days=30)
) -> Entry | None:
    """The entry a verification link names, without confirming anything (the
    page shows a button for that)."""
    try:
        receipt = signing.loads(token, salt=VERIFY_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    return Entry.objects.select_related("campaign").filter(receipt=receipt).first()


def has_older_manage_links(link: ManageToken) -> bool:
    """Whether links issued before this one still open the entry."""
    return ManageToken.objects.filter(entry_id=link.entry_id, pk__lt=link.pk).exists()
