"""Rate limits that look before they count, and byte budgets.

The entry path needs to ask "would one more be too many?" first and count
only what actually happened (an accepted entry, a refused attempt, the bytes
of a stored photo), so the counters are our own: a fixed window per clock
period (``"30/h"``, ``"6/d"``, ``"10/m"``), one cache key per group, window
and client. The key holds a hash of the client, never an address.

Why not django-ratelimit's counter: on the database cache (the default)
``incr`` stores the count again with the cache's default five-minute expiry,
so an hourly or daily limit forgot everything after five quiet minutes. Here
the expiry is set again after every count.

Every helper fails open: when the cache cannot answer, the request goes
through and the failure is logged without its key. Our own bookkeeping must
never refuse an honest entrant.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, rate: str) -> Rate:
        """``"30/h"`` → 30 per 3600 s; ``"5/10m"`` → 5 per 600 s."""
        count, _, unit = rate.partition("/")
        multiple = unit[:-1] or "1"
        try:
            return cls(int(count), int(multiple) * _UNITS[unit[-1:]])
        except (KeyError, ValueError) as exc:
            raise ValueError(f"not a rate: {rate!r} (write it like '30/h' or '6/d')") from exc


def _key(group: str, value: str, period: int, *, now: float | None = None) -> str:
    window = int((time.time() if now is None else now) // period)
    digest = hashlib.sha256(f"{group}:{window}:{value}".encode()).hexdigest()[:40]
    return f"tasuki:rl:{digest}"


def _enabled() -> bool:
    return getattr(settings, "TASUKI_RATE_LIMITS", True)


def used(group: str, rate: str, value: str) -> int | None:
    """How many were counted in the current window; ``None`` if the cache failed."""
    parsed = Rate.parse(rate)
    try:
        return int(cache.get(_key(group, value, parsed.period)) or 0)
    except Exception:
        log.warning("rate limit %s not applied: the cache failed", group, exc_info=True)
        return None


def is_spent(group: str, rate: str, value: str) -> bool:
    """``True`` when the limit is already used up (nothing is counted)."""
    if not _enabled():
        return False
    count = used(group, rate, value)
    return count is not None and count >= Rate.parse(rate).limit


def count(group: str, rate: str, value: str, amount: int = 1) -> int | None:
    """Count ``amount`` against the limit; returns the new total (``None``: cache down)."""
    parsed = Rate.parse(rate)
    key = _key(group, value, parsed.period)
    try:
        if cache.add(key, amount, parsed.period + 60):
            return amount
        total = cache.incr(key, amount)
        cache.touch(key, parsed.period + 60)  # incr may have reset the expiry
        return total
    except Exception:
        log.warning("rate limit %s not counted: the cache failed", group, exc_info=True)
        return None


def hit(group: str, rate: str, value: str) -> bool:
    """Count this request and say whether it went over the limit."""
    if not _enabled():
        return False
    total = count(group, rate, value)
    return total is not None and total > Rate.parse(rate).limit


class HourlyBytes:
    """How many bytes one client has stored in the current clock hour."""

    def __init__(self, group: str, client: str, limit: int) -> None:
        self.group, self.client, self.limit = f"{group}:bytes", client, limit

    def allows(self, size: int) -> bool:
        spent = used(self.group, f"{self.limit}/h", self.client)
        return not _enabled() or spent is None or spent + size <= self.limit

    def spend(self, size: int) -> None:
        count(self.group, f"{self.limit}/h", self.client, size)
