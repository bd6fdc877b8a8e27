"""After submitting: verification, the private manage link, withdrawal, erasure, re-sending."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tasuki.entries import services
from tasuki.entries.models import Entry, EntryStatus, Photo
from tasuki.mail.models import OutboxMessage
from tests.factories import entry_data

pytestmark = pytest.mark.django_db


def submit(client, campaign, altcha_payload, **overrides) -> Entry:
    with translation.override("en"):
        url = reverse("entries:enter", args=[campaign.slug])
    body = client.post(
        url, entry_data(altcha=altcha_payload(), **overrides), headers={"X-Tasuki-Fetch": "1"}
    ).json()
    assert body["ok"], body
    return Entry.objects.get(receipt=body["receipt"])


def links(message: OutboxMessage) -> dict:
    found = dict(re.findall(r"http://[^/]+(/\w\w/(verify|manage)/[^\s]+/)", message.body))
    return {kind: path for path, kind in found.items()}


def test_confirmation_mail_has_working_verify_and_manage_links(
    client, campaign, altcha_payload, worker
):
    entry = submit(client, campaign, altcha_payload)
    worker()
    message = OutboxMessage.objects.get(kind="entry_confirmation")
    assert message.to_address == "alex@example.com"
    paths = links(message)
    assert client.get(paths["verify"]).status_code == 200
    entry.refresh_from_db()
    assert entry.is_verified
    page = client.get(paths["manage"])
    assert page.status_code == 200
    html = page.content.decode()
    assert entry.receipt in html and entry.episode in html and "alex@example.com" in html


def test_confirmation_mail_is_in_the_entrants_language(client, campaign, altcha_payload, worker):
    submit(client, campaign, altcha_payload, language="ja")
    worker()
    message = OutboxMessage.objects.get()
    assert message.language == "ja"
    assert "/ja/verify/" in message.body
    assert "受付番号" in message.body


def test_tampered_verification_link_is_refused(client, campaign, altcha_payload, worker):
    submit(client, campaign, altcha_payload)
    worker()
    path = links(OutboxMessage.objects.get())["verify"]
    response = client.get(path.replace(":", ";", 1))
    assert response.status_code == 400
    assert Entry.objects.get().email_verified_at is None


def test_withdraw_then_erase(client, campaign, altcha_payload, worker):
    entry = submit(client, campaign, altcha_payload)
    worker()
    manage = links(OutboxMessage.objects.get())["manage"]
    response = client.post(manage, {"action": "withdraw"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN and entry.withdrawn_at is not None
    refused = client.post(manage, {"action": "erase"})  # no confirmation tick
    assert refused.status_code == 400
    assert Entry.objects.filter(pk=entry.pk).exists()
    erased = client.post(manage, {"action": "erase", "confirm": "yes"})
    assert erased.status_code == 200
    assert entry.receipt in erased.content.decode()
    assert not Entry.objects.filter(pk=entry.pk).exists()
    assert OutboxMessage.objects.count() == 0  # its mails go with it
    assert client.get(manage).status_code == 404


def test_erase_removes_photo_files(
    client, campaign, altcha_payload, worker, django_capture_on_commit_callbacks
):
    import io
    import uuid

    from PIL import Image

    key = str(uuid.uuid4())
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 30, 30)).save(buffer, "JPEG")
    buffer.name = "red.jpg"
    buffer.seek(0)
    upload = client.post(
        reverse("entries:upload_photo", args=[campaign.slug]),
        {"photo": buffer, "submission_key": key, "altcha": altcha_payload()},
        headers={"X-Tasuki-Fetch": "1"},
    )
    token = upload.json()["token"]
    entry = submit(client, campaign, altcha_payload, submission_key=key, photo_tokens=[token])
    worker()
    photo = Photo.objects.get(entry=entry)
    from tasuki.entries.models import private_storage

    storage = private_storage()
    paths = [photo.original] + [r["webp"] for r in photo.renditions.values()]
    assert all(storage.exists(p) for p in paths)
    manage = links(OutboxMessage.objects.get())["manage"]
    page = client.get(manage).content.decode()
    rendition = re.search(r'src="([^"]+\.jpeg)"', page).group(1)
    served = client.get(rendition)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(manage, {"action": "erase", "confirm": "yes"})
    assert not any(storage.exists(p) for p in paths)


def test_manage_link_with_wrong_token_is_not_found(client, db):
    response = client.get("/en/manage/not-a-real-token/")
    assert response.status_code == 404
    assert "does not open an entry" in response.content.decode()


def test_resend_does_not_reveal_whether_an_address_has_entries(
    client, campaign, altcha_payload, worker
):
    submit(client, campaign, altcha_payload)
    worker()
    known = client.post("/en/manage/", {"email": "ALEX@example.com"})
    unknown = client.post("/en/manage/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: r.content.decode().replace("csrfmiddlewaretoken", "")  # noqa: E731
    assert re.sub(r'value="[^"]+"', "", strip(known)) == re.sub(
        r'value="[^"]+"', "", strip(unknown)
    )
    worker()
    resent = OutboxMessage.objects.filter(kind="manage_links")
    assert resent.count() == 1
    assert resent.get().to_address == "alex@example.com"


def test_resend_rotates_the_manage_link(client, campaign, altcha_payload, worker):
    submit(client, campaign, altcha_payload)
    worker()
    old = links(OutboxMessage.objects.get(kind="entry_confirmation"))["manage"]
    client.post("/en/manage/", {"email": "alex@example.com"})
    worker()
    new = links(OutboxMessage.objects.get(kind="manage_links"))["manage"]
    assert client.get(new).status_code == 200
    assert client.get(old).status_code == 404


def test_resend_is_rate_limited(client, db, settings):
    settings.TASUKI_RATE_RESEND = "2/h"
    for _ in range(2):
        assert client.post("/en/manage/", {"email": "a@example.com"}).status_code == 200
    assert client.post("/en/manage/", {"email": "a@example.com"}).status_code == 429


def test_receipt_page_shows_no_personal_data(client, campaign, altcha_payload):
    entry = submit(client, campaign, altcha_payload)
    html = client.get(f"/en/receipt/{entry.receipt}/").content.decode()
    assert entry.receipt in html
    assert "alex@example.com" not in html and "Alex Example" not in html


@pytest.mark.parametrize(
    ("status", "expected", "absent"),
    [
        ("uploaded", "still being prepared", "could not be converted"),
        ("failed", "could not be converted", "still being prepared"),
    ],
)
def test_manage_page_says_where_each_photo_stands(
    client, campaign, altcha_payload, worker, status, expected, absent
):
    key = uuid.uuid4()
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 160)).save(buffer, "JPEG")
    data = buffer.getvalue()
    photo = services.store_photo(
        submission_key=key,
        file=SimpleUploadedFile("a.jpg", data, "image/jpeg"),
        size=len(data),
        enqueue=False,
    )
    entry = submit(
        client, campaign, altcha_payload, submission_key=str(key), photo_tokens=[photo.token]
    )
    worker()  # sends the confirmation mail; the photo was never queued
    Photo.objects.filter(pk=photo.pk).update(status=status)
    page = client.get(links(OutboxMessage.objects.get(entry=entry))["manage"]).content.decode()
    assert expected in page and absent not in page
    if status == "failed":
        assert campaign.contact_email in page
