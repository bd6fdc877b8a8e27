from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelayConfig(AppConfig):
    name = "tasuki.relay"
    verbose_name = _("Relay")

    def ready(self) -> None:
        # Withdrawal and cache invalidation; the published stories the entry form offers.
        from tasuki.campaigns.views import add_landing_section
        from tasuki.relay import entry_stories, receivers, views  # noqa: F401

        # The campaign's landing page shows the relay (campaigns cannot import it).
        add_landing_section(views.landing_section)
