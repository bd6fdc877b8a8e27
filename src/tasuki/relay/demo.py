"""The demo relay that `make run` shows: last year's campaign with its published stories.

A newcomer should meet a living relay at once, so the demo's series has two
runs: last year's campaign, closed, whose stories are published along the
course, and this year's (``campaigns.demo``), collecting entries, whose pages
show last year's stories until its own are published.

Every story is made the way the product makes one, through the services: the
entry as its author sent it (``entries.services.create_entry``), a review that
features it (``review.services.decide``), then the editor's draft and
publication (``relay.services``). Only the dates are set afterwards, so that
last year's relay reads as last year's.

Loading is idempotent: each story's entry has a fixed submission key derived
from its km mark, and a story already published is left as it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from tasuki.campaigns.demo import (
    LAST_YEAR_SLUG,
    load_demo_campaign,
    load_demo_series,
    load_last_year_campaign,
)
from tasuki.campaigns.models import Campaign, EntryPeriod
from tasuki.core.timefmt import JST
from tasuki.entries import services as entry_services
from tasuki.entries.demo import entry_key
from tasuki.entries.demo_photos import make_demo_photo
from tasuki.entries.models import Entry, EntryStatus, PhotoStatus
from tasuki.relay import services
from tasuki.relay.models import Publication, Story, StoryRevision, StoryState
from tasuki.review import services as review_services
from tasuki.review.models import Decision
from tasuki.review.states import DecisionKind
from tasuki.staff import roles as staff_roles
from tasuki.staff import services as staff_services

STORIES_FILE = Path(__file__).parent / "demo" / "stories.json"
EDITOR_USERNAME = "demo-editor"
_NAMESPACE = uuid.UUID("9d3c2a4e-6f0b-4c55-8e1a-2025a0e1a1a5")
#: Photos of last year's stories are painted from seeds of their own, so that no
#: demo entry of this year shares a picture with them (the same-photo check).
_PHOTO_SEED = 50_000
#: Below the widest web rendition (1600 px): publishing then encodes two sizes,
#: not three, and the whole relay loads in seconds rather than a minute.
_PHOTO_SIZE = (1200, 900)


def demo_stories() -> dict:
    return json.loads(STORIES_FILE.read_text(encoding="utf-8"))


def story_key(km: str) -> uuid.UUID:
    """The fixed submission key of the demo entry behind the story at ``km``."""
    return uuid.uuid5(_NAMESPACE, f"{LAST_YEAR_SLUG}:km:{km}")


# --- the series and its two campaigns ----------------------------------------------------


def load_demo_campaigns() -> tuple[Campaign, Campaign]:
    """The demo series with last year's campaign (run 1) and this year's (run 2).

    Returns ``(last_year, this_year)``; neither gets entries or stories here.
    """
    data = demo_stories()
    series = load_demo_series(**{k: data["series"][k] for k in ("name_ja", "name_en")})
    last_year = load_last_year_campaign(series, texts=data["campaign"])
    this_year = load_demo_campaign(series=series)
    return last_year, this_year


# --- the authors: invented people, never shown ------------------------------------------

# Names only staff with the right to personal data ever see. They are made up;
# each is picked from the pen name, so the same pen name is the same person.
_JA_FAMILY = [
    ("佐々木", "sasaki"),
    ("高橋", "takahashi"),
    ("渡辺", "watanabe"),
    ("中島", "nakajima"),
    ("小野", "ono"),
    ("石井", "ishii"),
    ("藤田", "fujita"),
    ("岡本", "okamoto"),
    ("松尾", "matsuo"),
    ("村上", "murakami"),
    ("西田", "nishida"),
    ("福島", "fukushima"),
    ("大塚", "otsuka"),
    ("杉山", "sugiyama"),
    ("野口", "noguchi"),
    ("川端", "kawabata"),
]
_JA_GIVEN = [
    ("美咲", "misaki"),
    ("大輔", "daisuke"),
    ("陽子", "yoko"),
    ("健一", "kenichi"),
    ("由美", "yumi"),
    ("拓也", "takuya"),
    ("恵子", "keiko"),
    ("翔太", "shota"),
    ("真理子", "mariko"),
    ("和夫", "kazuo"),
    ("彩花", "ayaka"),
    ("誠", "makoto"),
    ("千尋", "chihiro"),
    ("浩二", "koji"),
]
_EN_FAMILY = {
    "KR": ["Park", "Choi", "Jung", "Kang", "Yoon"],
    "TW": ["Lin", "Huang", "Tsai", "Hsu", "Cheng"],
    "HK": ["Chan", "Leung", "Wong", "Ng", "Lau"],
    "CN": ["Zhang", "Wang", "Zhao", "Sun", "Zhou"],
    "": ["Harper", "Collins", "Reid", "Fletcher", "Barnes", "Sutton", "Doyle", "Marsh"],
}
_EN_GIVEN = {
    "KR": ["Jiwoo", "Minseo", "Hyunwoo", "Soyeon", "Taeyang"],
    "TW": ["Yuting", "Chihao", "Peiling", "Weijie", "Hsinyi"],
    "HK": ["Ka Man", "Wing Yee", "Chun Kit", "Hoi Ling", "Siu Ming"],
    "CN": ["Xiaoyu", "Haoran", "Jingyi", "Zihan", "Yifan"],
    "": ["Olivia", "Daniel", "Grace", "Samuel", "Hannah", "Lucas", "Isla", "Oscar", "Ruby"],
}
_DOMAINS = ("example.com", "example.org", "example.net")


@dataclass(frozen=True)
class Author:
    real_name: str
    email: str
    instagram: str


def _pick(options: list, seed: bytes, salt: str):
    number = int.from_bytes(hashlib.sha256(seed + salt.encode()).digest()[:4], "big")
    return options[number % len(options)]


def invent_authors(items: list[dict]) -> dict[str, Author]:
    """A made-up name and example address per pen name, the same on every load.

    Names whose family name appears in any story text are passed over, so that
    no published word could be read as an author's real name.
    """
    texts = " ".join(
        str(value) for item in items for part in ("entry", "story") for value in item[part].values()
    ).casefold()
    authors: dict[str, Author] = {}
    taken: set[str] = set()
    for item in items:
        pen = item["pen_name"]
        if pen in authors:
            continue
        for attempt in range(100):
            seed = f"{pen}:{attempt}".encode()
            if item["language"] == "ja":
                (family, family_latin) = _pick(_JA_FAMILY, seed, "family")
                (given, given_latin) = _pick(_JA_GIVEN, seed, "given")
                real_name = f"{family} {given}"
                words = (family, family_latin)
            else:
                region = item["country"] if item["country"] in _EN_FAMILY else ""
                family_latin = family = _pick(_EN_FAMILY[region], seed, "family")
                given_latin = _pick(_EN_GIVEN[region], seed, "given")
                real_name = f"{family} {given_latin}" if region else f"{given_latin} {family}"
                words = (family,)
            local = f"{given_latin}.{family_latin}".casefold().replace(" ", "")
            if local in taken or any(word.casefold() in texts for word in words):
                continue
            taken.add(local)
            authors[pen] = Author(
                real_name=real_name,
                email=f"{local}@{_pick(list(_DOMAINS), seed, 'domain')}",
                instagram=f"@{given_latin[:12]}_{family_latin[:12]}".casefold().replace(" ", ""),
            )
            break
        else:  # pragma: no cover - the lists are long enough for the demo
            raise RuntimeError(f"No invented name left for the demo author {pen!r}")
    return authors


# --- last year's calendar ---------------------------------------------------------------


@dataclass(frozen=True)
class Dates:
    submitted: dt.datetime
    started: dt.datetime
    published: dt.datetime


def schedule(items: list[dict], periods: dict[int, EntryPeriod]) -> list[Dates]:
    """When each story's entry arrived and when its story went up, in publication order.

    Entries of a period arrive spread over it. The stories before the first one
    that names another opened the relay together on its launch day; every
    later entry that names a story arrived after that story was published (its
    author had read it), and its own story went up a few days after it arrived,
    during office hours in Japan, never before the one published just before it.
    """
    per_period: dict[int, list[int]] = {}
    for index, item in enumerate(items):
        per_period.setdefault(item["period"], []).append(index)

    def spread(index: int, item: dict) -> dt.datetime:
        period = periods[item["period"]]
        siblings = per_period[item["period"]]
        span = period.closes_at - period.opens_at - dt.timedelta(days=2)
        return (
            period.opens_at
            + dt.timedelta(days=1, hours=9 + index % 9)
            + span * siblings.index(index) / max(1, len(siblings))
        )

    launch = next((i for i, item in enumerate(items) if item.get("resonated_with")), len(items))
    launch_day = (
        _office_hours(max(spread(i, items[i]) for i in range(launch)) + dt.timedelta(days=2))
        if launch
        else None
    )
    published: dict[str, dt.datetime] = {}
    out: list[Dates] = []
    last = None
    for index, item in enumerate(items):
        period = periods[item["period"]]
        arrived = spread(index, item)
        target = item.get("resonated_with")
        if target and target in published:
            arrived = max(arrived, published[target] + dt.timedelta(hours=20))
        arrived = min(arrived, period.closes_at - dt.timedelta(hours=3))
        if index < launch:
            going_up = launch_day + dt.timedelta(minutes=5 * index)
        else:
            going_up = _office_hours(
                max(arrived + dt.timedelta(days=3), last + dt.timedelta(hours=5))
            )
        published[item["km"]] = last = going_up
        out.append(
            Dates(submitted=arrived, started=arrived + dt.timedelta(days=1), published=going_up)
        )
    return out


def _office_hours(at: dt.datetime) -> dt.datetime:
    """``at``, or the next whole hour from 10:00 to 18:00 in Japan after it."""
    local = at.astimezone(JST)
    hour = local.replace(minute=0, second=0, microsecond=0)
    if hour < local:
        hour += dt.timedelta(hours=1)
    if hour.hour < 10:
        hour = hour.replace(hour=10)
    elif hour.hour > 18:
        hour = (hour + dt.timedelta(days=1)).replace(hour=10)
    return hour


# --- the relay ---------------------------------------------------------------------------


def demo_editor():
    """The staff account the demo's stories are edited and published by.

    It has the editor role and no usable password; its enrolment link is not
    shown (``demo_staff`` prints the one for the demo campaign manager).
    """
    user = get_user_model().objects.filter(username=EDITOR_USERNAME).first()
    if user is None:
        user, _token = staff_services.create_staff_account(
            actor=None,
            username=EDITOR_USERNAME,
            email="demo-editor@example.invalid",
            roles=[staff_roles.EDITOR],
        )
    return user


@dataclass
class RelayLoad:
    campaign: Campaign
    made: int
    published: int


def load_demo_relay(*, photos: bool = True, first: int | None = None) -> RelayLoad:
    """Publish last year's demo stories that are not published yet.

    ``first`` loads only that many stories from the start of the file (a test
    that needs photos but not the whole relay). Returns the campaign, how many
    stories this call published, and how many are published in all.
    """
    data = demo_stories()
    items = data["stories"]
    campaign = Campaign.objects.filter(slug=LAST_YEAR_SLUG).first()
    if campaign is None:
        campaign, _this_year = load_demo_campaigns()
    periods = {p.number: p for p in campaign.periods.all()}
    authors = invent_authors(items)
    dates = schedule(items, periods)
    editor = demo_editor()
    review_services.install_defaults(campaign)
    by_km: dict[str, Story] = {}
    made = 0
    for index, (item, when) in enumerate(zip(items[:first], dates, strict=False)):
        story, new = _load_story(
            campaign,
            item,
            index=index,
            when=when,
            author=authors[item["pen_name"]],
            editor=editor,
            by_km=by_km,
            photos=photos,
        )
        if story is not None:
            by_km[item["km"]] = story
        made += new
    total = Story.objects.published().filter(campaign=campaign).count()
    return RelayLoad(campaign=campaign, made=made, published=total)


def _load_story(
    campaign: Campaign,
    item: dict,
    *,
    index: int,
    when: Dates,
    author: Author,
    editor,
    by_km: dict[str, Story],
    photos: bool,
) -> tuple[Story | None, bool]:
    """The story at ``item``'s km mark, published; returns it (or None) and whether
    this call published it.

    A story someone took down in the back office (unpublished, or its entry
    withdrawn) is left down: loading the demo again never overrides staff.
    """
    key = story_key(item["km"])
    entry = Entry.objects.filter(submission_key=key).first()
    if entry is None:
        entry = _send_entry(
            campaign,
            item,
            key=key,
            index=index,
            when=when,
            author=author,
            by_km=by_km,
            photos=photos,
        )
    story = Story.objects.filter(entry=entry).first()
    if story is not None and story.state != StoryState.DRAFT:
        return (story if story.state == StoryState.PUBLISHED else None), False
    if entry.status == EntryStatus.WITHDRAWN:
        return None, False
    review = review_services.review_for(entry)
    if not review.featured:
        review_services.decide(entry, by=editor, kind=DecisionKind.FEATURE, version=review.version)
    story = services.start_story(entry, by=editor)
    story.refresh_from_db()
    content = _edited_content(story, item, by_km=by_km)
    services.save_draft(story, content, by=editor, base=story.latest_revision.number)
    # The demo's authors are invented: nobody is mailed about their stories.
    story = services.publish(story, by=editor, notify=False)
    _backdate(story, when)
    return story, True


def _send_entry(
    campaign: Campaign,
    item: dict,
    *,
    key: uuid.UUID,
    index: int,
    when: Dates,
    author: Author,
    by_km: dict[str, Story],
    photos: bool,
) -> Entry:
    """The entry as its author sent it, with photos painted for the demo."""
    sent = item["entry"]
    tokens = []
    if photos:
        for n in range(len(item.get("photos", []))):
            picture = make_demo_photo(
                _PHOTO_SEED + index * 10 + n, width=_PHOTO_SIZE[0], height=_PHOTO_SIZE[1]
            )
            photo = entry_services.store_photo(
                submission_key=key, file=io.BytesIO(picture), size=len(picture), enqueue=False
            )
            entry_services.process_photo(photo.pk)
            tokens.append(photo.token)
    period = campaign.periods.get(number=item["period"])
    with transaction.atomic():
        entry = entry_services.create_entry(
            campaign=campaign,
            period=period,
            data={
                "submission_key": key,
                "language": item["language"],
                "title": sent["title"],
                "pen_name": item["pen_name"],
                "role": item["role"],
                "country": item["country"],
                "resonated_story": sent.get("resonated_story") or "",
                "resonated_km": (
                    Decimal(str(sent["resonated_km"])) if sent.get("resonated_km") else None
                ),
                "appeal": sent["appeal"],
                "episode": sent["episode"],
                "wishes": sent["wishes"],
                "tagline": sent["tagline"],
                "age_group": "adult",
                "real_name": author.real_name,
                "email": author.email,
                "instagram_handle": author.instagram,
                "x_handle": "",
            },
            photo_tokens=tokens,
            at=when.submitted,
        )
        changes = {"email_verified_at": when.submitted + dt.timedelta(minutes=6)}
        # The entrant picked the story from the relay in the form's first question:
        # only possible for a story that was already published when they sent it.
        target = by_km.get(item.get("resonated_with") or "")
        if target is not None and target.first_published_at <= when.submitted:
            changes["resonated_with"] = target
        Entry.objects.filter(pk=entry.pk).update(**changes)
    entry.refresh_from_db()
    return entry


def _edited_content(story: Story, item: dict, *, by_km: dict[str, Story]) -> dict:
    """The editor's version: both languages, the km mark, the link and the photos."""
    content = dict(story.latest_revision.content)
    content.update({key: item["story"].get(key, "") for key in services.text_keys()})
    target = by_km.get(item.get("resonated_with") or "")
    chosen = list(story.entry.photos.filter(status=PhotoStatus.READY).order_by("position", "pk"))
    content.update(
        {
            "km": item["km"],
            "pen_name": item["pen_name"],
            "role": item["role"],
            "resonated_with": target.pk if target is not None else None,
            "photos": [
                {
                    "photo": photo.pk,
                    "alt_ja": meta["alt_ja"],
                    "alt_en": meta["alt_en"],
                    "focal_x": str(meta.get("focal_x", "0.5")),
                    "focal_y": str(meta.get("focal_y", "0.5")),
                }
                for photo, meta in zip(chosen, item.get("photos", []), strict=False)
            ],
        }
    )
    return content


def _backdate(story: Story, when: Dates) -> None:
    """Give last year's story last year's dates.

    ``publish`` stamps the present moment, which is right for every real story;
    a demo of last year's relay would otherwise show stories "published today"
    in a campaign that closed a year ago. The rows are updated directly because
    no service should ever let anyone rewrite when something happened.
    """
    with transaction.atomic():
        Story.objects.filter(pk=story.pk).update(
            first_published_at=when.published, published_at=when.published
        )
        Publication.objects.filter(story=story).update(at=when.published)
        Decision.objects.filter(review__entry_id=story.entry_id).update(
            at=when.started - dt.timedelta(hours=3)
        )
        revisions = list(StoryRevision.objects.filter(story=story).order_by("number"))
        for revision, at in zip(
            revisions,
            [when.started, when.published - dt.timedelta(hours=2)],
            strict=False,
        ):
            StoryRevision.objects.filter(pk=revision.pk).update(created_at=at)
    story.first_published_at = story.published_at = when.published


# --- this year's entries that name a story of last year's relay -------------------------


#: This year's demo entries (their place in ``entries/demo/entries.json``) whose
#: first answer names a story of last year's relay: one of the six stories of its
#: launch day, or Gun Time's at km 0. Other demo entries give a km mark too, but
#: they name stories of this year's relay by other pen names (not in the demo):
#: linking them by the km alone would point them at someone else's story.
NAMES_LAST_YEAR = (3, 5, 6, 9, 11, 13, 15, 16, 18, 21)


def link_entries_to_last_year(campaign: Campaign) -> int:
    """Link this year's demo entries to the story of last year's relay they name.

    The demo entries were written as free text ("the launch story at km 15");
    an entrant today picks the story in the form, and the pick is stored as a
    link. Where a published story of an earlier run stands at the km mark such
    an entry names, the link is stored as the form would have stored it, so the
    editor sees it carried over into the story. Returns how many entries this
    call linked.
    """
    earlier = services.resonance_candidates(campaign).exclude(campaign=campaign)
    # The latest run's story at a mark is the one "last year's relay" means.
    at_km = {story.km: story for story in earlier.order_by("campaign__run_number", "pk")}
    keys = [entry_key(campaign, index) for index in NAMES_LAST_YEAR]
    linked = 0
    for entry in campaign.entries.filter(
        submission_key__in=keys, resonated_with__isnull=True, resonated_km__isnull=False
    ):
        story = at_km.get(entry.resonated_km)
        if story is None:
            continue
        linked += Entry.objects.filter(pk=entry.pk, resonated_with__isnull=True).update(
            resonated_with=story
        )
    return linked
