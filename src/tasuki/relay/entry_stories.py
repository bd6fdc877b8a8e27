"""The relay's published stories, offered to the entry form's first question.

Found by :mod:`tasuki.entries.relay_link` (it looks for an ``entry_stories``
module in every app, so entries never names the relay). An entrant may name
the stories an editor could link a story of this campaign to: those published
in this campaign and in the earlier runs of its series
(:func:`tasuki.relay.services.resonance_candidates`).
"""

from __future__ import annotations

from django.db.models import F

from tasuki.campaigns.models import km_label
from tasuki.entries.relay_link import register_story_source
from tasuki.relay.services import resonance_candidates

_FIELDS = (
    "pk",
    "km",
    "title_ja",
    "title_en",
    "pen_name",
    "campaign_id",
    "campaign__name_ja",
    "campaign__name_en",
)


def _as_option(row: dict) -> dict:
    return {
        "id": row["pk"],
        "km_label": km_label(row["km"]),
        "title_ja": row["title_ja"],
        "title_en": row["title_en"],
        "pen_name": row["pen_name"],
        "campaign_id": row["campaign_id"],
        "campaign_name_ja": row["campaign__name_ja"],
        "campaign_name_en": row["campaign__name_en"],
    }


def candidates(campaign) -> list[dict]:
    """This campaign's published stories first, then each earlier run's, each along the course."""
    rows = (
        resonance_candidates(campaign)
        .order_by(F("campaign__run_number").desc(nulls_last=True), "campaign_id", "km", "pk")
        .values(*_FIELDS)
    )
    return [_as_option(row) for row in rows]


def find(campaign, story_id: int) -> dict | None:
    """Story ``story_id`` if an entry of ``campaign`` may name it now (still published)."""
    row = resonance_candidates(campaign).filter(pk=story_id).values(*_FIELDS).first()
    return _as_option(row) if row else None


register_story_source(candidates, find=find)
