"""Mail parts the entries app writes at send time (see tasuki.mail.placeholders).

Found and imported by the mail app's ``ready()``. Each resolver is called by
the worker just before a mail goes out and its answer is never stored: a
private link therefore exists only in the mail that was sent, and a mail
queued before its entry was erased says nothing of that entry.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tasuki.entries.models import Entry
from tasuki.entries.services import lifecycle
from tasuki.mail.placeholders import register


def _entry(ref) -> Entry | None:
    return Entry.objects.select_related("campaign").filter(pk=ref).first()


def _absolute(name: str, token: str, language: str) -> str:
    with translation.override(language):
        return f"{settings.SITE_URL}{reverse(name, args=[token])}"


def manage_url(ref, *, language: str) -> str:
    """A newly issued private manage link (earlier ones keep working until it is used)."""
    entry = _entry(ref)
    if entry is None:
        return ""
    return _absolute("entries:manage", lifecycle.issue_manage_token(entry), language)


def verify_url(ref, *, language: str) -> str:
    """A signed link to the page where the entrant confirms the address."""
    entry = _entry(ref)
    if entry is None:
        return ""
    return _absolute("entries:verify", lifecycle.verification_token(entry), language)


def entry_links(ref, *, language: str) -> str:
    """One entry's block in the "your links" mail: receipt, title and links.
    An entry erased since the mail was queued leaves nothing."""
    entry = _entry(ref)
    if entry is None:
        return ""
    with translation.override(language):
        return render_to_string(
            "mail/_entry_links.txt",
            {
                "entry": entry,
                "manage_url": manage_url(ref, language=language),
                "verify_url": "" if entry.is_verified else verify_url(ref, language=language),
            },
        )


register("entries.manage_url", manage_url)
register("entries.verify_url", verify_url)
register("entries.entry_links", entry_links)
