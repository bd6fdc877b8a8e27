"""The relay's services: drafts as revisions, the rules of km marks and links,
publishing (assets, mail, audit), taking down, and the database's own guards."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from PIL import Image

from tasuki.audit.models import AuditEvent
from tasuki.campaigns.models import Series
from tasuki.entries import services as entry_services
from tasuki.entries.models import EntryStatus
from tasuki.mail.models import OutboxMessage
from tasuki.relay import assets, services
from tasuki.relay.models import (
    Publication,
    Story,
    StoryPhoto,
    StoryRevision,
    StoryState,
    public_storage,
)
from tests.factories import open_campaign
from tests.relay.factories import bilingual, draft, editor, featured_entry, published_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _public_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }


def messages(exc: ValidationError, field: str) -> str:
    return " ".join(str(m) for m in exc.value.message_dict.get(field, []))


def test_a_story_starts_from_the_entry_and_never_changes_it(campaign):
    by = editor()
    entry = featured_entry(campaign, title="Original title")
    story = services.start_story(entry, by=by)
    first = story.latest_revision
    assert first.number == 1
    assert first.content[f"title_{entry.language}"] == "Original title"
    draft(story, by=by, title_en="Edited title", title_ja="編集した題")
    entry.refresh_from_db()
    assert entry.title == "Original title"
    assert StoryRevision.objects.filter(story=story).count() == 2
    assert story.state == StoryState.DRAFT and story.title_en == ""  # nothing public yet
    assert AuditEvent.objects.filter(action="story.edit").exists()


def test_only_featured_entries_become_stories(campaign):
    from tests.review.test_decisions import make_entry

    entry = make_entry(campaign)
    with pytest.raises(ValidationError, match="featured"):
        services.start_story(entry, by=editor())


def test_a_stale_page_cannot_overwrite_a_newer_draft(campaign):
    by = editor()
    story = services.start_story(featured_entry(campaign), by=by)
    draft(story, by=by, title_en="First")
    with pytest.raises(services.StoryConflict) as exc:
        services.save_draft(story, {**story.latest_revision.content}, by=by, base=1)
    assert exc.value.latest.number == 2


def test_one_story_per_km_mark(campaign):
    published_story(campaign, 12, title="Holder")
    story = services.start_story(featured_entry(campaign), by=editor())
    with pytest.raises(ValidationError) as exc:
        draft(story, by=editor(), km="12")
    assert "Holder" in messages(exc, "km")


def test_the_database_refuses_two_published_stories_on_one_mark(campaign):
    first = published_story(campaign, 5)
    second = published_story(campaign, 6)
    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.filter(pk=second.pk).update(km=first.km)


def test_unknown_km_marks_are_refused(campaign):
    story = services.start_story(featured_entry(campaign), by=editor())
    for bad in ("43", "12.5", "-1", "km"):
        with pytest.raises(ValidationError):
            draft(story, by=editor(), km=bad)
    draft(story, by=editor(), km="42.195")
    story.refresh_from_db()
    assert story.latest_revision.km == Decimal("42.195")


def test_links_never_close_a_loop(campaign):
    by = editor()
    a = published_story(campaign, 1, title="A")
    b = published_story(campaign, 2, title="B", resonated_with=a.pk)
    with pytest.raises(ValidationError) as exc:
        draft(a, by=by, resonated_with=b.pk)
    assert "loop" in messages(exc, "resonated_with")
    with pytest.raises(ValidationError) as exc:
        draft(a, by=by, resonated_with=a.pk)
    assert "itself" in messages(exc, "resonated_with")


def test_never_the_authors_own_story(campaign):
    mine = published_story(campaign, 3, entry=featured_entry(campaign, email="same@example.com"))
    story = services.start_story(featured_entry(campaign, email="Same@Example.com"), by=editor())
    with pytest.raises(ValidationError) as exc:
        draft(story, by=editor(), resonated_with=mine.pk)
    assert "same author" in messages(exc, "resonated_with")


def test_links_reach_earlier_runs_of_the_series_only():
    series = Series.objects.create(slug="relay", name_ja="リレー", name_en="Relay")
    last_year = open_campaign(slug="last", series=series, run_number=1)
    this_year = open_campaign(slug="this", series=series, run_number=2)
    old = published_story(last_year, 7)
    new = published_story(this_year, 8, resonated_with=old.pk)
    assert new.resonated_with_id == old.pk
    # last year's stories cannot name next year's
    story = services.start_story(featured_entry(last_year), by=editor())
    with pytest.raises(ValidationError):
        draft(story, by=editor(), resonated_with=new.pk)
    other = open_campaign(slug="other")
    assert not services.resonance_candidates(other).filter(pk=old.pk).exists()


def test_publishing_needs_both_languages_and_a_mark(campaign):
    by = editor()
    story = services.start_story(featured_entry(campaign), by=by)
    with pytest.raises(ValidationError) as exc:
        services.publish(story, by=by)
    errors = exc.value.message_dict
    assert "km" in errors and "title_ja" in errors and "lead_en" in errors


def _photo(entry, colour=(200, 40, 40), size=(1600, 1200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", exif=b"Exif\x00\x00II*\x00")
    data = buffer.getvalue()
    photo = entry_services.store_photo(
        submission_key=entry.submission_key, file=io.BytesIO(data), size=len(data), enqueue=False
    )
    photo.entry = entry
    photo.save(update_fields=["entry"])
    entry_services.process_photo(photo.pk)
    photo.refresh_from_db()
    return photo


def test_a_photo_without_alt_text_is_not_published(campaign):
    by = editor()
    entry = featured_entry(campaign)
    photo = _photo(entry)
    story = services.start_story(entry, by=by)
    photos = [{"photo": photo.pk, "alt_ja": "写真", "alt_en": "", "focal_x": 0.5, "focal_y": 0.5}]
    draft(story, by=by, km="4", photos=photos, **bilingual())
    with pytest.raises(ValidationError) as exc:
        services.publish(story, by=by)
    assert "alt text" in messages(exc, "photos")
    storage = public_storage()
    assert not storage.exists("") or storage.listdir("") == ([], [])  # nothing was written


def test_publishing_copies_clean_renditions_and_draws_cards(campaign):
    by = editor()
    entry = featured_entry(campaign, language="en")
    photo = _photo(entry)
    story = services.start_story(entry, by=by)
    photos = [
        {
            "photo": photo.pk,
            "alt_ja": "赤い写真",
            "alt_en": "A red photo",
            "focal_x": 0.2,
            "focal_y": 0.8,
        }
    ]
    draft(story, by=by, km="42.195", photos=photos, **bilingual("Finish line"))
    story = services.publish(story, by=by)
    assert story.state == StoryState.PUBLISHED and story.km == Decimal("42.195")
    assert story.title_en == "Finish line" and story.live_revision == story.latest_revision
    published = StoryPhoto.objects.get(story=story)
    storage = public_storage()
    for path in published.paths():
        with storage.open(path) as f, Image.open(f) as image:
            assert not image.info.get("exif") and not image.getexif()
    wide = published.renditions["wide"]
    assert (wide["width"], wide["height"]) == (1600, 900)
    for lang in ("ja", "en"):
        with storage.open(story.cards[lang]) as f, Image.open(f) as card:
            assert card.size == assets.CARD_SIZE
    assert Publication.objects.filter(story=story, action="publish").count() == 1
    mail = OutboxMessage.objects.get(kind="story_published")
    assert mail.language == "en" and "Finish line" in mail.body
    assert "http" not in mail.body  # the link is made at send time
    assert AuditEvent.objects.filter(action="story.publish").exists()


def test_republishing_replaces_the_files_and_mails_once(
    campaign, django_capture_on_commit_callbacks
):
    by = editor()
    entry = featured_entry(campaign)
    _photo(entry)
    story = services.start_story(entry, by=by)
    content = story.latest_revision.content
    photos = [{**p, "alt_ja": "写真", "alt_en": "Photo"} for p in content["photos"]]
    draft(story, by=by, km="9", photos=photos, **bilingual())
    with django_capture_on_commit_callbacks(execute=True):
        story = services.publish(story, by=by)
    old = StoryPhoto.objects.get(story=story).paths() + list(story.cards.values())
    draft(story, by=by, title_en="Better title")
    with django_capture_on_commit_callbacks(execute=True):
        story = services.publish(story, by=by)
    storage = public_storage()
    assert not any(storage.exists(p) for p in old if p not in story.cards.values())
    assert story.title_en == "Better title"
    assert OutboxMessage.objects.filter(kind="story_published").count() == 1


def test_unpublish_and_withdrawal(campaign, django_capture_on_commit_callbacks):
    story = published_story(campaign, 20)
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(story, by=editor())
    story.refresh_from_db()
    assert story.state == StoryState.UNPUBLISHED and story.cards == {}
    story = services.publish(story, by=editor())
    assert story.is_published
    with django_capture_on_commit_callbacks(execute=True):
        entry_services.withdraw_entry(story.entry)
    story.refresh_from_db()
    assert story.state == StoryState.WITHDRAWN
    assert story.entry.status == EntryStatus.WITHDRAWN
    with pytest.raises(ValidationError, match="withdrew"):
        services.publish(story, by=editor())


def test_erasing_the_entry_erases_the_story_and_unlinks_others(campaign):
    a = published_story(campaign, 30)
    b = published_story(campaign, 31, resonated_with=a.pk)
    entry_services.erase_entry(a.entry)
    assert not Story.objects.filter(pk=a.pk).exists()
    b.refresh_from_db()
    assert b.resonated_with_id is None and b.is_published


def test_restore_makes_an_old_revision_the_draft(campaign):
    by = editor()
    story = published_story(campaign, 14, title="First title")
    draft(story, by=by, title_en="Second title")
    first_full = story.revisions.get(number=2)
    restored = services.restore(story, first_full, by=by)
    assert restored.content["title_en"] == "First title"
    assert restored.restored_from == first_full
    assert restored.number == 4
    with pytest.raises(ValueError):
        restored.save()  # revisions are immutable


def test_entry_pick_carries_into_the_story(campaign):
    earlier = published_story(campaign, 2)
    entry = featured_entry(campaign)
    entry.resonated_with = earlier
    entry.save(update_fields=["resonated_with"])
    story = services.start_story(entry, by=editor())
    assert story.latest_revision.content["resonated_with"] == earlier.pk


def test_card_titles_wrap_in_both_scripts():
    font = assets._font(64)
    ja = assets._wrap(
        "東京の街を走り抜けた四十二キロの物語を、次のランナーへ手渡すまで" * 3, font, 1040, 4
    )
    assert 1 < len(ja) <= 4 and ja[-1].endswith("…")
    assert all(font.getlength(line) <= 1040 + 64 for line in ja)
    en = assets._wrap("A long English title that needs more than one line to fit", font, 1040, 4)
    assert len(en) == 2 and not en[1].startswith(" ")


def test_crop_box_follows_the_focal_point():
    assert assets.crop_box(1600, 1200, 16 / 9, 0.5, 0.0) == (0, 0, 1600, 900)
    assert assets.crop_box(1600, 1200, 16 / 9, 0.5, 1.0) == (0, 300, 1600, 1200)
    assert assets.crop_box(1000, 500, 1.0, 0.9, 0.5) == (500, 0, 1000, 500)


def test_erasure_deletes_the_public_files(campaign, django_capture_on_commit_callbacks):
    by = editor()
    entry = featured_entry(campaign)
    _photo(entry)
    story = services.start_story(entry, by=by)
    photos = [
        {**p, "alt_ja": "写真", "alt_en": "Photo"} for p in story.latest_revision.content["photos"]
    ]
    draft(story, by=by, km="33", photos=photos, **bilingual())
    story = services.publish(story, by=by)
    paths = StoryPhoto.objects.get(story=story).paths() + list(story.cards.values())
    storage = public_storage()
    assert paths and all(storage.exists(p) for p in paths)
    with django_capture_on_commit_callbacks(execute=True):
        entry_services.erase_entry(entry)
    assert not any(storage.exists(p) for p in paths)


def test_public_files_are_served_with_a_long_lifetime(client, settings, tmp_path):
    settings.PUBLIC_MEDIA_ROOT = tmp_path / "public"
    (tmp_path / "public" / "stories").mkdir(parents=True)
    (tmp_path / "public" / "stories" / "card.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    response = client.get("/media/public/stories/card.png")
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert client.get("/media/public/../private/x").status_code in (400, 404)


def test_the_authors_mail_links_the_story_in_their_language_when_sent(campaign, settings):
    from django.core import mail

    from tasuki.mail.services import deliver

    settings.SITE_URL = "https://relay.example.org"
    entry = featured_entry(campaign, language="ja")
    story = published_story(campaign, 17, entry=entry, title="坂の上")
    stored = OutboxMessage.objects.get(kind="story_published")
    assert story.slug not in stored.body  # only a marker is stored
    deliver(stored.pk)
    sent = mail.outbox[-1]
    assert f"https://relay.example.org/ja/{campaign.slug}/stories/{story.slug}/" in sent.body
    assert "17km" in sent.body


def test_card_lines_never_start_with_a_long_vowel_or_small_kana():
    font = assets._font(64)
    title = "彼の「バモス」を直したら、私のレースが直された"
    lines = assets._wrap(title, font, 1040, 4)
    assert "".join(lines) == title
    assert all(line[0] not in "ーッャュョ、。」" for line in lines[1:])


def test_the_card_font_has_japanese_glyphs():
    font = assets._font(64)
    missing = font.getmask("\uffff").getbbox()  # a code point no font draws: .notdef
    for ch in "東京マラソン走る":
        mask = font.getmask(ch)
        assert mask.getbbox() and mask.getbbox() != missing
