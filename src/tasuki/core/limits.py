"""Rate limits that look before they count, and byte budgets.

django-ratelimit counts a request when it asks; the entry path needs to ask
"would one more be too many?" first and count only what actually happened (an
accepted entry, a refused attempt, the bytes of a stored photo). Every helper
here fails open: when the cache cannot answer, the request goes through and
the failure is logged without its key (which may be personal). Our own
bookkeeping must never refuse an honest entrant.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)

Key = Callable[[str, HttpRequest], str]


def _usage(request: HttpRequest, group: str, rate: str, key: Key, *, increment: bool):
    try:
        return get_usage(request, group=group, key=key, rate=rate, increment=increment)
    except Exception:
        log.warning("rate limit %s not applied: the cache failed", group, exc_info=True)
        return None


def is_spent(request: HttpRequest, group: str, rate: str, key: Key) -> bool:
    """``True`` when the limit is already used up (nothing is counted)."""
    usage = _usage(request, group, rate, key, increment=False)
    return bool(usage) and usage["count"] >= usage["limit"]


def count(request: HttpRequest, group: str, rate: str, key: Key) -> None:
    """Count one event against the limit."""
    _usage(request, group, rate, key, increment=True)


def limited(request: HttpRequest, group: str, rate: str, key: Key) -> bool:
    """Count this request and say whether it went over (django-ratelimit's own way)."""
    usage = _usage(request, group, rate, key, increment=True)
    return bool(usage) and usage["should_limit"]


class HourlyBytes:
    """How many bytes one client has stored in the current clock hour."""

    def __init__(self, group: str, client: str, limit: int) -> None:
        self.limit = limit
        window = int(time.time() // 3600)
        digest = hashlib.sha256(client.encode()).hexdigest()[:32]  # no address in the cache
        self.key = f"tasuki:bytes:{group}:{window}:{digest}"

    def allows(self, size: int) -> bool:
        try:
            used = cache.get(self.key) or 0
        except Exception:
            log.warning("byte budget not checked: the cache failed", exc_info=True)
            return True
        return used + size <= self.limit

    def spend(self, size: int) -> None:
        try:
            if not cache.add(self.key, size, timeout=3600 + 60):
                cache.incr(self.key, size)
        except Exception:
            log.warning("byte budget not counted: the cache failed", exc_info=True)
