from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelayConfig(AppConfig):
    name = "tasuki.relay"
    verbose_name = _("Relay")

    def ready(self) -> None:
        from tasuki.relay import receivers  # noqa: F401  (withdrawal, cache invalidation)
