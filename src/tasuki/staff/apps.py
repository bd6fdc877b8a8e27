from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The back office's shell: staff accounts, login with a second factor, roles."""

    name = "tasuki.staff"
    label = "staff"
    verbose_name = _("Staff")
