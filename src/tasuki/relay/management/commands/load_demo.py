"""`manage.py load_demo`: the demo series `make run` shows, safe to run again.

It lives in the relay app because it loads every layer of the demo (campaigns,
entries, reviews, published stories), and only an app built on all of them may
import them (entries imports none of the apps built on it).
"""

import time

from django.core.management.base import BaseCommand

from tasuki.entries.demo import load_demo_entries
from tasuki.relay.demo import link_entries_to_last_year, load_demo_campaigns, load_demo_relay


class Command(BaseCommand):
    help = (
        "Load the demo series: last year's campaign with its published relay and this "
        "year's campaign with its entries (safe to run again: nothing is duplicated)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-photos", action="store_true", help="Skip generating photos.")

    def handle(self, *args, **options):
        photos = not options["no_photos"]
        _last_year, campaign = load_demo_campaigns()
        made = load_demo_entries(campaign, photos=photos)
        total = campaign.entries.count()
        self.stdout.write(f"Demo campaign '{campaign.slug}': {made} new entries, {total} in all.")
        started = time.monotonic()
        relay = load_demo_relay(photos=photos)
        linked = link_entries_to_last_year(campaign)
        self.stdout.write(
            f"Demo relay '{relay.campaign.slug}': {relay.published} stories published "
            f"({relay.made} new, {time.monotonic() - started:.1f} s); "
            f"{linked} entries of '{campaign.slug}' newly linked to the story they name."
        )
