"""From findings to flags (issue 9, item 1): the worker checks an entry when it
arrives and its photos when they are ready; flags are rows that a second run
does not repeat, that a run no longer finding them supersedes (never deletes),
that a reviewer dismisses only with a reason, in the audit trail; a campaign
is checked again with progress; a check that breaks leaves a note, not a crash.

The checks here are small fakes listed through ``TASUKI_CHECKS`` (the real
detectors have their own tests), which is also the test that the setting is
what decides which checks run."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tasks_db.models import DBTaskResult

from tasuki.audit.models import AuditEvent
from tasuki.entries.models import Entry, Photo, PhotoStatus, new_receipt
from tasuki.entries.signals import photo_ready
from tasuki.review import checks, flagging
from tasuki.review.check_models import CheckRun, CheckRunStatus, Flag
from tasuki.review.checks.base import Check, Finding, Severity, Span
from tasuki.review.services import ReviewRefused
from tests.conftest import run_worker
from tests.staff.conftest import make_staff

pytestmark = pytest.mark.django_db

#: What the fake word check looks for; tests change it to see flags superseded.
WORD = {"value": "coupon"}


class WordCheck(Check):
    """Flags every occurrence of ``WORD`` in any field, with its span."""

    codes = ("advert",)

    def check(self, document, session):
        word = WORD["value"]
        for name, text in document.fields.items():
            start = text.lower().find(word)
            if start >= 0:
                yield Finding(
                    code="advert",
                    severity=Severity.HIGH,
                    reason=gettext_noop("This entry mentions “%(word)s”."),
                    params={"word": word},
                    spans=(Span(name, start, start + len(word)),),
                )


class BrokenCheck(Check):
    codes = ("broken",)

    def check(self, document, session):
        raise RuntimeError("a bug in a detector")


class PhotoSizeCheck(Check):
    codes = ("photo_small",)
    reads_photos = True

    def check(self, document, session):
        for photo in document.photos:
            if photo.width < 1000:
                yield Finding(
                    code="photo_small",
                    severity=Severity.LOW,
                    reason=gettext_noop("This photo is small."),
                    photo=photo.pk,
                    score=photo.width / 1000,
                )


FAKES = [
    {"NAME": f"{__name__}.WordCheck"},
    {"NAME": f"{__name__}.BrokenCheck"},
    {"NAME": f"{__name__}.PhotoSizeCheck"},
]


@pytest.fixture(autouse=True)
def fake_checks():
    WORD["value"] = "coupon"
    with override_settings(TASUKI_CHECKS=FAKES):
        yield


def make_entry(campaign, **fields) -> Entry:
    now = timezone.now()
    values = {
        "language": "en",
        "title": "Thank you, km 30",
        "pen_name": "Blue Cap",
        "role": "runner",
        "country": "GB",
        "appeal": "The whole city cheers.",
        "episode": "A stranger walked with me.",
        "wishes": "More benches.",
        "tagline": "a thank-you letter",
        "age_group": "adult",
        **fields,
    }
    return Entry.objects.create(
        campaign=campaign,
        period=campaign.periods.first(),
        terms_version=campaign.terms_versions.first(),
        receipt=new_receipt(),
        submission_key=uuid.uuid4(),
        consented_at=now,
        submitted_at=now,
        arrived_at=now,
        **values,
    )


def make_photo(entry, width=800) -> Photo:
    return Photo.objects.create(
        token=Photo.new_token(),
        submission_key=entry.submission_key,
        entry=entry,
        original="",
        format="jpeg",
        width=width,
        height=600,
        size_bytes=1000,
        sha256="0" * 64,
        status=PhotoStatus.READY,
    )


def test_the_setting_decides_which_checks_run():
    assert [type(c).__name__ for c in checks.active_checks()] == [
        "WordCheck",
        "BrokenCheck",
        "PhotoSizeCheck",
    ]
    with override_settings(TASUKI_CHECKS=FAKES[:1]):
        assert [type(c).__name__ for c in checks.active_checks()] == ["WordCheck"]


def test_an_arriving_entry_is_checked_by_the_worker(campaign):
    entry = make_entry(campaign, episode="Use my coupon RUN10 at the shop.")
    queued = DBTaskResult.objects.filter(task_path="tasuki.review.tasks.check_entry_task")
    assert queued.count() == 1
    assert queued.get().args_kwargs["args"] == [entry.pk]  # only the id, never the text

    run_worker()

    flag = Flag.objects.get(entry=entry, code="advert")
    assert flag.severity == "high"
    assert flag.evidence["spans"] == [["episode", 7, 13]]
    assert entry.episode[7:13] == "coupon"
    assert flag.campaign_id == campaign.pk
    assert flag.is_open


def test_a_broken_check_leaves_a_note_and_the_others_still_run(campaign):
    entry = make_entry(campaign, title="coupon")
    flagging.check_entry(entry.pk)
    codes = set(entry.flags.values_list("code", flat=True))
    assert codes == {"advert", checks.NOT_CHECKED}
    note = entry.flags.get(code=checks.NOT_CHECKED)
    assert "BrokenCheck" in note.params["check"]
    assert Entry.objects.filter(pk=entry.pk).exists()  # nothing lost


def test_a_second_run_keeps_the_same_flag_and_its_dismissal(campaign):
    reviewer = make_staff("rin", "reviewer")
    entry = make_entry(campaign, title="coupon day")
    flagging.check_entry(entry.pk)
    flag = entry.flags.get(code="advert")
    flagging.dismiss(flag, by=reviewer, reason="The coupon is the race's own raffle.")

    assert flagging.check_entry(entry.pk) == 0  # nothing new
    assert entry.flags.filter(code="advert").count() == 1
    flag.refresh_from_db()
    assert flag.dismissed_reason == "The coupon is the race's own raffle."


def test_a_flag_no_longer_found_is_superseded_not_deleted_and_reopens(campaign):
    entry = make_entry(campaign, title="coupon day")
    flagging.check_entry(entry.pk)
    flag = entry.flags.get(code="advert")

    WORD["value"] = "voucher"  # the detector changed: the old finding is gone
    flagging.check_entry(entry.pk)
    flag.refresh_from_db()
    assert flag.superseded_at is not None
    assert not flag.is_open
    assert list(flagging.open_flags(entry).filter(code="advert")) == []

    WORD["value"] = "coupon"
    flagging.check_entry(entry.pk)
    flag.refresh_from_db()
    assert flag.superseded_at is None
    assert entry.flags.filter(code="advert").count() == 1


def test_dismissal_needs_a_reason_and_is_audited_once(campaign):
    reviewer = make_staff("rin", "reviewer")
    entry = make_entry(campaign, title="coupon")
    flagging.check_entry(entry.pk)
    flag = entry.flags.get(code="advert")

    with pytest.raises(ReviewRefused) as refused:
        flagging.dismiss(flag, by=reviewer, reason="   ")
    assert refused.value.code == "reason"
    flag.refresh_from_db()
    assert flag.dismissed_at is None

    flagging.dismiss(flag, by=reviewer, reason="A runner's joke, not an offer.")
    event = AuditEvent.objects.get(action="flag.dismiss")
    assert event.target_id == str(flag.pk)
    assert event.after["reason"] == "A runner's joke, not an offer."
    assert event.actor_id == reviewer.pk

    with pytest.raises(ReviewRefused) as twice:
        flagging.dismiss(flag, by=reviewer, reason="again")
    assert twice.value.code == "dismissed"
    assert AuditEvent.objects.filter(action="flag.dismiss").count() == 1


def test_the_database_refuses_a_dismissal_without_reason(campaign):
    reviewer = make_staff("rin", "reviewer")
    entry = make_entry(campaign, title="coupon")
    flagging.check_entry(entry.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.flags.update(dismissed_at=timezone.now(), dismissed_by=reviewer)


def test_flags_are_never_deleted_by_the_service_layer(campaign):
    entry = make_entry(campaign, title="coupon")
    flagging.check_entry(entry.pk)
    WORD["value"] = "nothing-matches-this"
    flagging.check_entry(entry.pk)
    assert entry.flags.filter(code="advert").count() == 1


def test_a_photo_ready_after_arrival_is_checked_on_its_own(campaign):
    entry = make_entry(campaign)
    flagging.check_entry(entry.pk)
    assert not entry.flags.filter(code="photo_small").exists()

    photo = make_photo(entry, width=640)
    DBTaskResult.objects.all().delete()
    photo_ready.send(sender=Photo, photo=photo)
    assert DBTaskResult.objects.get().task_path == "tasuki.review.tasks.check_photo_task"
    run_worker()

    flag = entry.flags.get(code="photo_small")
    assert flag.photo_id == photo.pk
    assert flag.evidence == {"photo": photo.pk, "score": 0.64}
    # Checking the entry again finds the same photo flag, not a second one.
    flagging.check_entry(entry.pk)
    assert entry.flags.filter(code="photo_small").count() == 1


def test_a_photo_of_a_draft_waits_for_its_entry():
    assert flagging.check_photo(10**9) is None


def test_an_erased_entry_is_skipped(campaign):
    entry = make_entry(campaign, title="coupon")
    pk = entry.pk
    entry.delete()
    assert flagging.check_entry(pk) is None
    assert not Flag.objects.filter(entry_id=pk).exists()


@override_settings(TASUKI_CHECKS=FAKES[:1])
def test_checking_a_campaign_again_counts_progress(campaign):
    manager = make_staff("mana", "campaign_manager")
    flagged = [make_entry(campaign, title=f"coupon {n}") for n in range(3)]
    clean = [make_entry(campaign) for _ in range(4)]
    other = make_entry(campaign, episode="Nothing to find here.")
    Flag.objects.all().delete()
    DBTaskResult.objects.all().delete()

    run = flagging.start_run(campaign, by=manager)
    assert run.status == CheckRunStatus.QUEUED
    assert run.total == len(flagged) + len(clean) + 1
    # A second click while it is queued shows the same run.
    assert flagging.start_run(campaign, by=manager).pk == run.pk
    assert AuditEvent.objects.filter(action="flag.rerun").count() == 1

    run_worker()
    run.refresh_from_db()
    assert run.status == CheckRunStatus.DONE
    assert run.done == run.total == 8
    assert run.percent == 100
    assert run.flagged == 3
    assert set(Flag.objects.filter(code="advert").values_list("entry_id", flat=True)) == {
        e.pk for e in flagged
    }
    assert not other.flags.exists()
    # Finished: a new request starts a new run.
    assert flagging.start_run(campaign, by=manager).pk != run.pk
    assert CheckRun.objects.count() == 2


def test_erasure_reaches_flags_their_evidence_and_queued_checks(campaign):
    from tasuki.entries import services as entry_services

    entry = make_entry(campaign, episode="Use my coupon at the shop.")
    photo = make_photo(entry, width=500)
    flagging.check_entry(entry.pk)
    assert entry.flags.count() == 3  # the word, the small photo, the broken check's note
    photo_ready.send(sender=Photo, photo=photo)  # queues a photo check
    queued = DBTaskResult.objects.filter(task_path__startswith="tasuki.review.tasks.check_")
    assert queued.count() == 2

    entry_services.erase_entry(entry)

    assert not Flag.objects.filter(entry_id=entry.pk).exists()
    assert not queued.exists()


@override_settings(TASUKI_CHECKS=FAKES[:1])
def test_a_run_whose_worker_died_does_not_block_the_next(campaign):
    manager = make_staff("mana", "campaign_manager")
    make_entry(campaign)
    run = flagging.start_run(campaign, by=manager)
    # The worker took it, then died before counting any progress.
    stuck = timezone.now() - flagging.STALE_AFTER - dt.timedelta(minutes=1)
    CheckRun.objects.filter(pk=run.pk).update(status=CheckRunStatus.RUNNING, progressed_at=stuck)

    again = flagging.start_run(campaign, by=manager)

    assert again.pk != run.pk
    run.refresh_from_db()
    assert run.status == CheckRunStatus.FAILED
    # A run that is moving is not touched.
    CheckRun.objects.filter(pk=again.pk).update(
        status=CheckRunStatus.RUNNING, progressed_at=timezone.now()
    )
    assert flagging.start_run(campaign, by=manager).pk == again.pk
