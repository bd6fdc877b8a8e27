"""Housekeeping: abandoned uploads (and the race with a submit), photos a worker
never finished, finished task rows, unanswered link requests, orphan files."""

import datetime as dt
import io
import os
import uuid
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from tasuki.entries import services
from tasuki.entries.models import LinkRequest, Photo, PhotoStatus, private_storage
from tasuki.entries.services import lifecycle
from tasuki.entries.tasks import process_photo
from tests.factories import entry_data

pytestmark = pytest.mark.django_db


def make_photo(*, enqueue: bool = True) -> Photo:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 40)).save(buffer, "PNG")
    return services.store_photo(
        submission_key=uuid.uuid4(), file=buffer, size=buffer.tell(), enqueue=enqueue
    )


def age(photo: Photo, **delta) -> None:
    Photo.objects.filter(pk=photo.pk).update(uploaded_at=timezone.now() - dt.timedelta(**delta))


def photo_files(settings) -> list[str]:
    root = settings.STORAGES["private"]["OPTIONS"]["location"]
    return sorted(
        os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files
    )


def attach(photo: Photo, campaign, altcha_payload, client) -> None:
    """Submit an entry that takes ``photo`` (the submit path, as an entrant does it)."""
    body = client.post(
        f"/en/{campaign.slug}/enter/",
        entry_data(
            submission_key=str(photo.submission_key),
            photo_tokens=[photo.token],
            altcha=altcha_payload(),
        ),
        headers={"X-Tasuki-Fetch": "1"},
    ).json()
    assert body["ok"], body


def test_housekeeping_deletes_only_old_unsent_uploads(capsys, django_capture_on_commit_callbacks):
    old, fresh = make_photo(), make_photo()
    age(old, days=3)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tasuki_housekeeping")
    assert list(Photo.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert private_storage().exists(fresh.original)
    assert not private_storage().exists(old.original)
    assert "1 abandoned photo(s) deleted" in capsys.readouterr().out


def test_delete_of_an_unattached_photo_is_one_conditional_statement():
    """No read-then-delete: the one DELETE itself says "only if it has no entry"."""
    photo = make_photo()
    with CaptureQueriesContext(connection) as queries:
        assert lifecycle._delete_unattached(photo)
    photo_sql = [q["sql"] for q in queries if "entries_photo" in q["sql"]]
    assert len(photo_sql) == 1, photo_sql  # Django's fast delete: no SELECT first
    assert photo_sql[0].startswith("DELETE") and '"entry_id" IS NULL' in photo_sql[0]


@pytest.mark.parametrize("path", ["purge", "remove"])
def test_a_photo_attached_by_a_submit_meanwhile_is_not_deleted(
    path, client, campaign, altcha_payload, django_capture_on_commit_callbacks
):
    """The purge and the remove button read the photo as unattached; a submit
    attaches it before their delete runs. The photo and its file must stay."""
    photo = make_photo(enqueue=False)
    age(photo, days=3)
    real = lifecycle._delete_unattached

    def submit_in_between(stale, **kw):
        attach(stale, campaign, altcha_payload, client)  # the race, made to happen
        return real(stale, **kw)

    with (
        mock.patch.object(lifecycle, "_delete_unattached", submit_in_between),
        django_capture_on_commit_callbacks(execute=True),
    ):
        if path == "purge":
            assert services.purge_abandoned_uploads() == 0
        else:
            assert not services.remove_pending_photo(
                submission_key=photo.submission_key, token=photo.token
            )
    kept = Photo.objects.get(pk=photo.pk)
    assert kept.entry is not None
    assert private_storage().exists(kept.original)


def test_purge_keeps_photos_of_a_draft_refused_until_the_next_period(
    django_capture_on_commit_callbacks,
):
    kept, expired, plain = make_photo(), make_photo(), make_photo()
    for photo in (kept, expired, plain):
        age(photo, days=30)
    Photo.objects.filter(pk=kept.pk).update(keep_until=timezone.now() + dt.timedelta(days=20))
    Photo.objects.filter(pk=expired.pk).update(keep_until=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.purge_abandoned_uploads() == 2
    assert list(Photo.objects.values_list("pk", flat=True)) == [kept.pk]
    assert private_storage().exists(kept.original)


# --- photos the worker never finished ------------------------------------------------------


def test_a_crashed_photo_is_retried_then_failed_and_the_entrant_is_told(
    client, campaign, altcha_payload, worker, capsys
):
    photo = make_photo()
    attach(photo, campaign, altcha_payload, client)
    crash = mock.patch.object(
        lifecycle.photo_lib, "make_renditions", side_effect=MemoryError("worker ran out")
    )
    start = timezone.now()
    with crash, time_machine.travel(start, tick=False) as clock:
        worker()  # the error nobody catches: the task fails, the photo stays "uploaded"
        photo.refresh_from_db()
        assert (photo.status, photo.attempts) == (PhotoStatus.UPLOADED, 1)
        call_command("tasuki_housekeeping")  # too soon: it may still be running
        assert "0 stuck photo(s) queued again" in capsys.readouterr().out
        for attempt in (2, 3):
            clock.shift(dt.timedelta(minutes=31))
            call_command("tasuki_housekeeping")
            assert "1 stuck photo(s) queued again" in capsys.readouterr().out
            worker()
            photo.refresh_from_db()
            assert (photo.status, photo.attempts) == (PhotoStatus.UPLOADED, attempt)
        clock.shift(dt.timedelta(minutes=31))
        call_command("tasuki_housekeeping")
        assert "1 marked failed" in capsys.readouterr().out
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.FAILED
    entry = photo.entry
    token = services.issue_manage_token(entry)
    page = client.get(f"/en/manage/{token}/").content.decode()
    assert "could not be converted" in page and campaign.contact_email in page
    assert "still being prepared" not in page


def test_a_photo_whose_task_was_lost_is_queued_again_and_made(worker, settings):
    photo = make_photo(enqueue=False)  # as if the task row was never written
    age(photo, hours=1)
    assert services.recover_stuck_photos() == (1, 0)
    worker()
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.READY and photo.attempts == 1


def test_a_shorter_staleness_than_the_workers_own_still_gets_the_photo_made(worker):
    photo = make_photo(enqueue=False)
    age(photo, hours=1)
    fifteen_minutes_ago = timezone.now() - dt.timedelta(minutes=15)
    Photo.objects.filter(pk=photo.pk).update(attempts=1, attempted_at=fifteen_minutes_ago)
    assert services.recover_stuck_photos(stale_after=dt.timedelta(minutes=10)) == (1, 0)
    worker()
    photo.refresh_from_db()
    assert (photo.status, photo.attempts) == (PhotoStatus.READY, 2)


def test_a_photo_waiting_in_a_backlog_is_left_alone():
    photo = make_photo()  # its task is queued, not yet run
    age(photo, hours=3)
    assert services.recover_stuck_photos() == (0, 0)
    assert DBTaskResult.objects.filter(task_path=process_photo.module_path).count() == 1


def test_a_duplicate_photo_task_does_nothing():
    photo = make_photo(enqueue=False)
    Photo.objects.filter(pk=photo.pk).update(attempted_at=timezone.now(), attempts=1)
    services.process_photo(photo.pk)  # another run started a minute ago: leave it
    photo.refresh_from_db()
    assert (photo.status, photo.attempts) == (PhotoStatus.UPLOADED, 1)


# --- task rows, link requests, orphan files -------------------------------------------------


def test_finished_task_rows_are_pruned_after_a_week(worker):
    process_photo.enqueue(10_001)
    process_photo.enqueue(10_002)
    worker()  # both finish (no such photos)
    old, recent = DBTaskResult.objects.order_by("enqueued_at")
    DBTaskResult.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=8))
    waiting = process_photo.enqueue(10_003)
    assert services.prune_task_results() == 1
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {
        recent.pk,
        uuid.UUID(str(waiting.id)),
    }


def test_unanswered_link_requests_are_deleted_after_a_day():
    old = LinkRequest.objects.create(email_digest="a" * 64, language="en")
    LinkRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    fresh = LinkRequest.objects.create(email_digest="b" * 64, language="en")
    assert services.purge_link_requests() == 1
    assert list(LinkRequest.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_files_no_row_names_are_swept_once_old(settings, worker):
    kept = make_photo()
    worker()  # renditions and full-size copy of a photo that has its row
    storage = private_storage()
    # An upload whose row was never written (a crash between file and row), and
    # a rendition left by a crash: old enough to sweep. And one written a minute
    # ago (its row may be on the way): left alone.
    orphan = storage.save("photos/originals/zz/zzOrphanToken", io.BytesIO(b"x" * 10))
    stray = storage.save("photos/web/zz/zzOrphanToken-480.webp", io.BytesIO(b"y" * 10))
    young = storage.save("photos/originals/yy/yyYoungToken", io.BytesIO(b"z" * 10))
    two_days_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    for path in (orphan, stray, *photo_files(settings)):
        if path != young:
            os.utime(storage.path(path), (two_days_ago, two_days_ago))
    before = set(photo_files(settings))
    assert services.sweep_orphan_files() == 2
    assert set(photo_files(settings)) == before - {orphan, stray}
    kept.refresh_from_db()
    assert storage.exists(kept.full_size) and young in photo_files(settings)


def test_a_failure_half_way_through_renditions_leaves_no_file(settings):
    photo = make_photo(enqueue=False)
    big = io.BytesIO()
    Image.new("RGB", (2000, 1500), (90, 20, 200)).save(big, "JPEG")
    storage = private_storage()
    with storage.open(photo.original, "wb") as f:  # a photo with three widths
        f.write(big.getvalue())
    real_save = storage.save
    calls = []

    def failing_save(name, content, *args, **kwargs):
        calls.append(name)
        if len(calls) == 4:
            raise OSError("disk full")
        return real_save(name, content, *args, **kwargs)

    with mock.patch.object(type(storage), "save", autospec=True) as save:
        save.side_effect = lambda self, name, content, *a, **k: failing_save(name, content)
        services.process_photo(photo.pk)
    photo.refresh_from_db()
    assert photo.status == PhotoStatus.FAILED
    assert len(calls) == 4  # three renditions were written before the failure …
    assert photo_files(settings) == [photo.original]  # … and none of them is left
