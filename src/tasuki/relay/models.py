"""The relay: featured entries turned into the stories readers walk along the course.

A :class:`Story` row is what the public sees (its live text, km mark, byline and
link); drafts live in immutable :class:`StoryRevision` snapshots, as Wagtail
keeps its page revisions, so "what was approved" and "what went live" are the
same snapshot and a restore is just another revision. Only
:mod:`tasuki.relay.services` changes these rows.

The entrant's :class:`~tasuki.entries.models.Entry` is never edited: the story
is the editor's version, kept beside the original.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tasuki.campaigns.models import KM_MARKS, BilingualMixin, Campaign, km_label
from tasuki.entries.models import Entry, Photo, Role

#: The story's texts, each in Japanese (``_ja``) and English (``_en``): the title,
#: the lead, the headline quote and the answers to the relay's five questions.
TEXT_FIELDS: tuple[str, ...] = (
    "title",
    "lead",
    "quote",
    "resonated",
    "appeal",
    "episode",
    "wishes",
    "tagline",
)
#: The editor's limits per text, in characters (the form's counters show them).
TEXT_LIMITS = {
    "title": 80,
    "lead": 400,
    "quote": 120,
    "resonated": 1000,
    "appeal": 2000,
    "episode": 6000,
    "wishes": 2000,
    "tagline": 60,
}
#: Which answer of the entry each story text starts from.
FROM_ENTRY = {
    "title": "title",
    "resonated": "resonated_story",
    "appeal": "appeal",
    "episode": "episode",
    "wishes": "wishes",
    "tagline": "tagline",
}
#: Texts a story must have in both languages before it is published.
REQUIRED_TEXTS: tuple[str, ...] = ("title", "lead", "episode", "tagline")
SLUG_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


def new_slug() -> str:
    """A short, stable, unguessable name for a story's address (it never says who)."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(8))


def public_storage():
    """Where published renditions and preview cards go: files anyone may fetch."""
    from django.core.files.storage import storages

    try:
        return storages["public"]
    except Exception as exc:  # pragma: no cover - a settings mistake
        raise ImproperlyConfigured('STORAGES needs a "public" entry for published photos') from exc


class StoryState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")
    #: The entrant withdrew the entry: the story came down and stays down.
    WITHDRAWN = "withdrawn", _("Taken down (entry withdrawn)")


#: The publishing lifecycle: (from, to) pairs :mod:`relay.services` may make.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (StoryState.DRAFT, StoryState.PUBLISHED),
        (StoryState.PUBLISHED, StoryState.PUBLISHED),  # publishing a newer revision
        (StoryState.PUBLISHED, StoryState.UNPUBLISHED),
        (StoryState.UNPUBLISHED, StoryState.PUBLISHED),
        (StoryState.DRAFT, StoryState.WITHDRAWN),
        (StoryState.PUBLISHED, StoryState.WITHDRAWN),
        (StoryState.UNPUBLISHED, StoryState.WITHDRAWN),
    }
)


class StoryQuerySet(models.QuerySet):
    def published(self) -> StoryQuerySet:
        return self.filter(state=StoryState.PUBLISHED)

    def along_course(self) -> StoryQuerySet:
        return self.order_by("km", "pk")


class Story(BilingualMixin, models.Model):
    """One story of the relay. Its columns are the published version; drafts are revisions."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="stories")
    #: Erasing the entry erases the story (the author's right); withdrawing takes it down.
    entry = models.OneToOneField(Entry, on_delete=models.CASCADE, related_name="story")
    slug = models.CharField(max_length=12, unique=True, default=new_slug, editable=False)
    state = models.CharField(
        _("state"), max_length=12, choices=StoryState.choices, default=StoryState.DRAFT
    )
    # --- the live version (what the public sees while the state is "published") ---
    km = models.DecimalField(_("km mark"), max_digits=6, decimal_places=3, null=True, blank=True)
    pen_name = models.CharField(_("pen name"), max_length=60, blank=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, blank=True)
    resonated_with = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspired",
        verbose_name=_("resonated with"),
    )
    #: Revisions go only with their story (DO_NOTHING: the database's deferred key
    #: check sees both gone at commit; SET_NULL would first make a published story
    #: without a revision, which its own constraint refuses).
    live_revision = models.ForeignKey(
        "StoryRevision", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+"
    )
    latest_revision = models.ForeignKey(
        "StoryRevision", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+"
    )
    #: Preview cards for social networks, one per language: {"ja": path, "en": path}
    #: in the public storage.
    cards = models.JSONField(default=dict, blank=True)
    first_published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    published_at = models.DateTimeField(_("last published"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    title_ja = models.TextField(_("title (Japanese)"), blank=True)
    title_en = models.TextField(_("title (English)"), blank=True)
    lead_ja = models.TextField(_("lead (Japanese)"), blank=True)
    lead_en = models.TextField(_("lead (English)"), blank=True)
    quote_ja = models.TextField(_("headline quote (Japanese)"), blank=True)
    quote_en = models.TextField(_("headline quote (English)"), blank=True)
    resonated_ja = models.TextField(_("the story that resonated (Japanese)"), blank=True)
    resonated_en = models.TextField(_("the story that resonated (English)"), blank=True)
    appeal_ja = models.TextField(_("the race's appeal (Japanese)"), blank=True)
    appeal_en = models.TextField(_("the race's appeal (English)"), blank=True)
    episode_ja = models.TextField(_("the episode (Japanese)"), blank=True)
    episode_en = models.TextField(_("the episode (English)"), blank=True)
    wishes_ja = models.TextField(_("wishes for the 20th race (Japanese)"), blank=True)
    wishes_en = models.TextField(_("wishes for the 20th race (English)"), blank=True)
    tagline_ja = models.TextField(_("#MyRace is (Japanese)"), blank=True)
    tagline_en = models.TextField(_("#MyRace is (English)"), blank=True)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        ordering = ["campaign", "km", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=StoryState.values), name="story_state_known"
            ),
            models.UniqueConstraint(
                fields=["campaign", "km"],
                condition=Q(state="published"),
                name="story_one_published_per_km_mark",
            ),
            models.CheckConstraint(
                condition=Q(km__isnull=True) | Q(km__in=KM_MARKS), name="story_km_is_a_mark"
            ),
            models.CheckConstraint(
                condition=~Q(state="published")
                | Q(km__isnull=False, live_revision__isnull=False, published_at__isnull=False),
                name="story_published_has_mark_and_revision",
            ),
            models.CheckConstraint(
                condition=~Q(resonated_with=F("pk")), name="story_not_resonating_with_itself"
            ),
        ]

    def __str__(self) -> str:
        return self.title_en or self.title_ja or self.slug

    def __getattr__(self, name: str):
        # ``story.title`` → the active language's title (templates read it so).
        if name in TEXT_FIELDS:
            return self.localized(name)
        raise AttributeError(name)

    @property
    def is_published(self) -> bool:
        return self.state == StoryState.PUBLISHED

    @property
    def km_label(self) -> str:
        return km_label(self.km) if self.km is not None else ""

    @property
    def is_finish(self) -> bool:
        return self.km is not None and self.km == KM_MARKS[-1]

    @property
    def has_unpublished_changes(self) -> bool:
        return self.latest_revision_id is not None and (
            self.latest_revision_id != self.live_revision_id
        )

    def text(self, field: str) -> str:
        """The text ``field`` in the active language, or the other one if it is empty."""
        return self.localized(field)


class StoryRevision(models.Model):
    """An immutable snapshot of a story as an editor saved it.

    ``content`` holds every text in both languages, the km mark (as its label),
    the byline, the id of the story it resonated with and the chosen photos
    (``[{"photo": id, "alt_ja", "alt_en", "focal_x", "focal_y"}]``). Restoring
    an old revision writes a new one with its content.
    """

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    #: The content keys that differ from the revision before (for the history).
    changed = models.JSONField(default=list, blank=True)
    restored_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("story revision")
        verbose_name_plural = _("story revisions")
        ordering = ["story", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["story", "number"], name="story_revision_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.story_id} r{self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A story revision is never changed; save a new one instead.")
        super().save(*args, **kwargs)

    @property
    def km(self) -> Decimal | None:
        value = self.content.get("km")
        return Decimal(value) if value not in (None, "") else None


class PublicationAction(models.TextChoices):
    PUBLISH = "publish", _("Published")
    UNPUBLISH = "unpublish", _("Unpublished")
    WITHDRAWN = "withdrawn", _("Taken down: the entrant withdrew")


class Publication(models.Model):
    """One publish, unpublish or take-down of a story: the history's public events."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="publications")
    action = models.CharField(max_length=10, choices=PublicationAction.choices)
    revision = models.ForeignKey(
        StoryRevision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("publication event")
        verbose_name_plural = _("publication events")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=PublicationAction.values), name="publication_action_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.story_id}"


class StoryPhoto(BilingualMixin, models.Model):
    """A photo of the published story: renditions copied to the public storage.

    Made from the entry photo's metadata-free full-size copy, re-encoded again
    at publication, cropped around the editor's focal point for the wide
    picture; no original and no metadata ever reaches the public storage.
    """

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="photos")
    #: The entry photo it was made from, for the editors. No database constraint and
    #: no action on delete: deleting an unsent upload stays one conditional statement
    #: (housekeeping's race guard), and the published copy stands on its own.
    source = models.ForeignKey(
        Photo,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    position = models.PositiveSmallIntegerField(default=0)
    alt_ja = models.CharField(_("alt text (Japanese)"), max_length=300)
    alt_en = models.CharField(_("alt text (English)"), max_length=300)
    focal_x = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.5"))
    focal_y = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.5"))
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    #: {"480": {"webp": path, "jpeg": path, "width": 480, "height": 320}, "wide": {…}}
    renditions = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("story photo")
        verbose_name_plural = _("story photos")
        ordering = ["story", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="story_photo_focal_point_inside",
            ),
            models.CheckConstraint(
                condition=~Q(alt_ja="") & ~Q(alt_en=""), name="story_photo_has_alt_text"
            ),
        ]

    def __str__(self) -> str:
        return f"photo {self.position} of {self.story_id}"

    @property
    def alt(self) -> str:
        return self.localized("alt")

    def paths(self) -> list[str]:
        return [
            path
            for rendition in self.renditions.values()
            for key, path in rendition.items()
            if key in ("webp", "jpeg")
        ]
