from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """The outbox: every mail is a row first, delivered and retried by the worker."""

    name = "tasuki.mail"
    label = "mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        # Apps register the resolvers of their send-time mail parts in a
        # ``mail_links`` module (see tasuki.mail.placeholders): found here, so
        # the mail app never names another app and every process (web, worker,
        # commands) has them before it sends anything.
        autodiscover_modules("mail_links")
