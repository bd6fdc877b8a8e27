from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small shared pieces: time formatting, client addresses, security headers."""

    name = "tasuki.core"
    label = "core"
