"""Every read of the relay's public pages, with small and fixed query counts.

Public pages read only what :class:`~tasuki.relay.models.Story` publishes (its
live columns, its public photos) and never an entry or anything personal.

Functions:

``relay_for(campaign) -> Relay``
    The stories the landing and course pages show: the campaign's own
    published stories along the course or, while it has none, those of the
    latest earlier run of its series that has some ("from last year's relay").

``story_page(campaign_slug, story_slug) -> dict``
    The public story page's template context (404 if there is no such
    published story in that campaign).

``story_at_km(campaign, km) -> Story | None``
    The story the course page shows at a km mark (the address ``km/12/``).

``chains(campaign) -> Connections``
    The connection graph of the campaign and the earlier runs of its series,
    and its chains as ordered lists.

``preview_context(story, revision, photo_url) -> dict``
    The SAME template context as :func:`story_page` builds, for a revision
    that is not (or not yet) what the public sees, so the editor's preview is
    exactly the public page. ``photo_url(photo, width, fmt)`` turns an
    entry's private :class:`~tasuki.entries.models.Photo`, one of its
    rendition widths (an int) and a format (``"webp"`` or ``"jpeg"``) into a
    URL the editor may fetch. Render it with ``relay/story.html``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tasuki.campaigns.models import KM_MARKS, Campaign, Course
from tasuki.relay.models import TEXT_FIELDS, Story, StoryPhoto, StoryState, public_storage

#: How many of the latest stories the landing page shows as cards.
LATEST_ON_LANDING = 6


def questions() -> list[tuple[str, str]]:
    """The relay's five questions as the story page asks them (its headings), in
    the active language, each with the story text that answers it."""
    return [
        ("resonated", _("Which relay story resonated with you most?")),
        ("appeal", _("What is the race's biggest appeal to you?")),
        ("episode", _("Tell us about a moment connected with the race that moved you.")),
        ("wishes", _("The race turns 20 in 2027. What do you wish for it?")),
        ("tagline", _("#MyRace is …?")),
    ]


# --- texts in one language or the other ----------------------------------------------------


def _page_lang() -> str:
    return (get_language() or "ja")[:2]


@dataclass(frozen=True)
class LocalText:
    """A text and the language it is written in: the page's, or the other one when
    the page's is empty (templates then mark it with ``lang``)."""

    text: str
    lang: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    @property
    def foreign(self) -> bool:
        return self.lang != _page_lang()


def local_text(obj, name: str) -> LocalText:
    """``obj``'s ``name_ja``/``name_en`` in the page's language, or the other one."""
    lang = _page_lang()
    other = "en" if lang == "ja" else "ja"
    mine = getattr(obj, f"{name}_{lang}", "") or ""
    if mine:
        return LocalText(mine, lang)
    return LocalText(getattr(obj, f"{name}_{other}", "") or "", other)


# --- pictures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    """What a ``<picture>`` needs: WebP and JPEG srcsets, a fallback, its size and alt text."""

    alt: LocalText
    src: str
    width: int
    height: int
    webp_srcset: str
    jpeg_srcset: str
    #: CSS object-position: the editor's focal point (the crop shown where none was made).
    position: str = "50% 50%"


UrlFor = Callable[[str, str], str]  # (rendition key, format) -> URL


def _picture(
    renditions: dict, url: UrlFor, alt: LocalText, *, position: str = "50% 50%"
) -> Picture | None:
    """A picture from numbered renditions ({"480": {"webp", "jpeg", "width", "height"}})."""
    keys = sorted((k for k in renditions if k.isdigit()), key=int)
    if not keys:
        return None

    def srcset(fmt: str) -> str:
        return ", ".join(
            f"{url(k, fmt)} {renditions[k]['width']}w" for k in keys if renditions[k].get(fmt)
        )

    fallback = max((k for k in keys if int(k) <= 960), key=int, default=keys[0])
    chosen = renditions[fallback]
    return Picture(
        alt=alt,
        src=url(fallback, "jpeg"),
        width=int(chosen["width"]),
        height=int(chosen["height"]),
        webp_srcset=srcset("webp"),
        jpeg_srcset=srcset("jpeg"),
        position=position,
    )


def _wide(renditions: dict, url: UrlFor, alt: LocalText, *, position: str) -> Picture | None:
    """The wide picture at the top of a story: its own 16:9 crop when published,
    else (a preview) the largest rendition shown 16:9 around the focal point."""
    wide = renditions.get("wide")
    if wide:
        return Picture(
            alt=alt,
            src=url("wide", "jpeg"),
            width=int(wide["width"]),
            height=int(wide["height"]),
            webp_srcset=f"{url('wide', 'webp')} {wide['width']}w",
            jpeg_srcset=f"{url('wide', 'jpeg')} {wide['width']}w",
            position=position,
        )
    picture = _picture(renditions, url, alt, position=position)
    if picture is None:
        return None
    width = max(int(r["width"]) for k, r in renditions.items() if k.isdigit())
    return Picture(
        alt=alt,
        src=picture.src,
        width=width,
        height=round(width * 9 / 16),
        webp_srcset=picture.webp_srcset,
        jpeg_srcset=picture.jpeg_srcset,
        position=position,
    )


def _position(focal_x, focal_y) -> str:
    return f"{float(focal_x) * 100:.1f}% {float(focal_y) * 100:.1f}%"


def published_pictures(photos: Iterable[StoryPhoto]) -> tuple[Picture | None, list[Picture]]:
    """The wide picture and the story's pictures from its published photos."""
    storage = public_storage()
    wide, pictures = None, []
    for index, photo in enumerate(photos):
        renditions = photo.renditions or {}

        def url(key: str, fmt: str, renditions=renditions) -> str:
            return storage.url(renditions[key][fmt])

        alt = local_text(photo, "alt")
        position = _position(photo.focal_x, photo.focal_y)
        if index == 0:
            wide = _wide(renditions, url, alt, position=position)
        picture = _picture(renditions, url, alt, position=position)
        if picture is not None:
            pictures.append(picture)
    return wide, pictures


def card_picture(story: Story) -> Picture | None:
    """The small picture of a story's card (its first photo), if it has one."""
    photos = list(story.photos.all())
    if not photos:
        return None
    _wide_picture, pictures = published_pictures(photos[:1])
    return pictures[0] if pictures else None


# --- the relay along the course -----------------------------------------------------------


@dataclass
class Relay:
    """The stories a campaign's pages show, and whose they are."""

    campaign: Campaign
    #: The campaign the stories belong to: ``campaign`` or an earlier run of its series.
    source: Campaign
    #: Published stories ordered by km mark.
    stories: list[Story]
    #: The course the map draws (the source campaign's, else the campaign's own).
    course: Course | None = None

    @property
    def from_earlier_run(self) -> bool:
        return self.source.pk != self.campaign.pk and bool(self.stories)

    @property
    def latest(self) -> list[Story]:
        """The most recently published first."""
        return sorted(
            self.stories,
            key=lambda s: (s.first_published_at or dt.datetime.min.replace(tzinfo=dt.UTC), s.pk),
            reverse=True,
        )[:LATEST_ON_LANDING]

    @property
    def count(self) -> int:
        return len(self.stories)

    @property
    def cards(self) -> list[dict]:
        """The latest stories with the picture of each card (from prefetched photos)."""
        return [{"story": story, "picture": card_picture(story)} for story in self.latest]


def _published_along(campaign: Campaign, *, with_photos: bool):
    stories = Story.objects.published().filter(campaign=campaign).along_course()
    if with_photos:
        stories = stories.prefetch_related(
            Prefetch("photos", queryset=StoryPhoto.objects.order_by("position", "pk"))
        )
    return stories


def earlier_run_with_stories(campaign: Campaign) -> Campaign | None:
    """The latest earlier run of ``campaign``'s series that has published stories."""
    if campaign.series_id is None or campaign.run_number is None:
        return None
    return (
        Campaign.objects.filter(
            series_id=campaign.series_id,
            run_number__lt=campaign.run_number,
            stories__state=StoryState.PUBLISHED,
        )
        .order_by("-run_number")
        .first()
    )


def _course_of(*campaigns: Campaign) -> Course | None:
    ids = [c.pk for c in campaigns]
    courses = {
        c.campaign_id: c
        for c in Course.objects.filter(campaign_id__in=ids).prefetch_related("landmarks")
    }
    return next((courses[i] for i in ids if i in courses), None)


def relay_for(campaign: Campaign, *, with_photos: bool = True, with_course: bool = True) -> Relay:
    """The published stories ``campaign``'s landing and course pages show, ordered by km.

    While the campaign has none of its own, those of the latest earlier run of
    its series that has some (the page then says whose they are). The map draws
    the course of the campaign the stories belong to.
    """
    stories = list(_published_along(campaign, with_photos=with_photos))
    source = campaign
    if not stories:
        earlier = earlier_run_with_stories(campaign)
        if earlier is not None:
            source = earlier
            stories = list(_published_along(earlier, with_photos=with_photos))
    for story in stories:
        story.campaign = source  # every story's address names it: no query each
    course = _course_of(source, campaign) if with_course else None
    return Relay(campaign=campaign, source=source, stories=stories, course=course)


def parse_km_mark(text: str) -> Decimal | None:
    """A km mark from an address: "0".."42", "42.195" or "finish"; None if it is none."""
    text = (text or "").strip().lower()
    if text == "finish":
        return KM_MARKS[-1]
    if not text or len(text) > 6 or not all(ch.isdigit() or ch == "." for ch in text):
        return None
    try:
        km = Decimal(text)
    except ArithmeticError:
        return None
    return next((mark for mark in KM_MARKS if mark == km), None)


def story_at_km(campaign: Campaign, km: Decimal) -> Story | None:
    """The published story the campaign's course page shows at ``km`` (its own, or
    last year's while it has none)."""
    own = Story.objects.published().filter(campaign=campaign, km=km).select_related("campaign")
    story = own.first()
    if story is not None:
        return story
    if Story.objects.published().filter(campaign=campaign).exists():
        return None
    earlier = earlier_run_with_stories(campaign)
    if earlier is None:
        return None
    return (
        Story.objects.published().filter(campaign=earlier, km=km).select_related("campaign").first()
    )


# --- one story ---------------------------------------------------------------------------------


def _neighbour(story: Story, *, before: bool) -> Story | None:
    if story.km is None or story.campaign_id is None:
        return None
    stories = Story.objects.published().filter(campaign_id=story.campaign_id).only(*_CARD_FIELDS)
    if story.pk is not None:
        stories = stories.exclude(pk=story.pk)
    if before:
        found = stories.filter(km__lt=story.km).order_by("-km", "-pk").first()
    else:
        found = stories.filter(km__gt=story.km).order_by("km", "pk").first()
    if found is not None:
        found.campaign = story.campaign  # the same campaign: no query for its address
    return found


#: The columns a link to a story needs (km, title, byline, address).
_CARD_FIELDS = (
    "slug",
    "km",
    "pen_name",
    "role",
    "title_ja",
    "title_en",
    "campaign_id",
    "state",
)


def _inspired(story: Story) -> list[Story]:
    if story.pk is None:
        return []
    return list(
        Story.objects.published()
        .filter(resonated_with_id=story.pk)
        .select_related("campaign")
        .order_by("campaign__run_number", "km", "pk")
    )


def _answers(story: Story) -> list[dict]:
    answers = []
    for key, question in questions():
        text = local_text(story, key)
        if text:
            answers.append({"key": key, "question": question, "text": text})
    return answers


def story_context(
    story: Story,
    *,
    wide: Picture | None,
    pictures: list[Picture],
    inspired_by: Story | None,
    previous: Story | None,
    following: Story | None,
    inspired: list[Story],
    preview: bool = False,
) -> dict:
    """The story page's template context (shared by the public page and the preview)."""
    texts = {name: local_text(story, name) for name in TEXT_FIELDS}
    return {
        "campaign": story.campaign,
        "story": story,
        "texts": texts,
        "answers": _answers(story),
        "wide": wide,
        "pictures": pictures[1:] if wide is not None else pictures,
        "inspired_by": inspired_by,
        "previous": previous,
        "next": following,
        "inspired": inspired,
        "is_preview": preview,
        "meta_title": texts["title"].text,
        "meta_description": texts["lead"].text,
        "meta_image": "",
        "meta_type": "article",
    }


def story_page(campaign_slug: str, story_slug: str) -> dict:
    """The context of a published story's page, or :class:`Http404`.

    Six queries whatever the size of the relay: the story with its campaign, the
    campaign's periods, the photos, the runners before and after, and the
    stories it inspired.
    """
    story = (
        Story.objects.published()
        .filter(campaign__slug=campaign_slug, slug=story_slug)
        .select_related("campaign", "campaign__series", "resonated_with__campaign")
        .prefetch_related(
            "campaign__periods",
            Prefetch("photos", queryset=StoryPhoto.objects.order_by("position", "pk")),
        )
        .first()
    )
    if story is None:
        raise Http404
    wide, pictures = published_pictures(story.photos.all())
    target = story.resonated_with
    return story_context(
        story,
        wide=wide,
        pictures=pictures,
        inspired_by=target if target is not None and target.is_published else None,
        previous=_neighbour(story, before=True),
        following=_neighbour(story, before=False),
        inspired=_inspired(story),
    )


def preview_context(story: Story, revision, photo_url: Callable) -> dict:
    """The public story page's context for ``revision`` of ``story``, unsaved.

    ``photo_url(photo, width, fmt)`` gives the URL of a private rendition of an
    entry photo (``width`` one of its rendition widths, ``fmt`` "webp" or "jpeg").
    Nothing is written: the story shown is an unsaved :class:`Story` holding the
    revision's texts, km mark, byline and link.
    """
    from tasuki.entries.models import Photo
    from tasuki.relay.services import parse_km, text_keys

    content = revision.content
    shown = Story(
        campaign=story.campaign,
        slug=story.slug,
        state=StoryState.PUBLISHED,
        km=parse_km(content.get("km")),
        pen_name=content.get("pen_name") or "",
        role=content.get("role") or "",
        resonated_with_id=content.get("resonated_with"),
        first_published_at=story.first_published_at,
        published_at=story.published_at,
        **{key: content.get(key) or "" for key in text_keys()},
    )
    shown.pk = story.pk  # for the stories it inspired; never saved
    items = content.get("photos") or []
    sources = Photo.objects.in_bulk([int(item["photo"]) for item in items])
    wide, pictures = None, []
    for index, item in enumerate(items):
        photo = sources.get(int(item["photo"]))
        if photo is None or not photo.renditions:
            continue

        def url(key: str, fmt: str, photo=photo) -> str:
            return photo_url(photo, int(key), fmt)

        alt = local_text(_Alt(item), "alt")
        position = _position(item.get("focal_x", 0.5), item.get("focal_y", 0.5))
        renditions = {k: v for k, v in photo.renditions.items() if k.isdigit()}
        if index == 0 or wide is None:
            wide = _wide(renditions, url, alt, position=position)
        picture = _picture(renditions, url, alt, position=position)
        if picture is not None:
            pictures.append(picture)
    target = None
    if shown.resonated_with_id:
        target = (
            Story.objects.published()
            .select_related("campaign")
            .filter(pk=shown.resonated_with_id)
            .first()
        )
    shown.resonated_with = target
    return story_context(
        shown,
        wide=wide,
        pictures=pictures,
        inspired_by=target,
        previous=_neighbour(shown, before=True),
        following=_neighbour(shown, before=False),
        inspired=_inspired(shown),
        preview=True,
    )


@dataclass(frozen=True)
class _Alt:
    item: dict

    @property
    def alt_ja(self) -> str:
        return self.item.get("alt_ja") or ""

    @property
    def alt_en(self) -> str:
        return self.item.get("alt_en") or ""


# --- the connections ----------------------------------------------------------------------------


@dataclass
class Connections:
    """Who inspired whom: published stories of a campaign and its earlier runs."""

    campaign: Campaign
    #: Ordered by run, then km.
    nodes: list[Story]
    #: (the story that moved its author, the story that names it)
    edges: list[tuple[Story, Story]]
    #: Every path from a story that names none to one nobody names yet, in reading order.
    chains: list[list[Story]]
    #: The campaigns the nodes belong to, earliest run first.
    runs: list[Campaign] = field(default_factory=list)


def _relay_scope(campaign: Campaign) -> Q:
    if campaign.series_id is None or campaign.run_number is None:
        return Q(campaign=campaign)
    return Q(campaign=campaign) | Q(
        campaign__series_id=campaign.series_id, campaign__run_number__lt=campaign.run_number
    )


def chains(campaign: Campaign) -> Connections:
    """The connection graph of ``campaign`` and the earlier runs of its series.

    Nodes are their published stories; an edge goes from the story that moved
    an author to the story that names it. The graph has no cycles (the
    services refuse them), so its chains are the paths from each story that
    names none to each story that nobody names, read in that order. One query.
    """
    nodes = list(
        Story.objects.published()
        .filter(_relay_scope(campaign))
        .select_related("campaign")
        .order_by("campaign__run_number", "km", "pk")
    )
    by_pk = {story.pk: story for story in nodes}
    children: dict[int, list[Story]] = {}
    edges: list[tuple[Story, Story]] = []
    for story in nodes:
        target = by_pk.get(story.resonated_with_id)
        if target is not None:
            edges.append((target, story))
            children.setdefault(target.pk, []).append(story)
    found: list[list[Story]] = []
    for root in nodes:
        if root.resonated_with_id in by_pk or root.pk not in children:
            continue
        stack: list[tuple[Story, list[Story]]] = [(root, [root])]
        while stack:
            node, path = stack.pop()
            below = children.get(node.pk, [])
            if not below:
                found.append(path)
                continue
            for child in reversed(below):
                if child in path:  # never, but a broken row must not loop for ever
                    continue
                stack.append((child, [*path, child]))
    runs = list({story.campaign_id: story.campaign for story in nodes}.values())
    return Connections(campaign=campaign, nodes=nodes, edges=edges, chains=found, runs=runs)
