"""Read queries for entry pages."""

from __future__ import annotations

from django.urls import reverse

from tasuki.entries.models import Entry, PhotoStatus


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
