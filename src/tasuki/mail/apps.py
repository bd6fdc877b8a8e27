from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """The outbox: every mail is a row first, delivered and retried by the worker."""

    name = "tasuki.mail"
    label = "mail"
    verbose_name = _("Mail")
