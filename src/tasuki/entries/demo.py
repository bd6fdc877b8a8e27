"""Demo entries for `make run`: stories we wrote, photos drawn on the spot.

Each demo entry has a fixed submission key derived from its position in the
file, so loading twice finds the entries already there and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from tasuki.campaigns.models import Campaign
from tasuki.entries import services
from tasuki.entries.demo_photos import make_demo_photo
from tasuki.entries.models import Entry

DEMO_FILE = Path(__file__).parent / "demo" / "entries.json"
_NAMESPACE = uuid.UUID("5b0f7f0e-3c1a-4d3e-9a57-7461c1a5e001")


def _handle(value: str) -> str:
    return "@" + value.lstrip("@") if value else ""


def entry_key(campaign: Campaign, index: int) -> uuid.UUID:
    """The fixed submission key of the demo entry at ``index`` of the file."""
    return uuid.uuid5(_NAMESPACE, f"{campaign.slug}:{index}")


def demo_entries() -> list[dict]:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def load_demo_entries(campaign: Campaign, *, photos: bool = True) -> int:
    """Create the demo entries that are not there yet; returns how many were made."""
    periods = {p.number: p for p in campaign.periods.all()}
    made = 0
    for index, item in enumerate(demo_entries()):
        key = entry_key(campaign, index)
        if Entry.objects.filter(submission_key=key).exists():
            continue
        period = periods[item["period"]]
        at = min(
            period.opens_at + dt.timedelta(days=item["days_after_open"], hours=9 + index % 10),
            period.closes_at - dt.timedelta(minutes=5 + index),
        )
        tokens = []
        if photos:
            for n in range(item.get("photos", 0)):
                data = make_demo_photo(index * 10 + n)
                photo = services.store_photo(
                    submission_key=key, file=io.BytesIO(data), size=len(data), enqueue=False
                )
                services.process_photo(photo.pk)
                tokens.append(photo.token)
        with transaction.atomic():
            entry = services.create_entry(
                campaign=campaign,
                period=period,
                data={
                    **item,
                    "submission_key": key,
                    "resonated_km": Decimal(item["resonated_km"])
                    if item.get("resonated_km")
                    else None,
                    "guardian_consent": item["age_group"] == "minor",
                    # Handles are stored as the form stores them, with the "@".
                    "instagram_handle": _handle(item.get("instagram_handle", "")),
                    "x_handle": _handle(item.get("x_handle", "")),
                },
                photo_tokens=tokens,
                at=at,
            )
            if item.get("verified"):
                Entry.objects.filter(pk=entry.pk).update(
                    email_verified_at=at + dt.timedelta(minutes=7)
                )
        made += 1
    return made
