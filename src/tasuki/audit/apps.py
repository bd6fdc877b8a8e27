from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The append-only, hash-chained record of every staff action."""

    name = "tasuki.audit"
    label = "audit"
    verbose_name = _("Audit trail")
