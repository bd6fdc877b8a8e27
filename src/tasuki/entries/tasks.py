"""Worker side of entries: tasks take ids only and delegate to services."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from tasuki.entries import services
from tasuki.entries.models import Entry
from tasuki.mail.services import queue_mail
from tasuki.mail.tasks import MAIL_PRIORITY


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def links_for(entry: Entry) -> dict:
    """Fresh verification and manage links for ``entry``, in its language."""
    with translation.override(entry.language):
        manage = reverse("entries:manage", args=[services.issue_manage_token(entry)])
        verify = reverse("entries:verify", args=[services.verification_token(entry)])
    return {"manage_url": _absolute(manage), "verify_url": _absolute(verify)}


@task(priority=MAIL_PRIORITY)
def after_submit(entry_id: int) -> None:
    """Send the confirmation mail with the verification and manage links."""
    entry = (
        Entry.objects.select_related("campaign", "period", "details").filter(pk=entry_id).first()
    )
    if entry is None:  # erased before the worker got to it
        return
    if entry.mails.filter(kind="entry_confirmation").exists():
        return  # a task run twice must not mail twice
    queue_mail(
        kind="entry_confirmation",
        to=entry.details.email,
        template="entry_confirmation",
        context={"entry": entry, "campaign": entry.campaign, **links_for(entry)},
        language=entry.language,
        entry=entry,
    )


@task()
def process_photo(photo_id: int) -> None:
    """Re-encode one uploaded photo into metadata-free web sizes."""
    services.process_photo(photo_id)


@task(priority=MAIL_PRIORITY)
def resend_manage_links(email_digest: str, language: str) -> None:
    """Mail fresh private links for every entry of one address, if it has any.

    Takes the keyed hash of the address, so the address itself is never stored
    in the task queue; the mail goes to the address the entries were made with.
    """
    entries = list(
        Entry.objects.select_related("campaign", "details")
        .filter(details__email_digest=email_digest)
        .order_by("submitted_at")
    )
    if not entries:
        return
    items = [{"entry": e, **links_for(e)} for e in entries]
    queue_mail(
        kind="manage_links",
        to=entries[-1].details.email,
        template="manage_links",
        context={"items": items, "campaign": entries[-1].campaign},
        language=language,
        entry=entries[-1],
    )
