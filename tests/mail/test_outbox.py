"""The outbox against a real SMTP server: delivery, retry on failure, permanent refusal."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tasuki.mail import services
from tasuki.mail.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def queue(**kw) -> OutboxMessage:
    return OutboxMessage.objects.create(
        kind="test",
        to_address=kw.get("to", "reader@example.com"),
        subject="Hello",
        body="Body text\nwith lines",
        language="en",
    )


def test_message_is_delivered_over_smtp(smtp_server):
    message = queue()
    assert services.deliver(message.pk) is None
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 1
    received = smtp_server.wait_for(1)
    assert received[0]["To"] == "reader@example.com"
    assert received[0]["Subject"] == "Hello"
    assert received[0]["Auto-Submitted"] == "auto-generated"


def test_temporary_failure_is_retried_later(smtp_server):
    smtp_server.refuse_next = 1
    message = queue()
    retry_at = services.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.QUEUED
    assert retry_at is not None and retry_at > timezone.now()
    assert "451" in message.last_error
    assert services.deliver(message.pk) is None
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 2
    assert len(smtp_server.wait_for(1)) == 1 and smtp_server.refusals == 1


def test_unreachable_server_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there
    message = queue()
    assert services.deliver(message.pk) is not None
    message.refresh_from_db()
    assert message.status == OutboxStatus.QUEUED and "ConnectionRefused" in message.last_error


def test_gives_up_after_max_attempts(smtp_server, settings):
    settings.TASUKI_MAIL_MAX_ATTEMPTS = 2
    smtp_server.refuse_next = 5
    message = queue()
    services.deliver(message.pk)
    assert services.deliver(message.pk) is None
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and message.attempts == 2


def test_failed_task_reschedules_itself_through_the_worker(smtp_server, worker):
    from django_tasks_db.models import DBTaskResult

    from tasuki.mail.tasks import deliver_mail

    smtp_server.refuse_next = 1
    message = queue()
    deliver_mail.enqueue(message.pk)
    worker()
    message.refresh_from_db()
    assert message.status == OutboxStatus.QUEUED
    pending = DBTaskResult.objects.filter(status="READY")
    assert pending.count() == 1 and pending.get().run_after is not None


def test_a_message_is_sent_once_even_if_delivered_twice(smtp_server):
    message = queue()
    services.deliver(message.pk)
    services.deliver(message.pk)
    assert len(smtp_server.wait_for(1)) == 1


def test_stale_claims_are_requeued():
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, claimed_at=timezone.now() - timezone.timedelta(hours=1)
    )
    assert services.requeue_stale() == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.QUEUED
