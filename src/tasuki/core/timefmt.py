"""Times as entrants read them: in Japan time, with the zone named.

Stored times are UTC. Every time shown to an entrant goes through
:func:`format_jst`, so no page shows a bare "17:00" that a reader abroad could
take for their own zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import get_language, gettext

JST = ZoneInfo("Asia/Tokyo")
_WEEKDAYS_JA = "月火水木金土日"
_MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def to_jst(value: dt.datetime) -> dt.datetime:
    """The same instant, on Japan's clock."""
    if timezone.is_naive(value):
        raise ValueError("Tasuki stores aware datetimes only")
    return value.astimezone(JST)


def format_jst(value: dt.datetime, *, with_time: bool = True, language: str | None = None) -> str:
    """'15 Jan 2026 (Thu), 17:00 JST' or '2026年1月15日(木) 17:00 JST'."""
    local = to_jst(value)
    language = (language or get_language() or "ja")[:2]
    if language == "ja":
        text = f"{local.year}年{local.month}月{local.day}日({_WEEKDAYS_JA[local.weekday()]})"
        if with_time:
            text += f" {local:%H:%M} " + gettext("JST")
        return text
    text = f"{local.day} {_MONTHS_EN[local.month - 1]} {local.year} ({local:%a})"
    if with_time:
        text += f", {local:%H:%M} " + gettext("JST")
    return text
