"""Every change to the relay: one function per change, each in one transaction,
each recorded in the audit trail.

The publishing lifecycle is :data:`tasuki.relay.models.TRANSITIONS`; a story's
drafts are immutable revisions, and publishing copies one revision into the
story's columns, which are what the public sees.
"""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasuki.audit import services as audit
from tasuki.campaigns.models import KM_MARKS, Campaign, km_label
from tasuki.entries.models import Entry, EntryStatus, Photo, PhotoStatus
from tasuki.mail.placeholders import Placeholder
from tasuki.mail.services import queue_mail
from tasuki.relay import assets, cache
from tasuki.relay.models import (
    FROM_ENTRY,
    REQUIRED_TEXTS,
    TEXT_FIELDS,
    TEXT_LIMITS,
    TRANSITIONS,
    Publication,
    PublicationAction,
    Story,
    StoryPhoto,
    StoryRevision,
    StoryState,
    public_storage,
)

log = logging.getLogger(__name__)

LANGS = ("ja", "en")
#: The keys of a revision's content, besides the texts.
CONTENT_KEYS = ("km", "pen_name", "role", "resonated_with", "photos")


class StoryConflict(Exception):
    """Someone saved a newer revision since the editor's page was loaded."""

    def __init__(self, latest: StoryRevision) -> None:
        super().__init__(f"revision {latest.number} was saved meanwhile")
        self.latest = latest


def field_error(field: str, message, *, code: str, params: dict | None = None) -> ValidationError:
    """A ValidationError for one field whose message keeps its placeholders filled."""
    return ValidationError({field: [ValidationError(message, code=code, params=params)]})


# --- reading a revision's content -------------------------------------------------------


def text_keys() -> list[str]:
    return [f"{name}_{lang}" for name in TEXT_FIELDS for lang in LANGS]


def parse_km(value) -> Decimal | None:
    """A km mark from a form or a revision ("12", "42.195"), or None when empty.

    Raises ValidationError for anything that is not one of the course's marks.
    """
    if value in (None, ""):
        return None
    try:
        km = Decimal(str(value).strip())
    except InvalidOperation:
        km = None
    if km is None or km not in KM_MARKS:
        raise field_error(
            "km", _("Choose a km mark from 0 to 42, or the finish (42.195)."), code="km_unknown"
        )
    return next(mark for mark in KM_MARKS if mark == km)


def content_from_entry(entry: Entry) -> dict:
    """A first draft: the entrant's texts in their language, the other language empty."""
    content = {key: "" for key in text_keys()}
    for name, source in FROM_ENTRY.items():
        content[f"{name}_{entry.language}"] = getattr(entry, source) or ""
    content.update(
        {
            "km": None,
            "pen_name": entry.pen_name,
            "role": entry.role,
            "resonated_with": (
                entry.resonated_with_id
                if entry.resonated_with_id
                and Story.objects.published().filter(pk=entry.resonated_with_id).exists()
                else None
            ),
            "photos": [
                {"photo": p.pk, "alt_ja": "", "alt_en": "", "focal_x": "0.5", "focal_y": "0.5"}
                for p in entry.photos.filter(status=PhotoStatus.READY).order_by("position", "pk")
            ],
        }
    )
    return content


def normalise_content(story: Story, content: dict) -> dict:
    """``content`` with only known keys, texts stripped, the km as its label."""
    out = {key: str(content.get(key) or "").replace("\r\n", "\n").strip() for key in text_keys()}
    km = parse_km(content.get("km"))
    out["km"] = km_label(km) if km is not None else None
    out["pen_name"] = str(content.get("pen_name") or "").strip()
    out["role"] = str(content.get("role") or story.entry.role)
    target = content.get("resonated_with")
    out["resonated_with"] = int(target) if target not in (None, "") else None
    photos = []
    for item in content.get("photos") or []:
        photos.append(
            {
                "photo": int(item["photo"]),
                "alt_ja": str(item.get("alt_ja") or "").strip(),
                "alt_en": str(item.get("alt_en") or "").strip(),
                "focal_x": str(_unit(item.get("focal_x"))),
                "focal_y": str(_unit(item.get("focal_y"))),
            }
        )
    out["photos"] = photos
    return out


def _unit(value) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else "0.5"))
    except InvalidOperation:
        number = Decimal("0.5")
    return min(Decimal(1), max(Decimal(0), number)).quantize(Decimal("0.001"))


# --- the rules --------------------------------------------------------------------------


def resonance_candidates(campaign: Campaign):
    """Published stories a story of ``campaign`` may name: its own campaign's and
    those of the earlier runs of its series."""
    stories = Story.objects.published().select_related("campaign")
    if campaign.series_id is None:
        return stories.filter(campaign=campaign)
    return stories.filter(
        Q(campaign=campaign)
        | Q(campaign__series_id=campaign.series_id, campaign__run_number__lt=campaign.run_number)
    )


def _author_digest(entry_id: int) -> str | None:
    from tasuki.entries.models import EntrantDetails

    return (
        EntrantDetails.objects.filter(entry_id=entry_id)
        .values_list("email_digest", flat=True)
        .first()
    )


def would_cycle(story: Story, target: Story) -> bool:
    """Whether linking ``story`` to ``target`` closes a loop of published links."""
    seen: set[int] = set()
    current: Story | None = target
    while current is not None and current.pk not in seen:
        if current.pk == story.pk:
            return True
        seen.add(current.pk)
        nxt = current.resonated_with_id
        current = Story.objects.filter(pk=nxt).first() if nxt else None
    return False


def check_resonance(story: Story, target_id: int | None) -> Story | None:
    """The story ``story`` may name, or a ValidationError saying why not."""
    if target_id is None:
        return None
    if target_id == story.pk:
        raise field_error(
            "resonated_with",
            _("A story cannot name itself as the story that moved its author."),
            code="resonance_self",
        )
    target = resonance_candidates(story.campaign).filter(pk=target_id).first()
    if target is None:
        raise field_error(
            "resonated_with",
            _("Choose a published story of this relay or of an earlier run of it."),
            code="resonance_unknown",
        )
    mine = _author_digest(story.entry_id)
    if mine and mine == _author_digest(target.entry_id):
        raise field_error(
            "resonated_with",
            _("That story is by the same author. A story must name someone else's story."),
            code="resonance_own",
        )
    if would_cycle(story, target):
        raise field_error(
            "resonated_with",
            _(
                "That link would close a loop: “%(title)s” already leads back to this story. "
                "Choose a story earlier in the chain."
            ),
            code="resonance_cycle",
            params={"title": target.title},
        )
    return target


def check_km(story: Story, km: Decimal | None) -> None:
    """A km mark holds one story: refused when another story has it, live or in a draft."""
    if km is None:
        return
    holder = (
        Story.objects.published()
        .filter(campaign_id=story.campaign_id, km=km)
        .exclude(pk=story.pk)
        .first()
    )
    if holder is None:
        label = km_label(km)
        for other in (
            Story.objects.filter(campaign_id=story.campaign_id)
            .exclude(pk=story.pk)
            .exclude(state=StoryState.WITHDRAWN)
            .select_related("latest_revision")
        ):
            if other.latest_revision and other.latest_revision.content.get("km") == label:
                holder = other
                break
    if holder is not None:
        title = holder.title or (
            holder.latest_revision.content.get("title_ja")
            or holder.latest_revision.content.get("title_en")
            if holder.latest_revision
            else holder.slug
        )
        raise field_error(
            "km",
            _(
                "Km %(km)s already holds “%(title)s”. One km mark holds one story: "
                "choose another mark or move that story first."
            ),
            code="km_taken",
            params={"km": km_label(km), "title": title},
        )


def check_draft(story: Story, content: dict) -> None:
    """Errors a draft may not be saved with (lengths, the km mark, the link)."""
    errors: dict[str, list] = {}
    for name in TEXT_FIELDS:
        for lang in LANGS:
            key = f"{name}_{lang}"
            if len(content[key]) > TEXT_LIMITS[name]:
                errors.setdefault(key, []).append(
                    ValidationError(
                        _("Keep this to %(limit)s characters or fewer (it has %(count)s)."),
                        code="too_long",
                        params={"limit": TEXT_LIMITS[name], "count": len(content[key])},
                    )
                )
    if len(content["pen_name"]) > 60:
        errors.setdefault("pen_name", []).append(
            ValidationError(_("Keep the pen name to 60 characters or fewer."), code="too_long")
        )
    entry_photos = set(story.entry.photos.values_list("pk", flat=True))
    if any(item["photo"] not in entry_photos for item in content["photos"]):
        errors.setdefault("photos", []).append(
            ValidationError(_("A story can only use its own entry's photos."), code="photo_foreign")
        )
    for check in (
        lambda: check_km(story, parse_km(content["km"])),
        lambda: check_resonance(story, content["resonated_with"]),
    ):
        try:
            check()
        except ValidationError as exc:
            for field, messages in exc.error_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def check_publishable(story: Story, content: dict) -> None:
    """Everything a draft needs before the public sees it."""
    errors: dict[str, list] = {}
    if story.entry.status == EntryStatus.WITHDRAWN or story.state == StoryState.WITHDRAWN:
        raise ValidationError(
            _("The entrant withdrew this entry, so its story can no longer be published."),
            code="entry_withdrawn",
        )
    for name in REQUIRED_TEXTS:
        for lang in LANGS:
            if not content[f"{name}_{lang}"]:
                errors.setdefault(f"{name}_{lang}", []).append(
                    ValidationError(
                        _("This text is needed in both languages before publishing."),
                        code="required",
                    )
                )
    if content["km"] is None:
        errors.setdefault("km", []).append(
            ValidationError(_("Place the story at a km mark before publishing."), code="required")
        )
    if not content["pen_name"]:
        errors.setdefault("pen_name", []).append(
            ValidationError(_("The byline needs a pen name."), code="required")
        )
    for index, item in enumerate(content["photos"], start=1):
        if not item["alt_ja"] or not item["alt_en"]:
            errors.setdefault("photos", []).append(
                ValidationError(
                    _(
                        "Photo %(number)s needs alt text in Japanese and English: describe "
                        "what it shows for readers who cannot see it."
                    ),
                    code="alt_missing",
                    params={"number": index},
                )
            )
    ready = set(
        Photo.objects.filter(
            entry_id=story.entry_id, status=PhotoStatus.READY, full_size__gt=""
        ).values_list("pk", flat=True)
    )
    if any(item["photo"] not in ready for item in content["photos"]):
        errors.setdefault("photos", []).append(
            ValidationError(
                _("A chosen photo is not ready (or was removed); choose it again later."),
                code="photo_not_ready",
            )
        )
    if errors:
        raise ValidationError(errors)
    check_draft(story, content)


# --- changes ----------------------------------------------------------------------------


def _new_revision(
    story: Story, content: dict, *, by, restored_from: StoryRevision | None = None
) -> StoryRevision:
    previous = story.latest_revision
    changed = (
        sorted(k for k in content if content.get(k) != previous.content.get(k))
        if previous
        else sorted(content)
    )
    revision = StoryRevision.objects.create(
        story=story,
        number=(previous.number + 1) if previous else 1,
        content=content,
        changed=changed,
        created_by=by,
        restored_from=restored_from,
    )
    story.latest_revision = revision
    story.save(update_fields=["latest_revision"])
    return revision


def _editable(story: Story) -> Story:
    """The story, locked for this transaction, unless its entry was withdrawn."""
    # Only the story's row is locked: PostgreSQL refuses FOR UPDATE on the nullable
    # side of the outer join that fetches its latest revision.
    story = (
        Story.objects.select_for_update(of=("self",))
        .select_related("latest_revision", "entry")
        .get(pk=story.pk)
    )
    if story.state == StoryState.WITHDRAWN:
        raise ValidationError(
            _("The entrant withdrew this entry, so its story can no longer be edited."),
            code="entry_withdrawn",
        )
    return story


@transaction.atomic
def start_story(entry: Entry, *, by, request=None) -> Story:
    """Turn a featured entry into a story draft (the entry itself is never changed)."""
    entry = Entry.objects.select_for_update().select_related("campaign").get(pk=entry.pk)
    existing = Story.objects.filter(entry=entry).first()
    if existing is not None:
        return existing
    review = getattr(entry, "review", None)
    if entry.status == EntryStatus.WITHDRAWN:
        raise ValidationError(
            _("The entrant withdrew this entry, so it cannot become a story."),
            code="entry_withdrawn",
        )
    if review is None or not review.featured:
        raise ValidationError(
            _("Only a featured entry can become a story. Feature it in review first."),
            code="not_featured",
        )
    story = Story.objects.create(campaign=entry.campaign, entry=entry, created_by=by)
    content = normalise_content(story, content_from_entry(entry))
    revision = _new_revision(story, content, by=by)
    audit.record(
        "story.create",
        actor=by,
        request=request,
        target=story,
        after={"entry": entry.pk, "revision": revision.number},
    )
    return story


@transaction.atomic
def save_draft(story: Story, content: dict, *, by, base: int | None, request=None) -> StoryRevision:
    """Save the editor's version as a new revision (the public sees nothing yet).

    ``base`` is the revision number the editor's page showed: if someone saved a
    newer one since, :class:`StoryConflict` is raised instead of overwriting it.
    """
    story = _editable(story)
    latest = story.latest_revision
    if latest is not None and base is not None and latest.number != base:
        raise StoryConflict(latest)
    content = normalise_content(story, content)
    check_draft(story, content)
    if latest is not None and latest.content == content:
        return latest
    revision = _new_revision(story, content, by=by)
    audit.record(
        "story.edit",
        actor=by,
        request=request,
        target=story,
        after={"revision": revision.number, "changed": revision.changed},
    )
    return revision


@transaction.atomic
def restore(story: Story, revision: StoryRevision, *, by, request=None) -> StoryRevision:
    """Make an earlier revision the draft again (a new revision with its content)."""
    if revision.story_id != story.pk:
        raise ValidationError(_("That revision belongs to another story."), code="foreign")
    story = _editable(story)
    content = normalise_content(story, revision.content)
    # The relay may have moved on since (a mark taken, a link gone): say so now.
    check_draft(story, content)
    new = _new_revision(story, content, by=by, restored_from=revision)
    audit.record(
        "story.restore",
        actor=by,
        request=request,
        target=story,
        after={"revision": new.number, "restored_from": revision.number},
    )
    return new


def _transition(story: Story, to: str) -> None:
    if (story.state, to) not in TRANSITIONS:
        raise ValidationError(
            _("A story that is “%(state)s” cannot be changed this way."),
            code="bad_transition",
            params={"state": story.get_state_display()},
        )


def _public_paths(story: Story) -> list[str]:
    paths = [p for photo in story.photos.all() for p in photo.paths()]
    return paths + [p for p in (story.cards or {}).values() if p]


def _write_assets(story: Story, content: dict) -> tuple[list[StoryPhoto], dict, list[str]]:
    """Renditions and cards for ``content``; returns unsaved photo rows, cards, paths."""
    storage = public_storage()
    written: list[str] = []
    rows: list[StoryPhoto] = []
    first_wide = None
    try:
        sources = {
            p.pk: p for p in Photo.objects.filter(pk__in=[i["photo"] for i in content["photos"]])
        }
        for position, item in enumerate(content["photos"]):
            source = sources[item["photo"]]
            renditions, wide = assets.publish_photo(
                source,
                focal_x=Decimal(item["focal_x"]),
                focal_y=Decimal(item["focal_y"]),
                storage=storage,
                folder=story.slug,
            )
            written += assets.rendition_paths(renditions)
            if first_wide is None:
                first_wide = wide
            rows.append(
                StoryPhoto(
                    story=story,
                    source=source,
                    position=position,
                    alt_ja=item["alt_ja"],
                    alt_en=item["alt_en"],
                    focal_x=Decimal(item["focal_x"]),
                    focal_y=Decimal(item["focal_y"]),
                    width=source.width,
                    height=source.height,
                    renditions=renditions,
                )
            )
        cards = {}
        km = parse_km(content["km"])
        for lang in LANGS:
            other = "en" if lang == "ja" else "ja"
            title = content[f"title_{lang}"] or content[f"title_{other}"]
            cards[lang] = assets.make_card(
                title=title,
                byline=content["pen_name"],
                km_text=_card_km(km, lang),
                campaign_name=getattr(story.campaign, f"name_{lang}") or story.campaign.name_en,
                picture=first_wide,
                storage=storage,
                path=f"stories/{story.slug}/card-{lang}.jpg",
            )
            written.append(cards[lang])
    except BaseException:
        assets.delete_files(storage, written)
        raise
    return rows, cards, written


def _card_km(km: Decimal, lang: str) -> str:
    from django.utils import translation

    with translation.override(lang):
        from django.utils.translation import gettext

        if km == KM_MARKS[-1]:
            return gettext("Finish · 42.195 km")
        return gettext("Km %(km)s") % {"km": km_label(km)}


def publish(
    story: Story,
    *,
    by,
    revision: StoryRevision | None = None,
    request=None,
    notify: bool = True,
) -> Story:
    """Make a revision (the latest by default) what the public sees, and tell the author
    (on the first publication; ``notify=False`` only for loading the demo relay).

    The photos' renditions and the preview cards are made first, outside the
    transaction; if anything after that fails they are deleted again.
    """
    story = Story.objects.select_related("latest_revision", "entry", "campaign").get(pk=story.pk)
    revision = revision or story.latest_revision
    if revision is None or revision.story_id != story.pk:
        raise ValidationError(_("There is no draft to publish yet."), code="no_revision")
    content = normalise_content(story, revision.content)
    check_publishable(story, content)
    rows, cards, written = _write_assets(story, content)
    storage = public_storage()
    try:
        with transaction.atomic():
            Campaign.objects.select_for_update().filter(pk=story.campaign_id).first()
            story = (
                Story.objects.select_for_update(of=("self",))
                .select_related("entry", "campaign")
                .get(pk=story.pk)
            )
            _transition(story, StoryState.PUBLISHED)
            check_publishable(story, content)  # again, under the campaign's lock
            old_paths = _public_paths(story)
            first_time = story.first_published_at is None
            now = timezone.now()
            for key in text_keys():
                setattr(story, key, content[key])
            story.km = parse_km(content["km"])
            story.pen_name = content["pen_name"]
            story.role = content["role"]
            story.resonated_with_id = content["resonated_with"]
            story.live_revision = revision
            story.cards = cards
            story.state = StoryState.PUBLISHED
            story.published_at = now
            story.first_published_at = story.first_published_at or now
            try:
                with transaction.atomic():
                    story.save()
            except IntegrityError as exc:  # the database's own guard of the km mark
                raise field_error(
                    "km", _("Another story was just published at this km mark."), code="km_taken"
                ) from exc
            story.photos.all().delete()
            StoryPhoto.objects.bulk_create(rows)
            Publication.objects.create(
                story=story, action=PublicationAction.PUBLISH, revision=revision, by=by
            )
            audit.record(
                "story.publish",
                actor=by,
                request=request,
                target=story,
                after={"revision": revision.number, "km": content["km"]},
            )
            if first_time and notify:
                _notify_author(story)
            transaction.on_commit(lambda: assets.delete_files(storage, old_paths))
            transaction.on_commit(cache.bump)
    except BaseException:
        assets.delete_files(storage, written)
        raise
    return story


def _notify_author(story: Story) -> None:
    entry = story.entry
    details = getattr(entry, "details", None)
    if details is None:
        return
    queue_mail(
        kind="story_published",
        to=details.email,
        template="story_published",
        context={
            "campaign": story.campaign,
            "pen_name": story.pen_name,
            "story_title": getattr(story, f"title_{entry.language}") or story.title_ja,
            "story_km": story.km_label,
            "story_url": Placeholder("relay.story_url", story.pk),
        },
        language=entry.language,
        entry=entry,
    )


def _take_down(story: Story, *, to: str, action: str, by, request=None) -> Story:
    _transition(story, to)
    paths = _public_paths(story)
    story.state = to
    story.cards = {}
    story.save(update_fields=["state", "cards"])
    story.photos.all().delete()
    Publication.objects.create(story=story, action=action, revision=story.live_revision, by=by)
    audit.record(
        f"story.{action}",
        actor=by,
        request=request,
        target=story,
        after={"state": to},
    )
    storage = public_storage()
    transaction.on_commit(lambda: assets.delete_files(storage, paths))
    transaction.on_commit(cache.bump)
    return story


@transaction.atomic
def unpublish(story: Story, *, by, request=None) -> Story:
    """Take a story off the public pages (it can be published again)."""
    story = Story.objects.select_for_update().get(pk=story.pk)
    return _take_down(
        story, to=StoryState.UNPUBLISHED, action=PublicationAction.UNPUBLISH, by=by, request=request
    )


@transaction.atomic
def take_down_for_withdrawal(entry: Entry) -> Story | None:
    """The entrant withdrew: their story comes down and can never go up again."""
    story = Story.objects.select_for_update().filter(entry=entry).first()
    if story is None or story.state == StoryState.WITHDRAWN:
        return story
    return _take_down(story, to=StoryState.WITHDRAWN, action=PublicationAction.WITHDRAWN, by=None)
