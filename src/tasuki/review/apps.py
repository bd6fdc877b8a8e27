from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    """Review of entries: states, decisions, criteria, scores, comments, search."""

    name = "tasuki.review"
    label = "review"
    verbose_name = _("Review")

    def ready(self) -> None:
        # A new entry is indexed for search by the worker: the receiver queues the
        # task inside the submit transaction (entries never import review).
        from tasuki.review import flagging, search

        search.connect_signals()
        flagging.connect_signals()
