"""The submit path: exactly once, period-gated, and nothing lost on refusal."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from tasuki.entries.models import Entry, EntryStatus
from tasuki.mail.models import OutboxMessage
from tests.factories import entry_data
from tests.fixtures.redis_service import require_redis

pytestmark = pytest.mark.django_db


def post(client, campaign, data, *, js=True, lang="en"):
    with translation.override(lang):
        url = reverse("entries:enter", args=[campaign.slug])
    headers = {"X-Tasuki-Fetch": "1"} if js else {}
    return client.post(url, data, headers=headers)


def test_submit_creates_entry_and_returns_receipt(client, campaign, altcha_payload):
    response = post(client, campaign, entry_data(altcha=altcha_payload()))
    assert response.status_code == 200, response.content
    body = response.json()
    entry = Entry.objects.get()
    assert body["receipt"] == entry.receipt
    assert body["receipt_url"].endswith(f"/receipt/{entry.receipt}/")
    assert entry.details.email == "alex@example.com"
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.terms_version.is_current
    assert entry.consented_at == entry.submitted_at
    assert entry.email_verified_at is None


def test_replayed_submit_returns_same_receipt_and_one_entry(client, campaign, altcha_payload):
    data = entry_data(altcha=altcha_payload())
    first = post(client, campaign, data).json()
    second = post(client, campaign, data).json()
    plain = post(client, campaign, data, js=False)
    assert first["receipt"] == second["receipt"]
    assert plain.status_code == 302 and plain["Location"] == first["receipt_url"]
    assert Entry.objects.count() == 1


def test_no_js_submit_redirects_to_receipt(client, campaign, altcha_payload):
    response = post(client, campaign, entry_data(altcha=altcha_payload()), js=False)
    entry = Entry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/receipt/{entry.receipt}/"
    page = client.get(response["Location"])
    assert entry.receipt in page.content.decode()
    assert "JST" in page.content.decode()


def test_submit_after_deadline_says_when_it_closed_and_keeps_text(client, campaign, altcha_payload):
    period = campaign.periods.get()
    period.closes_at = timezone.now() + dt.timedelta(minutes=1)
    period.save()
    data = entry_data(altcha=altcha_payload(), episode="A story written just before the bell.")
    with time_machine.travel(period.closes_at + dt.timedelta(seconds=2)):
        response = post(client, campaign, data, js=False)
    assert response.status_code == 409
    html = response.content.decode()
    assert "closed at" in html and "JST" in html
    assert "A story written just before the bell." in html  # the text is still in the form
    assert Entry.objects.count() == 0


def test_closed_message_json_names_deadline_in_jst(client, campaign, altcha_payload):
    period = campaign.periods.get()
    with time_machine.travel(period.closes_at):  # [opens, closes): closes itself is outside
        body = post(client, campaign, entry_data(altcha=altcha_payload())).json()
    assert body["ok"] is False
    assert "JST" in body["message"]
    assert (
        f"{period.closes_at.astimezone(dt.timezone(dt.timedelta(hours=9))):%H:%M}"
        in body["message"]
    )


def test_closed_message_in_japanese(client, campaign, altcha_payload):
    period = campaign.periods.get()
    with time_machine.travel(period.closes_at + dt.timedelta(hours=1)):
        body = post(
            client, campaign, entry_data(altcha=altcha_payload(), language="ja"), lang="ja"
        ).json()
    assert "締め切" in body["message"]
    assert "JST" in body["message"] or "日本時間" in body["message"]


def test_missing_consent_is_refused_with_message_and_fields_kept(client, campaign, altcha_payload):
    data = entry_data(altcha=altcha_payload(), accept_terms=None, title="Keep me")
    response = post(client, campaign, data, js=False)
    assert response.status_code == 400
    html = response.content.decode()
    assert "tick the box to accept" in html
    assert 'value="Keep me"' in html
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("email", "not-an-address", "does not look like an e-mail address"),
        ("episode", "x" * 4001, "4001 characters long; the limit is 4000"),
        ("title", "evil\u202etxt.exe", "right-to-left override"),
        ("appeal", "bell\x07 character", "invisible control characters"),
        ("resonated_km", "43", "from 0 (the start) to 42.195 (the finish)"),
    ],
)
def test_bad_answers_get_specific_messages(
    client, campaign, altcha_payload, field, value, expected
):
    data = entry_data(altcha=altcha_payload(), **{field: value})
    body = post(client, campaign, data).json()
    assert body["ok"] is False
    assert any(expected in m for m in body["errors"][field]), body["errors"]
    assert Entry.objects.count() == 0


def test_messages_are_translated_to_japanese(client, campaign, altcha_payload):
    body = post(
        client, campaign, entry_data(altcha=altcha_payload(), email="nope"), lang="ja"
    ).json()
    assert "メールアドレス" in body["errors"]["email"][0]


def test_minor_needs_guardian_name_and_consent(client, campaign, altcha_payload):
    body = post(client, campaign, entry_data(altcha=altcha_payload(), age_group="minor")).json()
    assert set(body["errors"]) >= {"guardian_name", "guardian_consent"}
    ok = post(
        client,
        campaign,
        entry_data(
            altcha=altcha_payload(),
            age_group="minor",
            guardian_name="Sam Parent",
            guardian_consent="on",
        ),
    ).json()
    assert ok["ok"] is True
    entry = Entry.objects.get()
    assert entry.is_minor and entry.guardian_consent
    assert entry.details.guardian_name == "Sam Parent"


def test_honeypot_refuses_with_instructions(client, campaign, altcha_payload):
    body = post(client, campaign, entry_data(altcha=altcha_payload(), website="http://spam")).json()
    assert body["field"] == "website"
    assert "Leave this field empty" in body["message"]
    assert Entry.objects.count() == 0


def test_missing_altcha_asks_to_wait_for_the_tick(client, campaign):
    body = post(client, campaign, entry_data()).json()
    assert body["field"] == "altcha"
    assert "robot check" in body["message"]
    assert Entry.objects.count() == 0


def test_forged_altcha_is_refused(client, campaign, altcha_payload):
    payload = altcha_payload()
    body = post(client, campaign, entry_data(altcha=payload[:-8] + "AAAAAAA=")).json()
    assert body["field"] == "altcha"
    assert Entry.objects.count() == 0


def test_altcha_solution_cannot_serve_two_entries(client, campaign, altcha_payload):
    payload = altcha_payload()
    assert post(client, campaign, entry_data(altcha=payload)).json()["ok"] is True
    second = post(client, campaign, entry_data(altcha=payload, email="other@example.com")).json()
    assert second["field"] == "altcha"
    assert "already used" in second["message"]
    assert Entry.objects.count() == 1


def test_altcha_solution_can_be_resent_with_the_same_draft(client, campaign, altcha_payload):
    payload = altcha_payload()
    data = entry_data(altcha=payload, email="broken")
    assert post(client, campaign, data).json()["ok"] is False
    data["email"] = "fixed@example.com"
    assert post(client, campaign, data).json()["ok"] is True


def test_rate_limit_per_email_keeps_text(client, campaign, altcha_payload, settings):
    settings.TASUKI_RATE_SUBMIT_EMAIL = "2/h"
    for n in range(2):
        data = entry_data(altcha=altcha_payload(), title=f"Story {n}")
        assert post(client, campaign, data).json()["ok"]
    response = post(client, campaign, entry_data(altcha=altcha_payload(), title="Third"), js=False)
    assert response.status_code == 429
    assert 'value="Third"' in response.content.decode()
    assert Entry.objects.count() == 2


def test_rate_limit_per_ip(client, campaign, altcha_payload, settings):
    settings.TASUKI_RATE_SUBMIT_IP = "1/h"
    assert post(client, campaign, entry_data(altcha=altcha_payload())).json()["ok"]
    body = post(client, campaign, entry_data(altcha=altcha_payload(), title="Second")).json()
    assert body["ok"] is False and "pausing" in body["message"]


REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def test_rate_limits_live_in_redis(client, campaign, altcha_payload, settings):
    """Production keeps its cache in Redis (the machine's real server, database 14)."""
    server = require_redis("redis://127.0.0.1:6379/14")
    server.flushdb()
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": "redis://127.0.0.1:6379/14"}}
    settings.TASUKI_RATE_SUBMIT_IP = "1/h"
    solution = altcha_payload()
    assert post(client, campaign, entry_data(altcha=solution)).json()["ok"]
    again = post(client, campaign, entry_data(altcha=altcha_payload(), title="Again")).json()
    assert again["ok"] is False and "pausing" in again["message"]
    keys = server.keys()
    assert any(b":rl:" in k for k in keys)


def test_cache_outage_never_refuses_an_entrant(client, campaign, altcha_payload, settings, caplog):
    """Nothing listens on port 1: every cache call fails, and the entry still goes in."""
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": "redis://127.0.0.1:1/0"}}
    settings.TASUKI_RATE_SUBMIT_IP = "1/h"
    for n in range(2):  # over the limit, were the limit counted
        body = post(client, campaign, entry_data(altcha=altcha_payload(), title=f"T{n}")).json()
        assert body["ok"] is True, body
    assert Entry.objects.count() == 2
    assert "not applied: the cache failed" in caplog.text
    assert "alex@example.com" not in caplog.text


def test_database_hiccup_says_try_again_and_keeps_text(
    client, campaign, altcha_payload, monkeypatch
):
    from django.db import OperationalError

    from tasuki.entries import services

    def broken(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services.submit, "create_entry", broken)
    response = post(
        client, campaign, entry_data(altcha=altcha_payload(), title="Still here"), js=False
    )
    assert response.status_code == 503
    html = response.content.decode()
    assert "press Send again" in html and 'value="Still here"' in html


def test_submit_enqueues_confirmation_mail_for_worker(client, campaign, altcha_payload, worker):
    post(client, campaign, entry_data(altcha=altcha_payload()))
    assert OutboxMessage.objects.count() == 0  # nothing but the entry on the request path
    worker()
    message = OutboxMessage.objects.get()
    assert message.kind == "entry_confirmation"
    assert message.status == "sent"
    entry = Entry.objects.get()
    assert entry.receipt in message.subject
    from django.core import mail

    delivered = mail.outbox[-1].body
    assert "/en/verify/" in delivered and "/en/manage/" in delivered
    # The stored copy names the links' places, never a working link.
    assert "/verify/" not in message.body and "/manage/" not in message.body


def test_receipt_numbers_are_random_and_well_formed():
    from tasuki.entries.models import RECEIPT_ALPHABET, new_receipt

    receipts = {new_receipt() for _ in range(500)}
    assert len(receipts) == 500
    for r in receipts:
        assert len(r) == 14 and r[4] == r[9] == "-"
        assert set(r.replace("-", "")) <= set(RECEIPT_ALPHABET)


def test_invalid_submission_key_is_refused_kindly(client, campaign, altcha_payload):
    body = post(client, campaign, entry_data(altcha=altcha_payload(), submission_key="x")).json()
    assert body["ok"] is False
    assert Entry.objects.count() == 0
    assert uuid  # the key must be a UUID the browser generated


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "security cookie"), ("ja", "Cookieを許可")],
)
def test_missing_csrf_cookie_is_explained_not_retried(campaign, altcha_payload, lang, expected):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    data = entry_data(altcha=altcha_payload(), title="Kept on the device")
    body = post(strict, campaign, data, lang=lang)
    assert body.status_code == 403
    assert body.json()["code"] == "csrf" and expected in body.json()["message"]
    page = post(strict, campaign, data, js=False, lang=lang)
    assert page.status_code == 403 and expected in page.content.decode()
    assert f'lang="{lang}"' in page.content.decode()
    assert Entry.objects.count() == 0
