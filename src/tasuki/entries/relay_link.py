"""The entry form's link to the relay: the published stories an entrant may name.

Question 1 of the form asks which relay story moved the entrant. Once stories
are published, the entrant can pick one, and the entry keeps the pick as a
link (``Entry.resonated_with``) beside their own words. The stories belong to
the relay app, which is built on entries; entries imports none of the apps
built on it, so the relay hands its stories over through this small registry,
the way apps hand the mail app their send-time links
(:mod:`tasuki.mail.placeholders`).

A source is registered by an ``entry_stories`` module of an installed app
(the relay's is :mod:`tasuki.relay.entry_stories`). They are found on first use
with Django's ``autodiscover_modules``, as the admin finds ``admin`` modules,
so no module here names the relay. Without a source the form has no picker and
is exactly as it was before the relay existed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import get_language
from django.utils.translation import gettext as _

#: ``candidates(campaign) -> [dict]``: the published stories an entry of ``campaign``
#: may name, in the order the form lists them, each a dict with the keys of
#: :class:`StoryOption`.
Candidates = Callable[..., list[dict]]
#: ``find(campaign, story_id) -> dict | None``: that story, if an entry of
#: ``campaign`` may name it now (one small query at submit time, not the list).
Find = Callable[..., dict | None]

_source: dict[str, Callable] = {}
_discovered = False
_lock = threading.Lock()


def register_story_source(candidates: Candidates, *, find: Find | None = None) -> None:
    """Make ``candidates`` (and ``find``) the form's source of relay stories.

    Without ``find``, a story may be named when ``candidates`` lists it.
    Registering again replaces the source (a module imported twice is harmless).
    """
    _source["candidates"] = candidates
    if find is not None:
        _source["find"] = find
    else:
        _source.pop("find", None)


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            autodiscover_modules("entry_stories")
            _discovered = True


@dataclass(frozen=True)
class StoryOption:
    """One published story as the entry form offers it."""

    id: int
    km_label: str
    title_ja: str
    title_en: str
    pen_name: str
    campaign_name_ja: str
    campaign_name_en: str
    #: Groups the form's list by campaign (this run, then the earlier ones).
    campaign_id: int = 0

    @staticmethod
    def _pick(ja: str, en: str) -> str:
        first, second = (en, ja) if (get_language() or "ja")[:2] == "en" else (ja, en)
        return first or second

    @property
    def title(self) -> str:
        """The title in the page's language (the other one when it has none)."""
        return self._pick(self.title_ja, self.title_en)

    @property
    def campaign_name(self) -> str:
        return self._pick(self.campaign_name_ja, self.campaign_name_en)

    @property
    def is_finish(self) -> bool:
        return self.km_label == "42.195"

    @property
    def label(self) -> str:
        """ "km 12 — title — pen name", in the page's language."""
        params = {"km": self.km_label, "title": self.title, "pen_name": self.pen_name}
        if self.is_finish:
            return _("Finish (42.195 km) — %(title)s — %(pen_name)s") % params
        return _("km %(km)s — %(title)s — %(pen_name)s") % params

    @property
    def search_text(self) -> str:
        """The story's own words a search may match: both titles and the pen name."""
        return " ".join((self.title_ja, self.title_en, self.pen_name))

    @property
    def campaign_text(self) -> str:
        """The campaign's names, which a search word (not a number) may match too."""
        return " ".join((self.campaign_name_ja, self.campaign_name_en))


def _option(item: dict) -> StoryOption:
    return StoryOption(
        id=int(item["id"]),
        km_label=str(item["km_label"]),
        title_ja=item.get("title_ja") or "",
        title_en=item.get("title_en") or "",
        pen_name=item.get("pen_name") or "",
        campaign_name_ja=item.get("campaign_name_ja") or "",
        campaign_name_en=item.get("campaign_name_en") or "",
        campaign_id=int(item.get("campaign_id") or 0),
    )


def has_source() -> bool:
    _discover()
    return "candidates" in _source


def story_options(campaign) -> list[StoryOption]:
    """The published stories an entry of ``campaign`` may name (none without a source)."""
    if campaign is None or not has_source():
        return []
    return [_option(item) for item in _source["candidates"](campaign)]


def allowed_story(campaign, story_id: int) -> StoryOption | None:
    """Story ``story_id`` if an entry of ``campaign`` may name it now, else ``None``."""
    if campaign is None or not has_source():
        return None
    find = _source.get("find")
    if find is not None:
        item = find(campaign, story_id)
        return _option(item) if item else None
    return next((o for o in story_options(campaign) if o.id == story_id), None)
