"""The dashboard's charts: the right counts in the right Japan-time hour, the same
numbers as the tables beside them, and labels escaped."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from tasuki.entries.models import Entry
from tasuki.review import charts, dashboard
from tests.review.test_decisions import make_entry

pytestmark = pytest.mark.django_db


def test_entries_land_in_their_japan_time_hour_before_the_deadline(campaign):
    period = campaign.periods.get()
    period.closes_at = dt.datetime(2026, 12, 15, 8, 0, tzinfo=dt.UTC)  # 17:00 JST
    period.opens_at = period.closes_at - dt.timedelta(days=30)
    period.save()
    times = [
        period.closes_at - dt.timedelta(minutes=1),  # 16:59 JST
        period.closes_at - dt.timedelta(minutes=30),  # 16:30 JST
        period.closes_at - dt.timedelta(hours=3, minutes=10),  # 13:50 JST
    ]
    for n, at in enumerate(times):
        entry = make_entry(campaign, title=f"T{n}", email=f"t{n}@example.com")
        Entry.objects.filter(pk=entry.pk).update(submitted_at=at)
    with translation.override("en"):
        found = {c.key: c for c in dashboard.charts(campaign)}
    hours = dict(found["deadline-1"].rows)
    assert hours["16:00"] == 2 and hours["13:00"] == 1
    assert sum(hours.values()) == 3 and len(hours) == 24
    assert found["role"].total == 3 and dict(found["role"].rows)["Runner"] == 3
    assert dict(found["photos"].rows) == {"With photos": 0, "Without photos": 3}
    assert found["state"].total == 3


def test_charts_escape_their_labels_and_scale_to_the_largest_value():
    chart = charts.bars("x", "Title <b>", [("<script>", 3), ("ok", 0)])
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert "Title &lt;b&gt;" in chart.svg
    assert charts._nice_max(0) == 1 and charts._nice_max(7) == 10 and charts._nice_max(120) == 200
