from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """Campaigns, entry periods, terms versions and the race course."""

    name = "tasuki.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")
