"""Mail parts the relay writes at send time (see tasuki.mail.placeholders)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tasuki.mail.placeholders import register
from tasuki.relay.models import Story


def story_url(ref, *, language: str) -> str:
    """The public address of a published story, in the reader's language."""
    story = Story.objects.select_related("campaign").filter(pk=ref).first()
    if story is None:
        return ""
    with translation.override(language):
        path = reverse("relay:story", args=[story.campaign.slug, story.slug])
    return f"{settings.SITE_URL}{path}"


register("relay.story_url", story_url)
