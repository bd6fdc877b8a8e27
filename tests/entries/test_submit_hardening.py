"""The entry path, hardened: one proof of work buys one entry, photo intake costs
something, limits count the right things, and no story is lost at the deadline,
in a second tab, after Back, or to a column shorter than the form's limit."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import logging
import uuid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError, OperationalError
from django.forms import CharField, UUIDField
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from tasuki.entries import services
from tasuki.entries.forms import EntryForm
from tasuki.entries.models import EntrantDetails, Entry, Photo, ProofOfWork
from tests.conftest import solve_altcha
from tests.factories import entry_data

pytestmark = pytest.mark.django_db


def post(client, campaign, data, *, js=True, **extra):
    with translation.override("en"):
        url = reverse("entries:enter", args=[campaign.slug])
    headers = {"X-Tasuki-Fetch": "1"} if js else {}
    return client.post(url, data, headers=headers, **extra)


def jpeg(width=64, height=48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def upload(client, campaign, key, *, altcha=True, data=None, **extra):
    with translation.override("en"):
        url = reverse("entries:upload_photo", args=[campaign.slug])
    fields = {"photo": SimpleUploadedFile("p.jpg", data or jpeg()), "submission_key": str(key)}
    if altcha:
        fields["altcha"] = altcha if isinstance(altcha, str) else solve_altcha()
    return client.post(url, fields, headers={"X-Tasuki-Fetch": "1"}, **extra)


def task_count() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.count()


# --- 1. one solved challenge, one entry, however it is encoded ------------------------


def reencodings(payload: str) -> list[str]:
    """The same solution written three other ways: key order, whitespace, padding."""
    decoded = json.loads(base64.b64decode(payload))
    reordered = json.dumps(dict(reversed(list(decoded.items()))))
    spaced = json.dumps(decoded, indent=2)
    unpadded = base64.b64encode(json.dumps(decoded).encode()).decode().rstrip("=")
    return [
        base64.b64encode(reordered.encode()).decode(),
        base64.b64encode(spaced.encode()).decode(),
        unpadded if unpadded != payload else payload + "==",
    ]


def test_one_solution_reencoded_three_ways_buys_one_entry(client, campaign):
    payload = solve_altcha()
    first = post(client, campaign, entry_data(altcha=payload)).json()
    assert first["ok"] is True
    for n, variant in enumerate(reencodings(payload)):
        data = entry_data(altcha=variant, title=f"Another story {n}", email=f"o{n}@example.com")
        body = post(client, campaign, data).json()
        assert body["ok"] is False, f"re-encoding {n} bought a second entry"
        assert body["field"] == "altcha"
    assert Entry.objects.count() == 1
    assert ProofOfWork.objects.count() == 1


def test_library_replay_protection_is_not_silenced(settings):
    from django.core.management import call_command

    settings.ALTCHA_CHALLENGE = {**settings.ALTCHA_CHALLENGE, "cost": 5000}  # as deployed
    assert settings.ALTCHA_REPLAY_PROTECTION is True
    assert "altcha.W003" not in settings.SILENCED_SYSTEM_CHECKS
    call_command("check", "--fail-level", "WARNING")  # no warning left to silence


# --- 2. photo intake costs a proof of work and has budgets ------------------------------


def test_upload_without_proof_stores_nothing(client, campaign, settings):
    key = uuid.uuid4()
    response = upload(client, campaign, key, altcha=False)
    assert response.status_code == 403 and response.json()["code"] == "robot"
    assert Photo.objects.count() == 0 and task_count() == 0


def test_upload_with_a_proof_spent_on_another_draft_is_refused(client, campaign):
    payload = solve_altcha()
    assert upload(client, campaign, uuid.uuid4(), altcha=payload).status_code == 200
    second = upload(client, campaign, uuid.uuid4(), altcha=payload)
    assert second.status_code == 403 and second.json()["code"] == "robot"
    assert Photo.objects.count() == 1


def test_one_proof_covers_a_drafts_photos_and_its_entry(client, campaign):
    payload = solve_altcha()
    key = uuid.uuid4()
    tokens = [upload(client, campaign, key, altcha=payload).json()["token"] for _ in range(3)]
    data = entry_data(altcha=payload, submission_key=str(key), photo_tokens=tokens)
    assert post(client, campaign, data).json()["ok"] is True
    assert Entry.objects.get().photos.count() == 3


def test_no_js_post_without_proof_stores_no_photo(client, campaign):
    data = entry_data(altcha=None)
    data["photos"] = [SimpleUploadedFile(f"{n}.jpg", jpeg()) for n in range(3)]
    response = post(client, campaign, data, js=False)
    assert response.status_code == 400
    assert Photo.objects.count() == 0 and task_count() == 0


def test_draft_budget_is_checked_before_decoding(client, campaign, monkeypatch):
    from tasuki.entries import photos as photo_lib

    key = uuid.uuid4()
    payload = solve_altcha()
    for _ in range(services.MAX_PHOTOS * 2):
        assert upload(client, campaign, key, altcha=payload).status_code == 200

    def must_not_decode(*args, **kwargs):
        raise AssertionError("decoded a photo the draft had no room for")

    monkeypatch.setattr(photo_lib, "inspect", must_not_decode)
    response = upload(client, campaign, key, altcha=payload)
    assert response.status_code == 400 and response.json()["code"] == "too_many"


def test_draft_byte_budget(client, campaign, settings):
    data = jpeg(400, 300)
    settings.TASUKI_DRAFT_MAX_BYTES = len(data) * 2
    key, payload = uuid.uuid4(), solve_altcha()
    assert upload(client, campaign, key, altcha=payload, data=data).status_code == 200
    assert upload(client, campaign, key, altcha=payload, data=data).status_code == 200
    third = upload(client, campaign, key, altcha=payload, data=data)
    assert third.status_code == 400 and "size one entry can hold" in third.json()["message"]


def test_client_bytes_per_hour_are_bounded(client, campaign, settings):
    data = jpeg(400, 300)
    settings.TASUKI_UPLOAD_BYTES_PER_HOUR = len(data) * 3
    for _ in range(2):  # each draft has its own proof; the client's budget is shared
        assert upload(client, campaign, uuid.uuid4(), data=data).status_code == 200
    refused = upload(client, campaign, uuid.uuid4(), data=data)
    assert refused.status_code == 429 and refused.json()["code"] == "rate"
    assert Photo.objects.count() == 2


# --- 3. clients behind proxies and on IPv6 -----------------------------------------------


def test_an_ipv6_64_is_one_client(client, campaign, settings):
    settings.TASUKI_RATE_SUBMIT_IP = "2/h"
    for n in range(3):
        address = f"2001:db8:1:2::{n + 1:x}"  # a fresh address in the same /64 each time
        body = post(
            client,
            campaign,
            entry_data(altcha=solve_altcha(), title=f"Story {n}", email=f"r{n}@example.com"),
            REMOTE_ADDR=address,
        ).json()
        assert body["ok"] is (n < 2), body
    other = post(
        client,
        campaign,
        entry_data(altcha=solve_altcha(), title="Elsewhere", email="x@example.com"),
        REMOTE_ADDR="2001:db8:1:3::1",
    ).json()
    assert other["ok"] is True


def test_ignored_forwarded_header_is_warned_about_once(client, campaign, settings, caplog):
    from tasuki.core import net

    net._warned_about_forwarded = False
    settings.TASUKI_TRUSTED_PROXY_COUNT = 0
    with caplog.at_level(logging.WARNING, logger="tasuki.core.net"):
        for n in range(2):
            data = entry_data(altcha=solve_altcha(), title=f"Proxy {n}")
            post(client, campaign, data, HTTP_X_FORWARDED_FOR="198.51.100.7")
    warnings = [r for r in caplog.records if "TASUKI_TRUSTED_PROXY_COUNT" in r.getMessage()]
    assert len(warnings) == 1
    assert "198.51.100.7" not in caplog.text


def test_trusted_proxy_count_gives_each_entrant_their_own_limit(client, campaign, settings):
    settings.TASUKI_TRUSTED_PROXY_COUNT = 1
    settings.TASUKI_RATE_SUBMIT_IP = "1/h"
    for n in range(3):
        data = entry_data(altcha=solve_altcha(), title=f"Story {n}", email=f"p{n}@example.com")
        body = post(client, campaign, data, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}").json()
        assert body["ok"] is True, body


# --- accepted entries and refusals are counted apart -------------------------------------


def test_refused_attempts_do_not_use_up_the_entry_limit(client, campaign, settings):
    settings.TASUKI_RATE_SUBMIT_IP = "3/h"
    for _ in range(10):  # an entrant fixing fields, again and again
        assert (
            post(client, campaign, entry_data(altcha=solve_altcha(), email="bad")).status_code
            == 400
        )
    assert post(client, campaign, entry_data(altcha=solve_altcha())).json()["ok"] is True


def test_refusals_have_their_own_limit(client, campaign, settings):
    settings.TASUKI_RATE_SUBMIT_FAILURES_IP = "3/h"
    for _ in range(3):
        assert (
            post(client, campaign, entry_data(altcha=solve_altcha(), email="bad")).status_code
            == 400
        )
    response = post(client, campaign, entry_data(altcha=solve_altcha()))
    assert response.status_code == 429


# --- 4. the form's limits are the columns' limits -----------------------------------------


def test_every_form_limit_fits_its_column():
    form = EntryForm()
    columns = {f.name: f for m in (Entry, EntrantDetails) for f in m._meta.get_fields()}
    checked = 0
    for name, field in form.fields.items():
        column = columns.get(name)
        if isinstance(field, UUIDField) or not isinstance(field, CharField):
            continue
        if not getattr(column, "max_length", None):
            continue
        # A handle's limit counts its "@", which the form adds when it is missing.
        limit = getattr(field, "limit", None) or field.max_length
        assert limit is not None, f"{name} has no limit in the form"
        assert limit <= column.max_length, name
        checked += 1
    assert checked >= 8


def test_boundary_values_are_stored(client, campaign):
    """Run on SQLite and, in CI, on PostgreSQL, which refuses anything too long."""
    handle = "h" * 30
    local = "a" * 64
    domain = ".".join(["d" * 60] * 3) + ".example.jp"
    email = f"{local}@{domain}"[:254]
    email = email.rstrip(".")
    assert len(email) <= 254
    data = entry_data(altcha=solve_altcha(), instagram_handle=handle, x_handle="@" + handle)
    data["email"] = email
    body = post(client, campaign, data).json()
    assert body["ok"] is True, body
    details = Entry.objects.get().details
    assert details.instagram_handle == "@" + handle and details.x_handle == "@" + handle
    assert details.email == email


@pytest.mark.parametrize(
    ("field", "value"),
    [("instagram_handle", "h" * 31), ("email", "a" * 64 + "@" + "d" * 190 + ".example.jp")],
)
def test_values_over_the_column_are_refused_by_the_form(client, campaign, field, value):
    body = post(client, campaign, entry_data(altcha=solve_altcha(), **{field: value})).json()
    assert body["ok"] is False and field in body["errors"], body
    assert Entry.objects.count() == 0


def test_database_refusal_stops_the_retry_loop(client, campaign, monkeypatch):
    def refused(**kwargs):
        raise DataError("value too long for type character varying(30)")

    monkeypatch.setattr(services.submit, "create_entry", refused)
    response = post(client, campaign, entry_data(altcha=solve_altcha()))
    body = response.json()
    assert response.status_code == 500
    assert body["retry"] is False and body["code"] == "unsaveable"
    assert campaign.contact_email in body["message"]


def test_temporary_failure_asks_for_a_retry(client, campaign, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services.submit, "create_entry", locked)
    body = post(client, campaign, entry_data(altcha=solve_altcha())).json()
    assert body["retry"] is True and body["arrival"]


# --- 5. the deadline is judged at arrival ---------------------------------------------------


def test_retry_after_deadline_with_arrival_proof_is_accepted(client, campaign, monkeypatch):
    period = campaign.periods.get()
    deadline = timezone.now() + dt.timedelta(minutes=5)
    period.closes_at = deadline
    period.save()
    data = entry_data(altcha=solve_altcha())
    real_create = services.submit.create_entry

    def locked(**kwargs):
        raise OperationalError("could not obtain lock")

    with time_machine.travel(deadline - dt.timedelta(seconds=2), tick=False):
        monkeypatch.setattr(services.submit, "create_entry", locked)
        first = post(client, campaign, data).json()
    assert first["retry"] is True
    monkeypatch.setattr(services.submit, "create_entry", real_create)
    with time_machine.travel(deadline + dt.timedelta(seconds=5), tick=False):
        without = post(client, campaign, data).json()
        assert without["code"] == "closed"  # no proof: judged now, too late
        body = post(client, campaign, {**data, "arrival": first["arrival"]}).json()
    assert body["ok"] is True, body
    entry = Entry.objects.get()
    assert entry.arrived_at == deadline - dt.timedelta(seconds=2)
    assert entry.submitted_at > entry.period.closes_at
    page = client.get(body["receipt_url"]).content.decode()
    assert "arrived" in page.lower() and "JST" in page


def test_arrival_proof_cannot_be_forged_moved_or_kept(client, campaign):
    period = campaign.periods.get()
    deadline = period.closes_at
    key = uuid.uuid4()
    early = deadline - dt.timedelta(seconds=1)
    token = services.arrival_token(submission_key=key, arrived_at=early)
    now = deadline + dt.timedelta(minutes=1)
    assert services.arrival_from_token(token, submission_key=key, now=now) == early
    assert services.arrival_from_token(token, submission_key=uuid.uuid4(), now=now) is None
    assert services.arrival_from_token(token[:-2] + "xx", submission_key=key, now=now) is None
    with time_machine.travel(deadline + dt.timedelta(hours=1)):
        late = timezone.now()
        assert services.arrival_from_token(token, submission_key=key, now=late) is None


# --- 6. closed refusals keep the draft's photos ------------------------------------------------


def test_refused_at_deadline_keeps_photos_until_the_next_period(client, campaign):
    from tests.factories import PeriodFactory

    period = campaign.periods.get()
    nxt = PeriodFactory(
        campaign=campaign,
        number=2,
        opens_at=period.closes_at + dt.timedelta(days=60),
        closes_at=period.closes_at + dt.timedelta(days=90),
    )
    key, payload = uuid.uuid4(), solve_altcha()
    token = upload(client, campaign, key, altcha=payload).json()["token"]
    data = entry_data(submission_key=str(key), photo_tokens=[token])
    with time_machine.travel(period.closes_at + dt.timedelta(minutes=1)):
        body = post(client, campaign, {**data, "altcha": solve_altcha()}).json()
    assert body["code"] == "closed"
    photo = Photo.objects.get(token=token)
    assert photo.keep_until is not None and photo.keep_until > nxt.opens_at


# --- 7. two tabs, one key ------------------------------------------------------------------------


def test_second_tab_with_another_story_gets_a_key_of_its_own(client, campaign):
    key, payload = uuid.uuid4(), solve_altcha()
    first_photo = upload(client, campaign, key, altcha=payload).json()["token"]
    second_photo = upload(client, campaign, key, altcha=payload).json()["token"]
    tab_a = entry_data(altcha=payload, submission_key=str(key), photo_tokens=[first_photo])
    tab_b = entry_data(
        altcha=payload,
        submission_key=str(key),
        photo_tokens=[second_photo],
        title="A different story",
        episode="Written in the other tab.",
    )
    a = post(client, campaign, tab_a).json()
    b = post(client, campaign, tab_b)
    assert b.status_code == 409
    body = b.json()
    assert body["code"] == "draft_already_sent" and body["receipt"] == a["receipt"]
    assert a["receipt"] in body["message"]
    assert Entry.objects.count() == 1
    new_key = body["new_key"]
    assert body["moved"] == [second_photo]
    assert Photo.objects.get(token=second_photo).submission_key == uuid.UUID(new_key)
    assert Photo.objects.get(token=first_photo).entry.receipt == a["receipt"]
    again = post(client, campaign, {**tab_b, "submission_key": new_key}).json()
    assert again["ok"] is True and again["receipt"] != a["receipt"]
    second = Entry.objects.get(receipt=again["receipt"])
    assert second.title == "A different story"
    assert list(second.photos.values_list("token", flat=True)) == [second_photo]


def test_true_retry_of_the_same_draft_still_gets_the_same_receipt(client, campaign):
    data = entry_data(altcha=solve_altcha())
    first = post(client, campaign, data).json()
    assert post(client, campaign, data).json()["receipt"] == first["receipt"]


# --- 9. Back, then Send again --------------------------------------------------------------------


def test_same_story_under_a_new_key_leads_to_its_receipt(client, campaign):
    data = entry_data(altcha=solve_altcha())
    first = post(client, campaign, data).json()
    again = {**data, "submission_key": str(uuid.uuid4()), "altcha": solve_altcha()}
    body = post(client, campaign, again).json()
    assert body["ok"] is True and body["duplicate"] is True
    assert body["receipt"] == first["receipt"]
    assert Entry.objects.count() == 1


# --- photo states for a restored draft -----------------------------------------------------------


def test_photo_status_tells_waiting_attached_and_gone(client, campaign):
    key, payload = uuid.uuid4(), solve_altcha()
    kept = upload(client, campaign, key, altcha=payload).json()["token"]
    sent = upload(client, campaign, key, altcha=payload).json()["token"]
    post(client, campaign, entry_data(altcha=payload, submission_key=str(key), photo_tokens=[sent]))
    with translation.override("en"):
        url = reverse("entries:photo_status", args=[campaign.slug])
    body = client.post(
        url, {"submission_key": str(key), "tokens": [kept, sent, "no-such-token"]}
    ).json()
    assert body["photos"] == {kept: "waiting", sent: "attached", "no-such-token": "gone"}
    # A sent photo is "attached" whatever key asks (the draft may have a new key by now);
    # one waiting for another draft is "gone" for this one.
    other = client.post(url, {"submission_key": str(uuid.uuid4()), "tokens": [kept, sent]})
    assert other.json()["photos"] == {kept: "gone", sent: "attached"}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("title", "", "この項目は入力が必要です"),
        ("resonated_km", "43", "0（スタート）から42.195（フィニッシュ）"),
        ("role", "astronaut", "一覧の中から1つ選んでください"),
    ],
)
def test_japanese_messages_are_the_forms_own(client, campaign, field, value, expected):
    """Django's generic "このフィールドは必須です。" and "この値は…以下" never reach an entrant."""
    with translation.override("ja"):
        url = reverse("entries:enter", args=[campaign.slug])
    data = entry_data(altcha=solve_altcha(), **{field: value})
    body = client.post(url, data, headers={"X-Tasuki-Fetch": "1"}).json()
    message = " ".join(body["errors"][field])
    assert expected in message, message
    assert "このフィールド" not in message and "この値は" not in message


def test_housekeeping_forgets_expired_proofs_only(client, campaign):
    from django.core.management import call_command

    live = solve_altcha()
    assert upload(client, campaign, uuid.uuid4(), altcha=live).status_code == 200
    ProofOfWork.objects.create(
        replay_id="expired-nonce",
        submission_key=uuid.uuid4(),
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    call_command("tasuki_housekeeping", stdout=io.StringIO())
    assert list(ProofOfWork.objects.values_list("replay_id", flat=True)) != ["expired-nonce"]
    assert ProofOfWork.objects.count() == 1
    assert not ProofOfWork.objects.filter(replay_id="expired-nonce").exists()
