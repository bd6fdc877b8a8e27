"""After submitting: verification, the private manage link, withdrawal, erasure, re-sending."""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
import time_machine
from django.core import mail
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


def links_in(text: str) -> dict:
    found = dict(re.findall(r"http://[^/]+(/\w\w/(verify|manage)/[^\s]+/)", text))
    return {kind: path for path, kind in found.items()}


def links(message: OutboxMessage) -> dict:
    """The links of the mail as it was sent (the outbox row holds none)."""
    assert message.status == "sent"
    sent = [m for m in mail.outbox if m.to == [message.to_address]]
    assert sent, "the worker has not sent this mail"
    found = {}
    for m in sent:  # later mails' links win
        if message.subject == m.subject:
            found.update(links_in(m.body))
    return found


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
    assert not entry.is_verified  # opening the link (a mail scanner does) confirms nothing
    assert client.post(paths["verify"]).status_code == 200
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
    assert "受付番号" in message.body
    assert set(links(message)) == {"verify", "manage"}
    assert all(path.startswith("/ja/") for path in links(message).values())


def test_tampered_verification_link_is_refused(client, campaign, altcha_payload, worker):
    submit(client, campaign, altcha_payload)
    worker()
    path = links(OutboxMessage.objects.get())["verify"]
    assert client.get(path.replace(":", ";", 1)).status_code == 400
    response = client.post(path.replace(":", ";", 1))
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
    paths = [photo.full_size] + [r["webp"] for r in photo.renditions.values()]
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


def test_asking_for_links_never_breaks_the_old_one_until_the_new_one_is_used(
    client, campaign, altcha_payload, worker
):
    """Anyone may ask for the links of an address; that must not stop the owner's link."""
    entry = submit(client, campaign, altcha_payload)
    worker()
    old = links(OutboxMessage.objects.get(kind="entry_confirmation"))["manage"]
    client.post("/en/manage/", {"email": "alex@example.com"})  # someone else asks
    worker()
    new = links(OutboxMessage.objects.get(kind="manage_links"))["manage"]
    assert client.get(old).status_code == 200  # the owner's link still opens the entry
    page = client.get(new)
    assert page.status_code == 200
    assert client.get(old).status_code == 200  # opening the new one (a GET) changed nothing
    assert 'value="revoke"' in page.content.decode()
    assert client.post(new, {"action": "confirm"}).status_code == 302  # first use
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    entry.refresh_from_db()
    assert entry.manage_tokens.count() == 1


def test_a_change_made_with_the_old_link_leaves_the_new_one_working(
    client, campaign, altcha_payload, worker
):
    submit(client, campaign, altcha_payload)
    worker()
    old = links(OutboxMessage.objects.get(kind="entry_confirmation"))["manage"]
    client.post("/en/manage/", {"email": "alex@example.com"})
    worker()
    new = links(OutboxMessage.objects.get(kind="manage_links"))["manage"]
    assert client.post(old, {"action": "withdraw"}).status_code == 302
    assert client.get(new).status_code == 200 and client.get(old).status_code == 200
    assert client.post(new, {"action": "revoke"}).status_code == 302
    assert client.get(old).status_code == 404


def test_opening_the_manage_page_changes_nothing(client, campaign, altcha_payload, worker):
    entry = submit(client, campaign, altcha_payload)
    worker()
    manage = links(OutboxMessage.objects.get(kind="entry_confirmation"))["manage"]
    before = list(entry.manage_tokens.values())
    assert client.get(manage).status_code == 200
    entry.refresh_from_db()
    assert entry.email_verified_at is None  # before: marked verified on GET
    assert list(entry.manage_tokens.values()) == before
    assert client.post(manage, {"action": "confirm"}).status_code == 302
    entry.refresh_from_db()
    assert entry.is_verified
    assert (
        "Thank you: your e-mail address is confirmed."
        in client.get(manage + "?done=confirmed").content.decode()
    )


def test_resend_is_rate_limited(client, db, settings):
    settings.TASUKI_RATE_RESEND = "2/h"
    for _ in range(2):
        assert client.post("/en/manage/", {"email": "a@example.com"}).status_code == 200
    assert client.post("/en/manage/", {"email": "a@example.com"}).status_code == 429


def test_resend_per_address_is_limited_by_the_hour_and_by_the_day(client, db, settings):
    """Many connections asking for one address: a few an hour, a few more a day."""
    settings.TASUKI_RATE_RESEND = "100/h"
    counts = {}

    def ask(n: int) -> int:
        return client.post(
            "/en/manage/", {"email": "Target@Example.com"}, REMOTE_ADDR=f"198.51.100.{n}"
        ).status_code

    start = dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC)  # windows: clock hours, UTC days
    with time_machine.travel(start, tick=False) as clock:
        counts["first hour"] = [ask(n) for n in range(3)]
        clock.shift(dt.timedelta(minutes=10))  # the count outlives a quiet spell
        counts["first hour"] += [ask(n) for n in range(3, 5)]
        clock.shift(dt.timedelta(minutes=51))
        counts["second hour"] = [ask(n) for n in range(5, 10)]
        clock.shift(dt.timedelta(hours=1, minutes=1))
        counts["third hour"] = [ask(n) for n in range(10, 15)]
        clock.shift(dt.timedelta(days=1))
        counts["next day"] = [ask(n) for n in range(15, 16)]
    assert counts["first hour"] == [200, 200, 200, 429, 429]
    assert counts["second hour"] == [200, 200, 200, 429, 429]
    assert counts["third hour"] == [429] * 5  # six a day
    assert counts["next day"] == [200]


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
