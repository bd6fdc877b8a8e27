"""Worker side of entries: tasks take ids only and delegate to services.

Only ids: a task's row stays in the queue's table after it runs (until
housekeeping prunes it), so nothing personal, not even a digest, goes in.
"""

from __future__ import annotations

from django_tasks import task

from tasuki.entries import services
from tasuki.mail.tasks import MAIL_PRIORITY


@task(priority=MAIL_PRIORITY)
def after_submit(entry_id: int) -> None:
    """Send the confirmation mail with the verification and manage links."""
    services.send_confirmation(entry_id)


@task()
def process_photo(photo_id: int) -> None:
    """Re-encode one uploaded photo into metadata-free web sizes."""
    services.process_photo(photo_id)


@task(priority=MAIL_PRIORITY)
def resend_manage_links(request_id: int) -> None:
    """Mail fresh private links for every entry of the address of one link
    request, if it has any (the request row holds the address's digest and is
    deleted here)."""
    services.send_manage_links(request_id)
