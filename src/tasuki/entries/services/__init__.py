"""Every change to entries and photos. One function, one transaction.

``submit`` is the way in (photos taken in, entries saved exactly once);
``lifecycle`` is everything after (photo processing, manage tokens,
verification, withdrawal, erasure, housekeeping). The names below are the
app's service interface; callers import them from here.
"""

from tasuki.entries.services.lifecycle import (
    TRANSITIONS,
    VERIFY_SALT,
    entry_for_manage_token,
    erase_entry,
    issue_manage_token,
    mark_verified_by_manage_link,
    process_photo,
    purge_abandoned_uploads,
    remove_pending_photo,
    verification_token,
    verify_email,
    withdraw_entry,
)
from tasuki.entries.services.submit import (
    MAX_PHOTOS,
    EntryClosed,
    EntryRefused,
    SubmitResult,
    create_entry,
    email_digest,
    find_by_submission_key,
    normalize_email,
    store_photo,
    submit_entry,
)

__all__ = [
    "MAX_PHOTOS",
    "TRANSITIONS",
    "VERIFY_SALT",
    "EntryClosed",
    "EntryRefused",
    "SubmitResult",
    "create_entry",
    "email_digest",
    "entry_for_manage_token",
    "erase_entry",
    "find_by_submission_key",
    "issue_manage_token",
    "mark_verified_by_manage_link",
    "normalize_email",
    "process_photo",
    "purge_abandoned_uploads",
    "remove_pending_photo",
    "store_photo",
    "submit_entry",
    "verification_token",
    "verify_email",
    "withdraw_entry",
]
