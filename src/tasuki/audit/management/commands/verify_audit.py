from django.core.management.base import BaseCommand, CommandError

from tasuki.audit.models import AuditEvent
from tasuki.audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain from the first row and name the first row "
        "that does not match (changed, removed or inserted after the fact)."
    )

    def handle(self, *args, **options):
        total = AuditEvent.objects.count()

        def progress(done: int) -> None:
            self.stdout.write(f"  checked {done} of {total} rows …")

        broken = verify_chain(progress=progress)
        if broken is not None:
            raise CommandError(
                f"The audit trail does not match from row #{broken.pk} "
                f"({broken.action} at {broken.at.isoformat()}): it or the row before it was "
                "changed, removed or inserted after it was written."
            )
        self.stdout.write(self.style.SUCCESS(f"The audit trail is intact: {total} rows checked."))
