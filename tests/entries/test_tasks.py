"""The worker's order: mail an entrant waits for before photo renditions nobody waits for."""

from __future__ import annotations

import pytest
from django.utils import timezone
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


def test_queued_link_tasks_of_the_old_kind_lose_their_digest_on_migration(worker):
    """Rows written before the change carried (digest, language): the migration
    turns a waiting one into a link request and deletes finished ones."""
    import importlib

    from django.apps import apps

    from tasuki.entries.models import LinkRequest

    migration = importlib.import_module(
        "tasuki.entries.migrations.0003_manage_links_photo_attempts_full_size"
    )
    digest = "d" * 64
    waiting = DBTaskResult.objects.create(
        task_path=resend_manage_links.module_path,
        args_kwargs={"args": [digest, "ja"], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        priority=resend_manage_links.priority,
    )
    DBTaskResult.objects.create(
        task_path=resend_manage_links.module_path,
        args_kwargs={"args": [digest, "en"], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
        status="SUCCESSFUL",
        finished_at=timezone.now(),
    )
    migration.take_digests_out_of_the_queue(apps, None)
    assert [r.pk for r in DBTaskResult.objects.all()] == [waiting.pk]
    waiting.refresh_from_db()
    request = LinkRequest.objects.get()
    assert (request.email_digest, request.language) == (digest, "ja")
    assert waiting.args_kwargs == {"args": [request.pk], "kwargs": {}}
    worker()
    assert not LinkRequest.objects.exists()
