"""Streaming a photo's rendition from the private storage, once a view has
decided who may see it (the owner's manage page, reviewers, editors)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from tasuki.entries.models import Photo, private_storage

MEDIA_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


def rendition_response(
    photos: QuerySet[Photo], token: str, width: int, fmt: str, *, max_age: int
) -> FileResponse:
    """The ``width`` rendition in ``fmt`` of the photo ``token`` among ``photos``, or 404."""
    picture = get_object_or_404(photos, token=token)
    path = picture.rendition_path(width, fmt) if fmt in MEDIA_TYPES else None
    if not path:
        raise Http404
    response = FileResponse(private_storage().open(path, "rb"), content_type=MEDIA_TYPES[fmt])
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response
