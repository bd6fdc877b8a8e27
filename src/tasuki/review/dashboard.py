"""The campaign manager's numbers: entries over time and by kind, as charts with
the same figures in tables (see :mod:`tasuki.review.charts`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncDate, TruncHour
from django.utils.translation import gettext as _
from django_countries import countries

from tasuki.campaigns.models import Campaign
from tasuki.entries.models import ContentLanguage, Entry, Photo, Role
from tasuki.review.charts import Chart, bars, columns, pairs
from tasuki.review.states import ReviewState

JST = ZoneInfo("Asia/Tokyo")


def _by(entries, field: str, labels: dict) -> list[tuple[str, int]]:
    counts = dict(entries.values_list(field).annotate(n=Count("pk")).order_by())
    return [(str(labels.get(k, k)), counts.get(k, 0)) for k in labels]


def charts(campaign: Campaign) -> list[Chart]:
    """Every chart of the dashboard, in the order the page shows them."""
    entries = Entry.objects.filter(campaign=campaign)
    out: list[Chart] = []

    per_day = (
        entries.annotate(day=TruncDate("submitted_at", tzinfo=JST))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    out.append(
        columns(
            "per-day",
            _("Entries per day (Japan time)"),
            [(f"{day:%m/%d}", n) for day, n in per_day],
        )
    )
    for period in campaign.periods.all():
        start = period.closes_at - dt.timedelta(hours=24)
        hours = dict(
            entries.filter(submitted_at__gte=start, submitted_at__lt=period.closes_at)
            .annotate(hour=TruncHour("submitted_at", tzinfo=JST))
            .values_list("hour")
            .annotate(n=Count("pk"))
            .order_by()
        )
        rows = []
        for i in range(24):
            at = (start + dt.timedelta(hours=i)).astimezone(JST).replace(minute=0, second=0)
            rows.append((f"{at:%H}:00", next((n for h, n in hours.items() if h == at), 0)))
        out.append(
            columns(
                f"deadline-{period.number}",
                _("Entries per hour in the last 24 hours before the deadline of %(period)s")
                % {"period": period.name},
                rows,
            )
        )
    periods = {p.pk: p.name for p in campaign.periods.all()}
    out.append(bars("period", _("Entries by period"), _by(entries, "period_id", periods)))
    out.append(bars("role", _("Entries by role"), _by(entries, "role", dict(Role.choices))))
    out.append(
        bars(
            "language",
            _("Entries by language of the story"),
            _by(entries, "language", dict(ContentLanguage.choices)),
        )
    )
    by_country = (
        entries.values_list("country").annotate(n=Count("pk")).order_by("-n", "country")[:10]
    )
    out.append(
        bars(
            "country",
            _("Entries by country or region (the ten most frequent)"),
            [(str(countries.name(code) or code), n) for code, n in by_country],
        )
    )
    reviewed = dict(
        entries.filter(review__isnull=False)
        .values_list("review__state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reviewed[ReviewState.NEW] = reviewed.get(ReviewState.NEW, 0) + (
        entries.filter(review__isnull=True).count()
    )
    out.append(
        bars(
            "state",
            _("Entries by review state"),
            [(str(label), reviewed.get(value, 0)) for value, label in ReviewState.choices],
        )
    )
    with_photos = entries.filter(Exists(Photo.objects.filter(entry=OuterRef("pk")))).count()
    out.append(
        bars(
            "photos",
            _("Entries with and without photos"),
            [(_("With photos"), with_photos), (_("Without photos"), entries.count() - with_photos)],
        )
    )
    return out


@dataclass(frozen=True)
class FlagRow:
    code: str
    label: str
    #: Entries with at least one open flag of this code (what the queue's filter finds).
    open_entries: int
    #: Flags of this code a reviewer dismissed.
    dismissed: int
    queue_url: str


@dataclass(frozen=True)
class FlagSummary:
    rows: list[FlagRow]
    chart: Chart
    #: Entries with any open flag, and the queue that lists them.
    flagged_entries: int
    flagged_url: str


def flags(campaign: Campaign) -> FlagSummary:
    """Open flags per code (as entries, the way the queue filters them) and dismissals.

    Reads the campaign's flags only (their ``campaign`` column is indexed with
    the code), never grouping the campaign's entries.
    """
    from django.db.models import Q
    from django.urls import reverse
    from django.utils.http import urlencode

    from tasuki.review import flag_labels
    from tasuki.review.check_models import Flag

    is_open = Q(dismissed_at__isnull=True, superseded_at__isnull=True)
    counts = {
        row["code"]: row
        for row in Flag.objects.filter(campaign=campaign)
        .values("code")
        .annotate(
            open_entries=Count("entry", distinct=True, filter=is_open),
            dismissed=Count("pk", filter=Q(dismissed_at__isnull=False)),
        )
        .order_by()
    }
    queue = reverse("review:queue", args=[campaign.slug])
    order = list(flag_labels.LABELS) + sorted(set(counts) - set(flag_labels.LABELS))
    rows = [
        FlagRow(
            code=code,
            label=flag_labels.label(code),
            open_entries=counts[code]["open_entries"],
            dismissed=counts[code]["dismissed"],
            queue_url=f"{queue}?{urlencode({'flag': code})}",
        )
        for code in order
        if code in counts
    ]
    flagged = (
        Flag.objects.filter(campaign=campaign)
        .filter(is_open)
        .order_by()
        .values("entry_id")
        .distinct()
        .count()
    )
    chart = pairs(
        "flags",
        _("Automatic flags by kind: entries with an open flag, and flags dismissed"),
        [(row.label, row.open_entries, row.dismissed) for row in rows],
        (_("Entries with an open flag"), _("Flags dismissed")),
    )
    return FlagSummary(rows, chart, flagged, f"{queue}?{urlencode({'flag': 'any'})}")
