"""Queue and deliver mail through the outbox."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from tasuki.mail import placeholders
from tasuki.mail.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


def render_mail(template: str, context: dict, *, language: str) -> tuple[str, str]:
    """Render ``mail/<template>.subject.txt`` and ``.body.txt`` in ``language``."""
    with translation.override(language):
        subject = render_to_string(f"mail/{template}.subject.txt", context).strip()
        body = render_to_string(f"mail/{template}.body.txt", context)
    return " ".join(subject.split()), body


def queue_mail(
    *, kind: str, to: str, template: str, context: dict, language: str, entry=None
) -> OutboxMessage:
    """Write a mail to the outbox and schedule its delivery once the caller commits.

    Put a :class:`~tasuki.mail.placeholders.Placeholder` in ``context`` for
    anything that must not be stored (a private link): the row keeps a marker
    and the text is made when the mail is sent.
    """
    from tasuki.mail.tasks import deliver_mail

    subject, body = render_mail(template, context, language=language)
    message = OutboxMessage.objects.create(
        kind=kind,
        to_address=to,
        subject=subject,
        body=body,
        placeholders=placeholders.references(context, subject, body),
        language=language,
        entry=entry,
    )
    deliver_mail.enqueue(message.pk)
    return message


def retry_delay(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min … capped at one hour."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def _permanent(exc: Exception) -> bool:
    """A refusal the server will repeat however often we try (5xx for the recipient)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return (
        isinstance(exc, smtplib.SMTPResponseException)
        and 500 <= exc.smtp_code < 600
        and (
            exc.smtp_code not in (500, 503)  # "command unrecognised"/"bad sequence": our side
        )
    )


def deliver(message_id: int) -> dt.datetime | None:
    """Try to send one queued message now.

    The row is claimed (queued → sending) in a short transaction and the SMTP
    conversation happens outside any transaction: on SQLite an open write
    transaction would hold every other writer, entrants included, for as long
    as a slow mail server takes. Returns when to try again, or ``None`` when
    there is nothing more to do (sent, failed for good, or another worker has
    it).
    """
    claimed = OutboxMessage.objects.filter(pk=message_id, status=OutboxStatus.QUEUED).update(
        status=OutboxStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return None
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        # Made now and never saved: the row keeps only the markers.
        with translation.override(message.language):
            subject = placeholders.resolve(
                message.subject, message.placeholders, language=message.language
            )
            body = placeholders.resolve(
                message.body, message.placeholders, language=message.language
            )
    except placeholders.UnknownResolver as exc:
        message.status = OutboxStatus.FAILED
        message.last_error = f"no resolver for a mail part: {exc}"[:500]
        message.save(update_fields=["status", "last_error"])
        log.error("mail %s failed: no resolver %s", message.pk, exc)
        return None
    mail = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        headers={"Auto-Submitted": "auto-generated"},
    )
    try:
        mail.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if _permanent(exc) or message.attempts >= settings.TASUKI_MAIL_MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
            message.next_attempt_at = None
        else:
            message.status = OutboxStatus.QUEUED
            message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
        message.save(update_fields=["last_error", "status", "next_attempt_at"])
        log.warning(
            "mail %s attempt %s failed: %s", message.pk, message.attempts, type(exc).__name__
        )
        return message.next_attempt_at
    message.status = OutboxStatus.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    message.next_attempt_at = None
    message.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at"])
    return None


def requeue_stale(*, older_than: dt.timedelta = dt.timedelta(minutes=15)) -> int:
    """Put back messages a worker claimed and then died on; returns how many."""
    from tasuki.mail.tasks import deliver_mail

    stale = list(
        OutboxMessage.objects.filter(
            status=OutboxStatus.SENDING, claimed_at__lt=timezone.now() - older_than
        ).values_list("pk", flat=True)
    )
    for pk in stale:
        with transaction.atomic():
            if OutboxMessage.objects.filter(pk=pk, status=OutboxStatus.SENDING).update(
                status=OutboxStatus.QUEUED
            ):
                deliver_mail.enqueue(pk)
    return len(stale)
