"""``manage.py reindex_entries [--campaign SLUG] [--missing]``: fill the search index.

For entries that existed before search did (the demo campaign, an upgrade) and
after a change to the tokeniser; new entries are indexed by the worker as they
arrive. Safe to run at any time and to stop: each batch replaces its rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from tasuki.campaigns.models import Campaign
from tasuki.review import search


class Progress:
    """A progress line for operators: rewritten in place on a terminal, one line
    per tenth of the work otherwise (so a log does not get a line per batch)."""

    def __init__(self, write: Callable[[str], None], *, tty: bool) -> None:
        self.write = write
        self.tty = tty
        self.started = time.monotonic()
        self.next_tenth = 1

    def rate(self, done: int) -> float:
        return done / max(time.monotonic() - self.started, 1e-9)

    def __call__(self, done: int, total: int) -> None:
        line = f"indexed {done:,} of {total:,} entries ({self.rate(done):,.0f}/s)"
        if self.tty:
            self.write("\r" + line)
        elif done * 10 >= self.next_tenth * total:
            self.write(line + "\n")
            self.next_tenth = done * 10 // total + 1


class Command(BaseCommand):
    help = "Index every entry (or one campaign's) for the review queue's search."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", metavar="SLUG", help="Only this campaign's entries.")
        parser.add_argument("--missing", action="store_true", help="Only entries not indexed yet.")

    def handle(self, *args, **options):
        campaign = None
        if options["campaign"]:
            campaign = Campaign.objects.filter(slug=options["campaign"]).first()
            if campaign is None:
                raise CommandError(f"No campaign with the slug {options['campaign']!r}.")
        out = self.stdout
        tty = out.isatty()
        progress = Progress(lambda text: out.write(text, ending=""), tty=tty)
        done = search.reindex(campaign=campaign, progress=progress, missing_only=options["missing"])
        if tty and done:
            out.write("")  # end the line the progress kept rewriting
        out.write(f"Search index: {done:,} entries indexed ({progress.rate(done):,.0f}/s).")
