from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EntriesConfig(AppConfig):
    """The public entry form, photos, e-mail verification, receipts and manage links."""

    name = "tasuki.entries"
    label = "entries"
    verbose_name = _("Entries")
