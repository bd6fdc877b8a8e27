"""Worker side of the outbox."""

from django_tasks import task

from tasuki.mail import services

#: Mail an entrant is waiting for goes before work nobody waits for (photo
#: renditions): the worker takes ready tasks by priority, highest first.
MAIL_PRIORITY = 50


@task(priority=MAIL_PRIORITY)
def deliver_mail(message_id: int) -> None:
    """Send one outbox message; on a passing failure, schedule the next try."""
    retry_at = services.deliver(message_id)
    if retry_at is not None:
        deliver_mail.using(run_after=retry_at).enqueue(message_id)
