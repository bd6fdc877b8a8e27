"""Public entry views: ``submit`` (form, photos, receipt) and ``manage`` (what an
entrant does afterwards with the private link)."""

from tasuki.entries.views.manage import manage, manage_photo, resend, verify
from tasuki.entries.views.submit import enter, photo_status, receipt, remove_photo, upload_photo

__all__ = [
    "enter",
    "manage",
    "manage_photo",
    "photo_status",
    "receipt",
    "remove_photo",
    "resend",
    "upload_photo",
    "verify",
]
