"""Erasure reaches everything: after an entrant erases an entry, no table and no
stored file holds its receipt, title, address, the address's digest, its photo
tokens or its manage links, whatever mails, tasks and link requests were made
on the way."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import re
import uuid

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult
from PIL import Image

from tasuki.entries import services
from tasuki.entries.models import Entry, LinkRequest, Photo

pytestmark = pytest.mark.django_db

EMAIL = "erin.erasable@example.com"


def database_text() -> str:
    """Every value of every column of every table, as text (cache values decoded)."""
    cache_table = "tasuki_cache"
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if value is None:
                        continue
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    chunks.append(str(value))
                    if table == cache_table and isinstance(value, str):
                        with contextlib.suppress(ValueError):
                            chunks.append(base64.b64decode(value).decode("latin-1"))
    return "\n".join(chunks)


def storage_files(settings) -> dict[str, bytes]:
    root = settings.STORAGES["private"]["OPTIONS"]["location"]
    out = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = f.read()
    return out


def leftovers(settings, needles: dict[str, str]) -> list[str]:
    text = database_text()
    files = storage_files(settings)
    found = [f"database: {label}" for label, value in needles.items() if value in text]
    for label, value in needles.items():
        for path, data in files.items():
            if value in path or value.encode() in data:
                found.append(f"storage {path}: {label}")
    return found


def submit(client, campaign, altcha_payload, *, title: str, photo: Photo | None = None) -> Entry:
    from tests.factories import entry_data

    key = photo.submission_key if photo else uuid.uuid4()
    body = client.post(
        f"/en/{campaign.slug}/enter/",
        entry_data(
            submission_key=str(key),
            title=title,
            email=EMAIL,
            photo_tokens=[photo.token] if photo else [],
            altcha=altcha_payload(),
        ),
        headers={"X-Tasuki-Fetch": "1"},
    ).json()
    assert body["ok"], body
    return Entry.objects.get(receipt=body["receipt"])


def sent_links(receipt: str) -> list[str]:
    """Manage links mailed for the entry with ``receipt`` (from the mails as sent)."""
    links = []
    for message in mail.outbox:
        for block in re.split(r"\n(?=Entry |Receipt number)", message.body):
            if receipt in block or receipt in message.subject:
                links += re.findall(r"http://[^/\s]+(/en/manage/[^\s]+/)", block)
    return links


def upload(key: uuid.UUID) -> Photo:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 40, 40)).save(buffer, "JPEG")
    return services.store_photo(submission_key=key, file=buffer, size=buffer.tell())


def test_erasure_leaves_nothing_of_the_entry_in_any_table_or_file(
    client, campaign, altcha_payload, worker, settings, django_capture_on_commit_callbacks
):
    photo = upload(uuid.uuid4())
    unsent = upload(photo.submission_key)  # added to the draft, not sent with it
    first = submit(client, campaign, altcha_payload, title="Erase me please", photo=photo)
    second = submit(client, campaign, altcha_payload, title="The second story stays")
    with django_capture_on_commit_callbacks(execute=True):
        worker()  # confirmations sent, photo processed
        # The entrant asks for the links: one mail, attached to the later entry,
        # that names both entries.
        client.post("/en/manage/", {"email": EMAIL})
        worker()
    links_mail = [m for m in mail.outbox if "Your private entry links" in m.subject]
    assert len(links_mail) == 1 and first.receipt in links_mail[0].body
    # Asked again, and not yet answered: a link request for the address is pending.
    client.post("/en/manage/", {"email": EMAIL})
    assert LinkRequest.objects.count() == 1

    photo.refresh_from_db()
    first_links = sent_links(first.receipt)
    assert len(first_links) == 2  # from the confirmation and from the links mail
    first_needles = {
        "receipt": first.receipt,
        "title": first.title,
        "photo token": photo.token,
        "unsent photo token": unsent.token,
        **{
            f"manage token {n}": link.rstrip("/").rsplit("/", 1)[1]
            for n, link in enumerate(first_links)
        },
        **{
            f"manage digest {n}": hashlib.sha256(
                link.rstrip("/").rsplit("/", 1)[1].encode()
            ).hexdigest()
            for n, link in enumerate(first_links)
        },
    }
    assert leftovers(settings, first_needles)  # the search does find them before

    with django_capture_on_commit_callbacks(execute=True):
        erased = client.post(first_links[-1], {"action": "erase", "confirm": "yes"})
    assert erased.status_code == 200
    assert leftovers(settings, first_needles) == []
    task_paths = {
        "tasuki.entries.tasks.after_submit": first.pk,
        "tasuki.entries.tasks.process_photo": photo.pk,
    }
    for path, pk in task_paths.items():
        assert not DBTaskResult.objects.filter(task_path=path, args_kwargs__args__0=pk).exists()
    # The other entry of the same address keeps its mail, links and request.
    assert LinkRequest.objects.count() == 1
    assert client.get(sent_links(second.receipt)[-1]).status_code == 200

    digest = services.email_digest(EMAIL)
    everything = {
        **first_needles,
        "second receipt": second.receipt,
        "second title": second.title,
        "e-mail": EMAIL,
        "e-mail digest": digest,
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post(sent_links(second.receipt)[-1], {"action": "erase", "confirm": "yes"})
        worker()  # the pending request finds nothing to answer
        call_command("tasuki_housekeeping", stdout=io.StringIO())
    assert leftovers(settings, everything) == []
    assert not Photo.objects.exists() and not LinkRequest.objects.exists()
