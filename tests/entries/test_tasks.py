"""The worker's order: mail an entrant waits for before photo renditions nobody waits for."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from tasuki.entries.tasks import after_submit, process_photo, resend_manage_links
from tasuki.mail.tasks import deliver_mail

pytestmark = pytest.mark.django_db


def test_mail_tasks_are_taken_before_renditions_queued_earlier():
    for photo_id in range(3):
        process_photo.enqueue(photo_id)
    after_submit.enqueue(1)
    deliver_mail.enqueue(1)
    resend_manage_links.enqueue(1)
    order = [r.task_path.rsplit(".", 1)[1] for r in DBTaskResult.objects.ready()]
    assert order[:3] == ["after_submit", "deliver_mail", "resend_manage_links"]
    assert order[3:] == ["process_photo"] * 3


def test_a_retried_mail_keeps_its_priority():
    retry = deliver_mail.using(run_after=None)
    assert retry.priority == deliver_mail.priority > process_photo.priority


def test_asking_for_links_puts_no_digest_in_the_task_queue(client, campaign, worker):
    """The task row stays after it runs; it gets a request id, never the address's digest."""
    from tasuki.entries.models import LinkRequest
    from tasuki.entries.services import email_digest

    digest = email_digest("someone@example.com")
    assert client.post("/en/manage/", {"email": "someone@example.com"}).status_code == 200
    row = DBTaskResult.objects.get(task_path=resend_manage_links.module_path)
    request = LinkRequest.objects.get()
    assert row.args_kwargs == {"args": [request.pk], "kwargs": {}}
    assert request.email_digest == digest
    worker()
    assert not LinkRequest.objects.exists()  # read once, then gone
    assert all(digest not in str(r.args_kwargs) for r in DBTaskResult.objects.all())
