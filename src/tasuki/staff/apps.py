from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """The back office's shell: staff accounts, login with a second factor, roles."""

    name = "tasuki.staff"
    label = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        # Stamps each new session with the account's epoch (sign out everywhere).
        from tasuki.staff import middleware  # noqa: F401
