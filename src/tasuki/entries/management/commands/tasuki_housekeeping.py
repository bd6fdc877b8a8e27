import datetime as dt

from django.core.management.base import BaseCommand

from tasuki.entries import services
from tasuki.mail.services import requeue_stale


class Command(BaseCommand):
    help = (
        "Hourly upkeep (cron or a timer): delete photos of drafts never sent, queue again or "
        "fail photos the worker never finished, put back mails a crashed worker left "
        "half-sent, prune finished task rows, unanswered link requests and expired proofs of "
        "work, and delete photo "
        "files that no row names."
    )

    def add_arguments(self, parser):
        parser.add_argument("--upload-days", type=float, default=2.0)
        parser.add_argument(
            "--photo-stale-minutes",
            type=float,
            default=services.PHOTO_STALE_AFTER.total_seconds() / 60,
            help="A photo the worker started this long ago and never finished is retried.",
        )
        parser.add_argument("--task-days", type=float, default=7.0)
        parser.add_argument(
            "--orphan-hours",
            type=float,
            default=24.0,
            help="Files no row names are deleted once they are this old.",
        )

    def handle(self, *args, **options):
        purged = services.purge_abandoned_uploads(
            older_than=dt.timedelta(days=options["upload_days"])
        )
        requeued_photos, failed_photos = services.recover_stuck_photos(
            stale_after=dt.timedelta(minutes=options["photo_stale_minutes"])
        )
        requeued = requeue_stale()
        pruned = services.prune_task_results(older_than=dt.timedelta(days=options["task_days"]))
        requests = services.purge_link_requests()
        proofs = services.purge_spent_proofs()
        orphans = services.sweep_orphan_files(
            older_than=dt.timedelta(hours=options["orphan_hours"])
        )
        self.stdout.write(
            f"{purged} abandoned photo(s) deleted, "
            f"{requeued_photos} stuck photo(s) queued again, {failed_photos} marked failed, "
            f"{requeued} mail(s) put back in the queue, {pruned} finished task row(s) pruned, "
            f"{requests} unanswered link request(s) deleted, {proofs} expired proof(s) of work "
            f"forgotten, {orphans} orphan file(s) deleted."
        )
