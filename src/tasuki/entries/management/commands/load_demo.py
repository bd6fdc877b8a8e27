from django.core.management.base import BaseCommand

from tasuki.campaigns.demo import load_demo_campaign
from tasuki.entries.demo import load_demo_entries


class Command(BaseCommand):
    help = "Load the demo campaign and its entries (safe to run again: nothing is duplicated)."

    def add_arguments(self, parser):
        parser.add_argument("--no-photos", action="store_true", help="Skip generating photos.")

    def handle(self, *args, **options):
        campaign = load_demo_campaign()
        made = load_demo_entries(campaign, photos=not options["no_photos"])
        total = campaign.entries.count()
        self.stdout.write(f"Demo campaign '{campaign.slug}': {made} new entries, {total} in all.")
