"""The demo series that `make run` shows: the real campaign's facts, our own texts.

The demo relay runs year after year: last year's campaign (run 1, closed, with
its published relay, loaded by :mod:`tasuki.relay.demo`) and this year's
(run 2, collecting entries). Both belong to one :class:`Series`.

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
from tasuki.campaigns.models import Campaign, Course, EntryPeriod, Landmark, Series, TermsVersion

DEMO_FILE = Path(__file__).parent / "demo" / "campaign.json"
#: Last year's facts (periods, announcement, prize); its terms and course are this year's.
LAST_YEAR_FILE = Path(__file__).parent / "demo" / "campaign-2025.json"
DEMO_SLUG = "tokyo-relay-2026"
LAST_YEAR_SLUG = "tokyo-relay-2025"
SERIES_SLUG = "tokyo-city-marathon-relay"
#: This year's campaign is the relay's second run.
DEMO_RUN = 2

#: What the relay demo's file says of last year's campaign.
_TEXTS = ("name_ja", "name_en", "tagline_ja", "tagline_en", "intro_ja", "intro_en")
_FIELDS = (
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


def demo_data() -> dict:
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


def last_year_data(texts: dict) -> dict:
    """Last year's campaign: its own facts, ``texts`` (names, tagline, intro), and
    this year's terms and course.

    The relay's rules did not change between the runs, so the terms are this
    year's with the campaign's own name in them; the race ran the same course.
    """
    this_year = demo_data()
    data = {
        **this_year,
        **json.loads(LAST_YEAR_FILE.read_text(encoding="utf-8")),
        **{k: texts[k] for k in _TEXTS},
    }
    terms = dict(this_year["terms"], version=data["terms"]["version"])
    for lang in ("ja", "en"):
        old, new = this_year[f"name_{lang}"], data[f"name_{lang}"]
        for key in (f"terms_{lang}", f"privacy_{lang}"):
            terms[key] = terms[key].replace(old, new)
    data["terms"] = terms
    return data


@transaction.atomic
def load_demo_series(*, name_ja: str, name_en: str) -> Series:
    """The series both demo campaigns belong to."""
    names = {"name_ja": name_ja, "name_en": name_en}
    series, _ = Series.objects.update_or_create(slug=SERIES_SLUG, defaults=names)
    return series


@transaction.atomic
def load_demo_campaign(*, series: Series | None = None) -> Campaign:
    """Create or update this year's demo campaign with its periods, terms and course.

    Given ``series``, the campaign is its second run.
    """
    return _load(demo_data(), series=series, run_number=DEMO_RUN)


@transaction.atomic
def load_last_year_campaign(series: Series, *, texts: dict) -> Campaign:
    """Create or update last year's demo campaign (run 1, all its periods past).

    ``texts`` holds its names, tagline and introduction (the relay demo's file).
    """
    data = last_year_data(texts)
    return _load(data, series=series, run_number=data["run_number"])


def _load(data: dict, *, series: Series | None, run_number: int) -> Campaign:
    fields = {k: data[k] for k in _FIELDS}
    if series is not None:
        fields |= {"series": series, "run_number": run_number}
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
