"""The editors' story pages as staff use them: who may open them, a story made
from a featured entry, drafts with conflicts and the relay's rules shown next
to their fields, publishing (with the author's mail), unpublishing, the
history with restore, and the entrant's original never touched."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from tasuki.audit.models import AuditEvent
from tasuki.entries import services as entry_services
from tasuki.entries.forms import EntryForm
from tasuki.entries.models import Entry
from tasuki.mail.models import OutboxMessage
from tasuki.relay import services
from tasuki.relay.models import Story, StoryState
from tasuki.review import services as review_services
from tasuki.review.states import DecisionKind
from tasuki.staff.roles import ADMIN, CAMPAIGN_MANAGER, EDITOR, REVIEWER
from tests.conftest import run_worker, solve_altcha
from tests.factories import entry_data
from tests.relay.factories import bilingual, featured_entry, published_story
from tests.staff.conftest import make_staff, sign_in

pytestmark = pytest.mark.django_db

ENTRY_FIELDS = (
    "title",
    "pen_name",
    "role",
    "resonated_story",
    "appeal",
    "episode",
    "wishes",
    "tagline",
    "language",
    "status",
)


@pytest.fixture(autouse=True)
def _public_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(f"relay_staff:{name}", args=args)


@pytest.fixture
def editor_user(db):
    return make_staff("eri", EDITOR)


@pytest.fixture
def editor(editor_user):
    return sign_in(Client(), editor_user)


def entry_with_photo(campaign, *, language="en", **overrides) -> Entry:
    """A featured entry with one processed photo."""
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 60, 40)).save(buffer, "PNG")
    key = uuid.uuid4()
    photo = entry_services.store_photo(submission_key=key, file=buffer, size=buffer.tell())
    overrides.setdefault("email", f"photo-{key.hex[:8]}@example.com")
    form = EntryForm(
        entry_data(altcha=solve_altcha(), submission_key=str(key), language=language, **overrides),
        campaign=campaign,
    )
    assert form.is_valid(), form.errors
    entry = entry_services.submit_entry(
        campaign=campaign, data=form.cleaned_data, photo_tokens=[photo.token]
    ).entry
    run_worker()
    review_services.install_defaults(campaign)
    review = review_services.review_for(entry)
    reviewer = make_staff(f"rev-{key.hex[:6]}", REVIEWER)
    review_services.decide(entry, by=reviewer, kind=DecisionKind.FEATURE, version=review.version)
    return entry


def form_data(story: Story, **changes) -> dict:
    """What the editor's form posts for the story's latest revision, with ``changes``."""
    story.refresh_from_db()
    content = story.latest_revision.content
    data = {key: content.get(key) or "" for key in services.text_keys()}
    data.update(
        base=str(story.latest_revision.number),
        km=content.get("km") or "",
        resonated_with=str(content.get("resonated_with") or ""),
        pen_name=content["pen_name"],
        role=content["role"],
    )
    for order, item in enumerate(content["photos"], start=1):
        prefix = f"photo-{item['photo']}-"
        data.update(
            {
                prefix + "use": "on",
                prefix + "order": str(order),
                prefix + "alt_ja": item["alt_ja"],
                prefix + "alt_en": item["alt_en"],
                prefix + "focal_x": item["focal_x"],
                prefix + "focal_y": item["focal_y"],
            }
        )
    data.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        data.pop(key, None)
    return data


def snapshot(entry: Entry) -> dict:
    entry = Entry.objects.get(pk=entry.pk)
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def started(campaign, user, **kwargs) -> Story:
    return services.start_story(featured_entry(campaign, **kwargs), by=user)


# --- who may open the pages -------------------------------------------------------------


def test_editors_managers_and_admins_may_open_the_desk_reviewers_may_not(campaign, editor_user):
    story = started(campaign, editor_user)
    pages = [url("desk", campaign.slug), url("edit", campaign.slug, story.entry_id)]
    for role in (EDITOR, CAMPAIGN_MANAGER, ADMIN):
        client = sign_in(Client(), make_staff(f"is-{role}", role))
        for page in pages:
            assert client.get(page).status_code == 200, (role, page)
    reviewer = sign_in(Client(), make_staff("rin", REVIEWER))
    for page in pages:
        response = reviewer.get(page)
        assert response.status_code == 403
        assert "This page is not part of your role" in response.content.decode()
    anonymous = Client().get(pages[0])
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/en/staff/login/")
    assert Client().post(url("start", campaign.slug, story.entry_id)).status_code == 302


def test_another_campaigns_entry_is_not_found(campaign, editor, editor_user):
    from tests.factories import open_campaign

    story = started(campaign, editor_user)
    other = open_campaign()
    assert editor.get(url("edit", other.slug, story.entry_id)).status_code == 404
    assert editor.get(url("desk", "no-such-campaign")).status_code == 404


# --- the desk and starting a story -------------------------------------------------------


def test_the_desk_lists_entries_ready_to_write_and_stories_along_the_course(
    campaign, editor, editor_user
):
    ready = featured_entry(campaign, title="Waiting to be written")
    at_ten = started(campaign, editor_user)
    services.save_draft(
        at_ten,
        {**at_ten.latest_revision.content, "km": "10", "title_en": "Ten"},
        by=editor_user,
        base=1,
    )
    unplaced = started(campaign, editor_user)
    services.save_draft(
        unplaced, {**unplaced.latest_revision.content, "title_en": "Nowhere yet"},
        by=editor_user, base=1,
    )  # fmt: skip
    live = published_story(campaign, "3", by=editor_user, title="Three")
    html = editor.get(url("desk", campaign.slug)).content.decode()
    assert "Waiting to be written" in html
    assert url("start", campaign.slug, ready.pk) in html
    order = [html.index(t) for t in ("Three", "Ten", "Nowhere yet")]
    assert order == sorted(order), "stories follow the course, unplaced drafts last"
    assert "Published" in html and "Draft" in html
    assert "JST" in html and "eri" in html
    assert url("edit", campaign.slug, live.entry_id) in html


def test_a_story_is_made_from_a_featured_entry(campaign, editor, editor_user):
    entry = featured_entry(campaign, title="The kilometre I did not run alone")
    before = snapshot(entry)
    response = editor.post(url("start", campaign.slug, entry.pk), follow=True)
    story = Story.objects.get(entry=entry)
    assert response.redirect_chain[-1][0] == url("edit", campaign.slug, entry.pk)
    assert story.latest_revision.number == 1
    assert story.latest_revision.content["title_en"] == "The kilometre I did not run alone"
    assert AuditEvent.objects.filter(action="story.create", target_id=str(story.pk)).exists()
    assert "first draft was made from the entry" in response.content.decode()
    assert snapshot(entry) == before


def test_a_non_featured_entry_cannot_become_a_story(campaign, editor):
    plain = entry_services.submit_entry(
        campaign=campaign,
        data=_valid(campaign, email="plain@example.com"),
        photo_tokens=[],
    ).entry
    response = editor.post(url("start", campaign.slug, plain.pk), follow=True)
    assert "Only a featured entry can become a story" in response.content.decode()
    assert not Story.objects.filter(entry=plain).exists()
    page = editor.get(url("edit", campaign.slug, plain.pk)).content.decode()
    assert "Only a featured entry can become a story" in page
    assert url("start", campaign.slug, plain.pk) not in page


def _valid(campaign, **overrides) -> dict:
    form = EntryForm(entry_data(altcha=solve_altcha(), **overrides), campaign=campaign)
    assert form.is_valid(), form.errors
    return form.cleaned_data


# --- the editor ---------------------------------------------------------------------------


def test_the_editor_shows_the_original_beside_both_languages_and_no_personal_data(
    campaign, editor, editor_user
):
    entry = featured_entry(campaign, real_name="Alex Realname", email="alex.private@example.com")
    services.start_story(entry, by=editor_user)
    html = editor.get(url("edit", campaign.slug, entry.pk)).content.decode()
    for name in ("title", "lead", "quote", "resonated", "appeal", "episode", "wishes", "tagline"):
        assert f'name="{name}_ja"' in html and f'name="{name}_en"' in html
    assert entry.episode in html  # the original, beside the fields
    assert html.count(entry.episode) >= 2  # and the first draft's copy of it
    assert 'name="km"' in html and "Finish (42.195 km)" in html
    assert "Alex Realname" not in html and "alex.private@example.com" not in html
    assert 'data-limit="6000"' in html


def test_saving_makes_a_new_revision_and_an_audit_event(campaign, editor, editor_user):
    story = started(campaign, editor_user)
    before = snapshot(story.entry)
    data = form_data(story, km="7", **bilingual("Seven"), quote_en="Keep going.")
    response = editor.post(url("edit", campaign.slug, story.entry_id), data, follow=True)
    story.refresh_from_db()
    assert story.latest_revision.number == 2
    assert story.latest_revision.content["km"] == "7"
    assert story.latest_revision.content["quote_en"] == "Keep going."
    assert story.latest_revision.created_by == editor_user
    assert "The draft was saved as revision 2." in response.content.decode()
    event = AuditEvent.objects.get(action="story.edit", target_id=str(story.pk))
    assert "quote_en" in event.after["changed"]
    assert story.state == StoryState.DRAFT and story.title_en == ""  # nothing live yet
    assert snapshot(story.entry) == before


def test_save_and_preview_goes_to_the_preview(campaign, editor, editor_user):
    story = started(campaign, editor_user)
    data = form_data(story, title_ja="題名", then="preview")
    response = editor.post(url("edit", campaign.slug, story.entry_id), data)
    assert response.status_code == 302
    assert response["Location"] == url("preview", campaign.slug, story.entry_id)


def test_a_stale_save_is_refused_with_who_saved_and_the_text_kept(campaign, editor, editor_user):
    story = started(campaign, editor_user)
    stale = form_data(story, episode_en="My careful rewrite of the whole episode.")
    other = make_staff("kenji", EDITOR)
    services.save_draft(
        story, {**story.latest_revision.content, "lead_en": "Theirs."}, by=other, base=1
    )
    response = editor.post(url("edit", campaign.slug, story.entry_id), stale)
    html = response.content.decode()
    assert response.status_code == 409
    assert "kenji saved revision 2" in html
    assert "My careful rewrite of the whole episode." in html
    assert 'name="base" value="2"' in html  # saving again replaces theirs, knowingly
    story.refresh_from_db()
    assert story.latest_revision.number == 2
    assert story.latest_revision.content["lead_en"] == "Theirs."
    # Saving again, now on top of theirs, works.
    again = editor.post(url("edit", campaign.slug, story.entry_id), {**stale, "base": "2"})
    assert again.status_code == 302
    story.refresh_from_db()
    assert story.latest_revision.content["episode_en"].startswith("My careful rewrite")


def test_a_taken_km_mark_is_refused_next_to_the_field(campaign, editor, editor_user):
    published_story(campaign, "12", by=editor_user, title="Already at twelve")
    story = started(campaign, editor_user)
    data = form_data(story, km="12", lead_en="Typed and not lost.")
    response = editor.post(url("edit", campaign.slug, story.entry_id), data)
    html = response.content.decode()
    assert "Km 12 already holds “Already at twelve”" in html
    assert re.search(r'id="id_km-error"', html)
    assert "Typed and not lost." in html
    assert "Km 12 — taken by “Already at twelve”" in html  # the select says so too
    story.refresh_from_db()
    assert story.latest_revision.number == 1


def test_a_refusal_speaks_the_page_language(campaign, editor, editor_user):
    published_story(campaign, "5", by=editor_user, title="Five")
    story = started(campaign, editor_user)
    response = editor.post(url("edit", campaign.slug, story.entry_id, lang="ja"),
                           form_data(story, km="5"))  # fmt: skip
    html = response.content.decode()
    assert '<html lang="ja">' in html
    message = (
        "Km %(km)s already holds “%(title)s”. One km mark holds one story: "
        "choose another mark or move that story first."
    )
    with translation.override("ja"):
        expected = translation.gettext(message) % {"km": "5", "title": "Five（日本語）"}
    assert expected in html  # as the Japanese catalogue has it (the English until translated)
    assert "時刻はすべて日本標準時" in html  # the page around it is Japanese


def test_linking_a_cycle_or_the_authors_own_story_is_refused(campaign, editor, editor_user):
    first = published_story(campaign, "1", by=editor_user, title="First")
    second = published_story(campaign, "2", by=editor_user, title="Second", resonated_with=first.pk)
    # First → Second would close the loop Second → First.
    back = editor.post(
        url("edit", campaign.slug, first.entry_id),
        form_data(first, resonated_with=str(second.pk)),
    )
    assert "That link would close a loop" in back.content.decode()
    # The same author's own earlier story.
    own = published_story(
        campaign, "20", by=editor_user, title="Mine",
        entry=featured_entry(campaign, email="same@example.com"),
    )  # fmt: skip
    mine_again = started(campaign, editor_user, email="same@example.com")
    refused = editor.post(
        url("edit", campaign.slug, mine_again.entry_id),
        form_data(mine_again, resonated_with=str(own.pk)),
    )
    assert "That story is by the same author" in refused.content.decode()
    first.refresh_from_db()
    assert first.latest_revision.content["resonated_with"] is None


def test_a_wrong_focal_point_is_shown_and_the_text_kept(campaign, editor, editor_user):
    entry = entry_with_photo(campaign)
    story = services.start_story(entry, by=editor_user)
    photo = story.latest_revision.content["photos"][0]["photo"]
    data = form_data(story, **{f"photo-{photo}-focal_x": "7", "lead_en": "Kept lead."})
    html = editor.post(url("edit", campaign.slug, entry.pk), data).content.decode()
    assert "less than or equal to 1" in html
    assert "Kept lead." in html


# --- publishing ---------------------------------------------------------------------------


def test_publishing_without_alt_text_is_refused_with_the_reason(campaign, editor, editor_user):
    entry = entry_with_photo(campaign)
    story = services.start_story(entry, by=editor_user)
    editor.post(url("edit", campaign.slug, entry.pk), form_data(story, km="8", **bilingual()))
    story.refresh_from_db()
    check = editor.get(url("publish", campaign.slug, entry.pk)).content.decode()
    assert "Photo 1 needs alt text in Japanese and English" in check
    assert "Publish revision 2 now" not in check
    response = editor.post(url("publish", campaign.slug, entry.pk), {"revision": "2"})
    assert response.status_code == 400
    assert "Photo 1 needs alt text" in response.content.decode()
    story.refresh_from_db()
    assert story.state == StoryState.DRAFT
    assert not OutboxMessage.objects.filter(kind="story_published").exists()


def test_publishing_missing_texts_lists_each_field(campaign, editor, editor_user):
    story = started(campaign, editor_user)
    html = editor.get(url("publish", campaign.slug, story.entry_id)).content.decode()
    assert "Place the story at a km mark before publishing." in html
    assert "Title (Japanese)" in html and "#id_title_ja" in html


def test_publishing_shows_it_to_readers_and_mails_the_author_in_their_language(
    campaign, editor, editor_user
):
    entry = entry_with_photo(campaign, language="ja")
    before = snapshot(entry)
    story = services.start_story(entry, by=editor_user)
    photo = story.latest_revision.content["photos"][0]["photo"]
    data = form_data(
        story,
        km="21",
        **bilingual("Halfway"),
        **{f"photo-{photo}-alt_ja": "給水所の写真", f"photo-{photo}-alt_en": "The water station"},
    )
    editor.post(url("edit", campaign.slug, entry.pk), data)
    confirm = editor.get(url("publish", campaign.slug, entry.pk)).content.decode()
    assert "Publish revision 2 now" in confirm and "It will stand at km 21." in confirm
    response = editor.post(url("publish", campaign.slug, entry.pk), {"revision": "2"}, follow=True)
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED and story.live_revision.number == 2
    assert story.title_en == "Halfway" and str(story.km) == "21.000"
    assert story.photos.get().alt_en == "The water station"
    html = response.content.decode()
    assert "Revision 2 is published" in html
    public = reverse("relay:story", args=[campaign.slug, story.slug])
    assert f'href="{public}"' in html
    mail = OutboxMessage.objects.get(kind="story_published")
    assert mail.language == "ja" and mail.entry_id == entry.pk
    assert AuditEvent.objects.filter(action="story.publish").count() == 1
    assert snapshot(entry) == before


def test_unpublishing_asks_then_takes_it_down(campaign, editor, editor_user):
    story = published_story(campaign, "30", by=editor_user, title="Thirty")
    page = editor.get(url("unpublish", campaign.slug, story.entry_id)).content.decode()
    assert "Take it off the public pages?" in page
    story.refresh_from_db()
    assert story.state == StoryState.PUBLISHED  # asking changes nothing
    response = editor.post(url("unpublish", campaign.slug, story.entry_id), follow=True)
    story.refresh_from_db()
    assert story.state == StoryState.UNPUBLISHED
    assert "The story is off the public pages." in response.content.decode()
    history = editor.get(url("history", campaign.slug, story.entry_id)).content.decode()
    assert "Unpublished" in history and "Published" in history


# --- history and restore ------------------------------------------------------------------


def test_the_history_shows_who_changed_what_and_compares(campaign, editor, editor_user):
    story = started(campaign, editor_user)
    other = make_staff("kenji", EDITOR)
    services.save_draft(
        story, {**story.latest_revision.content, "lead_en": "A new lead here."}, by=other, base=1
    )
    html = editor.get(url("history", campaign.slug, story.entry_id)).content.decode()
    assert html.index("r2") < html.index("r1")  # newest first
    assert "kenji" in html and "Lead (English)" in html and "JST" in html
    assert "First draft, made from the entry" in html
    compared = editor.get(url("history", campaign.slug, story.entry_id), {"compare": "1"})
    text = compared.content.decode()
    assert "Revision 1 compared with the current draft (revision 2)" in text
    assert re.search(r"<ins><span class=\"visually-hidden\">added: </span>A", text)


def test_restoring_makes_a_new_revision_with_the_old_content(campaign, editor, editor_user):
    story = started(campaign, editor_user)
    original_title = story.latest_revision.content["title_en"]
    editor.post(url("edit", campaign.slug, story.entry_id), form_data(story, title_en="Changed"))
    story.refresh_from_db()
    assert story.latest_revision.content["title_en"] == "Changed"
    response = editor.post(
        url("restore", campaign.slug, story.entry_id), {"revision": "1"}, follow=True
    )
    story.refresh_from_db()
    latest = story.latest_revision
    assert latest.number == 3 and latest.restored_from.number == 1
    assert latest.content["title_en"] == original_title
    assert story.revisions.count() == 3  # nothing deleted
    assert "Revision 1 was restored as revision 3." in response.content.decode()
    history = editor.get(url("history", campaign.slug, story.entry_id)).content.decode()
    assert "Restored from r1" in history
    assert AuditEvent.objects.filter(action="story.restore").count() == 1


def test_restoring_a_revision_whose_mark_was_taken_since_says_why(campaign, editor, editor_user):
    story = started(campaign, editor_user)
    editor.post(url("edit", campaign.slug, story.entry_id), form_data(story, km="9"))
    editor.post(url("edit", campaign.slug, story.entry_id), form_data(story, km="10"))
    published_story(campaign, "9", by=editor_user, title="Nine now")
    response = editor.post(
        url("restore", campaign.slug, story.entry_id), {"revision": "2"}, follow=True
    )
    html = response.content.decode()
    assert "Revision 2 could not be restored" in html and "Nine now" in html
    story.refresh_from_db()
    assert story.latest_revision.number == 3


# --- preview and photos --------------------------------------------------------------------


def test_the_preview_is_the_public_page_with_a_banner_and_noindex(campaign, editor, editor_user):
    story = started(campaign, editor_user)
    editor.post(
        url("edit", campaign.slug, story.entry_id),
        form_data(story, km="4", **bilingual("Preview me")),
    )
    response = editor.get(url("preview", campaign.slug, story.entry_id))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Preview — not published" in html and "Preview me" in html
    assert '<meta name="robots" content="noindex' in html
    assert response["X-Robots-Tag"].startswith("noindex")
    older = editor.get(url("preview", campaign.slug, story.entry_id), {"revision": "1"})
    assert "an older one" in older.content.decode()
    assert (
        editor.get(url("preview", campaign.slug, story.entry_id), {"revision": "9"}).status_code
        == 404
    )


def test_entry_photos_are_shown_to_editors_only(campaign, editor, editor_user):
    entry = entry_with_photo(campaign)
    services.start_story(entry, by=editor_user)
    photo = entry.photos.get()
    width = min(int(w) for w in photo.renditions)
    target = url("photo", campaign.slug, entry.pk, photo.token, width, "jpeg")
    html = editor.get(url("edit", campaign.slug, entry.pk)).content.decode()
    assert target in html
    response = editor.get(target)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    reviewer = sign_in(Client(), make_staff("rin", REVIEWER))
    assert reviewer.get(target).status_code == 403


# --- links from other back-office pages ---------------------------------------------------


def test_review_and_home_link_to_the_stories_for_editing_roles(campaign, editor_user):
    entry = featured_entry(campaign)
    manager = sign_in(Client(), make_staff("mei", CAMPAIGN_MANAGER, REVIEWER))
    review_page = reverse("review:entry", args=[campaign.slug, entry.pk])
    with translation.override("en"):
        page = manager.get(review_page).content.decode()
    assert url("start", campaign.slug, entry.pk) in page and "Make a story" in page
    services.start_story(entry, by=editor_user)
    page = manager.get(review_page).content.decode()
    assert "Edit its story" in page and url("edit", campaign.slug, entry.pk) in page
    reviewer = sign_in(Client(), make_staff("rin", REVIEWER))
    assert "Edit its story" not in reviewer.get(review_page).content.decode()
    home = sign_in(Client(), editor_user).get("/en/staff/").content.decode()
    assert url("desk", campaign.slug) in home
    assert url("desk", campaign.slug) not in reviewer.get("/en/staff/").content.decode()


def test_a_withdrawn_entrys_story_is_shown_taken_down_and_cannot_be_saved(
    campaign, editor, editor_user
):
    story = published_story(campaign, "33", by=editor_user, title="Thirty-three")
    data = form_data(story, lead_en="Too late.")
    entry_services.withdraw_entry(story.entry)
    story.refresh_from_db()
    assert story.state == StoryState.WITHDRAWN
    page = editor.get(url("edit", campaign.slug, story.entry_id)).content.decode()
    assert "The entrant withdrew this entry, so the story was taken down" in page
    assert "Save draft" not in page and "Publish revision" not in page
    refused = editor.post(url("edit", campaign.slug, story.entry_id), data).content.decode()
    assert "so its story can no longer be edited" in refused
    assert "Too late." in refused
    history = editor.get(url("history", campaign.slug, story.entry_id)).content.decode()
    assert "Restore r" not in history and "the entrant's withdrawal" in history
