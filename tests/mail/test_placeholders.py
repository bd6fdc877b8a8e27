"""No outbox row ever holds a working link: links are made when a mail is sent."""

from __future__ import annotations

import pathlib
import re

import pytest
from django.core import mail

from tasuki.entries.models import Entry
from tasuki.mail import placeholders, services
from tasuki.mail.models import OutboxMessage, OutboxStatus
from tests.factories import entry_data

pytestmark = pytest.mark.django_db

#: Anything in a stored row that could be a link's token: long URL-safe runs.
TOKENISH = re.compile(r"[A-Za-z0-9_:\-]{20,}")


def submit(client, campaign, altcha_payload, **overrides) -> Entry:
    body = client.post(
        f"/en/{campaign.slug}/enter/",
        entry_data(altcha=altcha_payload(), **overrides),
        headers={"X-Tasuki-Fetch": "1"},
    ).json()
    assert body["ok"], body
    return Entry.objects.get(receipt=body["receipt"])


def sent_paths() -> list[str]:
    return [
        path
        for message in mail.outbox
        for path in re.findall(r"http://[^/\s]+(/\w\w/(?:verify|manage)/[^\s]+/)", message.body)
    ]


def assert_no_row_holds_a_working_token(client) -> None:
    """Try every token-like string of every outbox row as a manage and a verify link."""
    rows = list(OutboxMessage.objects.all())
    assert rows
    for row in rows:
        stored = " ".join([row.subject, row.body, str(row.placeholders), row.last_error])
        assert "/manage/" not in stored and "/verify/" not in stored
        for candidate in set(TOKENISH.findall(stored)):
            assert client.get(f"/en/manage/{candidate}/").status_code == 404, candidate
            assert client.post(f"/en/verify/{candidate}/").status_code in (400, 404), candidate


def test_after_a_whole_journey_no_outbox_row_holds_a_working_link(
    client, campaign, altcha_payload, worker
):
    entry = submit(client, campaign, altcha_payload)
    worker()  # confirmation written and delivered
    client.post("/en/manage/", {"email": "alex@example.com"})
    worker()  # links mail written and delivered
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 2
    paths = sent_paths()
    assert len(paths) == 4  # verify + manage in each (the address is not confirmed yet)
    assert_no_row_holds_a_working_token(client)
    # The mails as sent do carry working links.
    manage = [p for p in paths if "/manage/" in p]
    assert all(client.get(p).status_code == 200 for p in manage)
    verify = next(p for p in paths if "/verify/" in p)
    assert client.post(verify).status_code == 200
    entry.refresh_from_db()
    assert entry.is_verified


def test_a_mail_queued_for_a_retry_holds_no_working_link(
    client, campaign, altcha_payload, worker, smtp_server
):
    smtp_server.refuse_next = 1
    submit(client, campaign, altcha_payload)
    worker()
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.QUEUED and message.attempts == 1
    assert_no_row_holds_a_working_token(client)
    services.deliver(message.pk)
    received = smtp_server.wait_for(1)
    body = received[0].get_payload(decode=True).decode()
    manage = re.search(r"http://[^/\s]+(/en/manage/[^\s]+/)", body).group(1)
    assert client.get(manage).status_code == 200
    assert_no_row_holds_a_working_token(client)


def test_text_an_entrant_typed_is_never_taken_for_a_placeholder(
    client, campaign, altcha_payload, worker
):
    """A pen name shaped like a marker stays text; only the row's own markers resolve."""
    other = submit(client, campaign, altcha_payload)
    worker()
    stored = OutboxMessage.objects.get(entry=other)
    marker = next(iter(stored.placeholders))  # even one that exists elsewhere
    mail.outbox.clear()
    submit(client, campaign, altcha_payload, pen_name=marker[:40], email="eve@example.com")
    fake = "[[mail-part:" + "0" * 24 + "]]"
    text = placeholders.resolve(f"{marker} {fake}", {}, language="en")
    assert text == f"{marker} {fake}"
    worker()
    sent = next(m for m in mail.outbox if m.to == ["eve@example.com"])
    assert sent.body.count("/manage/") == 1  # its own link only


def test_a_mail_with_a_part_nobody_can_make_fails_for_staff():
    message = OutboxMessage.objects.create(
        kind="test",
        to_address="reader@example.com",
        subject="Hello",
        body="Your link: [[mail-part:" + "a" * 24 + "]]",
        placeholders={"[[mail-part:" + "a" * 24 + "]]": ["nobody.resolves", 1]},
        language="en",
    )
    assert services.deliver(message.pk) is None
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED and "nobody.resolves" in message.last_error
    assert mail.outbox == []


def test_the_mail_app_imports_no_other_app():
    source = pathlib.Path(services.__file__).parent
    for path in source.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import)\s+tasuki\.(?!mail\b)", text, re.M), path
