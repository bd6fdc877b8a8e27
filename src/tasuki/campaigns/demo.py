"""The demo campaign that `make run` shows: the real campaign's facts, our own texts.

Loading is idempotent: rows are found by natural keys (slug, period number,
terms version) and updated in place, so running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from tasuki.campaigns import services
from tasuki.campaigns.models import Campaign, Course, EntryPeriod, Landmark, TermsVersion

DEMO_FILE = Path(__file__).parent / "demo" / "campaign.json"
DEMO_SLUG = "tokyo-relay-2026"


def demo_data() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def load_demo_campaign() -> Campaign:
    """Create or update the demo campaign with its periods, terms and course."""
    data = demo_data()
    fields = {
        k: data[k]
        for k in (
            "name_ja",
            "name_en",
            "tagline_ja",
            "tagline_en",
            "intro_ja",
            "intro_en",
            "contact_email",
            "instagram_account",
            "x_account",
            "prize_ja",
            "prize_en",
            "winners_count",
        )
    }
    # Dates are set when the campaign is first made and then left alone, like the
    # periods: `open_demo_period` moves them together, and a later load must not
    # put the announcement back before periods it has moved.
    campaign, _ = Campaign.objects.update_or_create(
        slug=data["slug"],
        defaults=fields,
        create_defaults=fields
        | {
            "announcement_date": dt.date.fromisoformat(data["announcement_date"]),
            "likely_countries": data["likely_countries"],
        },
    )
    if not campaign.periods.exists():  # never move periods someone has shifted
        for p in data["periods"]:
            services.save_period(
                EntryPeriod(
                    campaign=campaign,
                    number=p["number"],
                    name_ja=p["name_ja"],
                    name_en=p["name_en"],
                    opens_at=dt.datetime.fromisoformat(p["opens_at"]),
                    closes_at=dt.datetime.fromisoformat(p["closes_at"]),
                )
            )
    t = data["terms"]
    texts = {k: t[k] for k in ("terms_ja", "terms_en", "privacy_ja", "privacy_en")}
    terms, _ = TermsVersion.objects.update_or_create(
        campaign=campaign,
        version=t["version"],
        defaults=texts,
        create_defaults=texts
        | {"published_at": campaign.periods.order_by("opens_at").first().opens_at},
    )
    services.make_terms_current(terms)
    c = data["course"]
    course, _ = Course.objects.update_or_create(
        campaign=campaign,
        defaults={"line": c["line"], "distance_km": Decimal(c["distance_km"])},
    )
    course.landmarks.all().delete()
    Landmark.objects.bulk_create(
        Landmark(
            course=course, **{k: lm[k] for k in ("name_ja", "name_en", "longitude", "latitude")}
        )
        for lm in c["landmarks"]
    )
    services.rebuild_course_marks(course)
    return campaign


@transaction.atomic
def open_a_period(campaign: Campaign, *, now: dt.datetime | None = None) -> list[EntryPeriod]:
    """Shift the campaign's periods so that the first is open now.

    The first period is moved to have opened ten days ago and to close at
    17:00 Japan time at least two weeks from now; later periods keep their
    distance from it. The winners' announcement moves by the same amount and
    the current terms are dated from the first period's new opening, so no page
    quotes a date from before the move. Returns the periods with their new dates.
    """
    from tasuki.core.timefmt import JST

    now = now or timezone.now()
    periods = list(campaign.periods.order_by("opens_at"))
    if not periods:
        return []
    first = periods[0]
    deadline = (
        (now + dt.timedelta(days=14))
        .astimezone(JST)
        .replace(hour=17, minute=0, second=0, microsecond=0)
    )
    shift = deadline - first.closes_at
    # Move the latest first, so no intermediate state has two periods overlapping.
    order = sorted(periods, key=lambda p: p.opens_at, reverse=shift > dt.timedelta(0))
    for period in order:
        period.opens_at += shift
        period.closes_at += shift
        period.save(update_fields=["opens_at", "closes_at"])
    first.opens_at = min(first.opens_at, now - dt.timedelta(days=10))
    first.save(update_fields=["opens_at"])
    for period in periods:
        period.full_clean()
    announced = dt.datetime.combine(campaign.announcement_date, dt.time(12), tzinfo=JST) + shift
    campaign.announcement_date = announced.astimezone(JST).date()
    campaign.save(update_fields=["announcement_date"])
    campaign.terms_versions.filter(is_current=True).update(published_at=first.opens_at)
    return periods
