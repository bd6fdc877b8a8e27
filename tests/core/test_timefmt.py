import datetime as dt

from django.utils import translation

from tasuki.core.timefmt import format_jst


def test_utc_time_is_shown_in_japan_time_with_the_zone_named():
    at = dt.datetime(2026, 1, 15, 8, 0, tzinfo=dt.UTC)  # 17:00 in Tokyo
    assert format_jst(at, language="en") == "15 Jan 2026 (Thu), 17:00 JST"
    with translation.override("ja"):
        assert format_jst(at).startswith("2026年1月15日(木) 17:00")


def test_date_only_has_no_time():
    at = dt.datetime(2026, 3, 19, 8, 0, tzinfo=dt.UTC)
    assert format_jst(at, with_time=False, language="en") == "19 Mar 2026 (Thu)"
