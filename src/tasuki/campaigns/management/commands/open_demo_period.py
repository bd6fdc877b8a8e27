from django.core.management.base import BaseCommand, CommandError

from tasuki.campaigns.demo import DEMO_SLUG, open_a_period
from tasuki.campaigns.models import Campaign
from tasuki.core.timefmt import format_jst


class Command(BaseCommand):
    help = "Move a campaign's entry periods so that the first one is open now (to try the form)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", default=DEMO_SLUG, help="Campaign slug.")

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            raise CommandError(
                f"No campaign '{options['campaign']}'. "
                "Run `make run` or `manage.py load_demo` first."
            )
        for period in open_a_period(campaign):
            self.stdout.write(
                f"Period {period.number}: {format_jst(period.opens_at, language='en')} – "
                f"{format_jst(period.closes_at, language='en')}"
            )
