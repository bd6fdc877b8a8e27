"""Our own rate-limit counters: fixed windows that keep their count for the whole
window on every cache backend, look before they count, and fail open."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tasuki.core import limits

pytestmark = pytest.mark.django_db

TOP_OF_THE_HOUR = dt.datetime(2026, 3, 19, 6, 0, 5, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("backend", "location"),
    [
        ("django.core.cache.backends.db.DatabaseCache", "tasuki_cache"),
        ("django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/13"),
    ],
)
def test_an_hourly_limit_remembers_after_quiet_minutes(settings, backend, location):
    """django-ratelimit's counter forgot an hour's count after five quiet minutes on the
    database cache (its incr stores the value again with the default expiry)."""
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": location}}
    if "redis" in backend:
        import redis

        redis.Redis.from_url(location).flushdb()
    with time_machine.travel(TOP_OF_THE_HOUR, tick=False) as clock:
        assert limits.hit("test", "2/h", "client") is False
        assert limits.hit("test", "2/h", "client") is False
        clock.shift(dt.timedelta(minutes=10))
        assert limits.is_spent("test", "2/h", "client") is True
        assert limits.hit("test", "2/h", "client") is True
        clock.shift(dt.timedelta(hours=1))  # a new window
        assert limits.is_spent("test", "2/h", "client") is False


def test_looking_does_not_count():
    for _ in range(5):
        assert limits.is_spent("look", "1/h", "c") is False
    limits.count("look", "1/h", "c")
    assert limits.is_spent("look", "1/h", "c") is True


def test_byte_budget_counts_bytes_apart_from_files():
    budget = limits.HourlyBytes("uploads", "c", 1000)
    assert budget.allows(600)
    budget.spend(600)
    assert not budget.allows(600) and budget.allows(400)
    assert limits.is_spent("uploads", "1/h", "c") is False  # the file count is its own


def test_rates_are_read_or_refused_clearly():
    assert limits.Rate.parse("30/h") == limits.Rate(30, 3600)
    assert limits.Rate.parse("5/10m") == limits.Rate(5, 600)
    assert limits.Rate.parse("6/d") == limits.Rate(6, 86400)
    with pytest.raises(ValueError, match="30/h"):
        limits.Rate.parse("thirty an hour")


def test_switched_off_limits_never_refuse(settings):
    settings.TASUKI_RATE_LIMITS = False
    limits.count("off", "1/h", "c")
    limits.count("off", "1/h", "c")
    assert limits.is_spent("off", "1/h", "c") is False
    assert limits.hit("off", "1/h", "c") is False
