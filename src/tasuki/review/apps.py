from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    """Review of entries: states, decisions, criteria, scores, comments, search."""

    name = "tasuki.review"
    label = "review"
    verbose_name = _("Review")
