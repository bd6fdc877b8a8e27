import datetime as dt

from django.core.management.base import BaseCommand

from tasuki.entries.services import purge_abandoned_uploads
from tasuki.mail.services import requeue_stale


class Command(BaseCommand):
    help = (
        "Delete photos uploaded for drafts that were never sent (older than --upload-days) and "
        "put back mails a crashed worker left half-sent. Run it hourly (cron or a timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--upload-days", type=float, default=2.0)

    def handle(self, *args, **options):
        purged = purge_abandoned_uploads(older_than=dt.timedelta(days=options["upload_days"]))
        requeued = requeue_stale()
        self.stdout.write(
            f"{purged} abandoned photo(s) deleted, {requeued} mail(s) put back in the queue."
        )
