"""The public pages' cache: whole responses, dropped all at once when anything they show changes.

A public view marks its response cacheable with :func:`public_page` (how long
it may be kept); :class:`PublicPageCacheMiddleware`, placed right after
WhiteNoise, stores such responses with every header the rest of the stack
added and answers later requests for the same path before any other
middleware runs, so a cached story costs about what a static file does.

Keys carry a *generation*: any change to a story, a campaign, its periods,
terms or course bumps it (``relay.receivers``), and every page cached before
is simply never asked for again. Each process reads the generation from the
shared cache at most once a second, so a change reaches every web process
within a second. A page that shows a deadline is kept no longer than until
the next period boundary: the page that says "open" is never served after
the deadline, nor "not yet open" after the opening.

The page's clock for the countdown (``data-server-now``) is written as
:data:`NOW_MARKER` and filled in with the time of each answer, cached or not.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

GENERATION_KEY = "tasuki:public:generation"
NOW_MARKER = "tasuki-server-now-0f3a"
_NOW_BYTES = NOW_MARKER.encode()
#: How often a process asks the shared cache whether the generation moved.
GENERATION_CHECK_SECONDS = 1.0
#: Pages each process keeps in its own memory in front of the shared cache.
LOCAL_PAGES = 512

_lock = threading.Lock()
#: key → (expires at, ttl, status, headers, content)
_pages: OrderedDict[str, tuple[float, int, int, list, bytes]] = OrderedDict()
_known = {"generation": None, "checked": 0.0}


def generation() -> int:
    """The current generation, read from the shared cache at most once a second."""
    now = time.monotonic()
    if _known["generation"] is not None and now - _known["checked"] < GENERATION_CHECK_SECONDS:
        return _known["generation"]
    try:
        value = cache.get(GENERATION_KEY)
        if value is None:
            value = time.time_ns() // 1000
            cache.add(GENERATION_KEY, value, timeout=None)
            value = cache.get(GENERATION_KEY, value)
    except Exception:  # the cache is down: serve fresh pages, never stale ones
        return -1
    _known.update(generation=value, checked=now)
    return value


def bump() -> None:
    """Forget every cached public page (called after a change commits)."""
    try:
        try:
            value = cache.incr(GENERATION_KEY)
        except ValueError:  # not set (a fresh or flushed cache)
            value = time.time_ns() // 1000
            cache.set(GENERATION_KEY, value, timeout=None)
    except Exception:  # the cache is down: pages are not cached while it is either
        value = None
    with _lock:
        _pages.clear()
    _known.update(generation=value, checked=time.monotonic())


def public_page(ttl: Callable[[HttpRequest, HttpResponse], int | None] | int = 300):
    """Mark a view's successful answers as cacheable for ``ttl`` seconds.

    ``ttl`` may be a function of the request and response (for instance, the
    seconds until the next deadline); ``None`` or 0 keeps that answer out.
    """

    def decorate(view):
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            seconds = ttl(request, response) if callable(ttl) else ttl
            if seconds and response.status_code == 200:
                response.tasuki_public_ttl = int(seconds)
            return response

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        wrapped.__wrapped__ = view
        return wrapped

    return decorate


def _key(request: HttpRequest, gen: int) -> str:
    return f"tasuki:public:{gen}:{request.get_full_path()}"


def _fill_now(content: bytes) -> bytes:
    if _NOW_BYTES in content:
        return content.replace(_NOW_BYTES, timezone.now().isoformat().encode())
    return content


def _cacheable_request(request: HttpRequest) -> bool:
    if request.method != "GET" or not getattr(settings, "TASUKI_PUBLIC_CACHE", True):
        return False
    path = request.path
    return "/staff/" not in path and not path.startswith(("/maintenance/", "/static/"))


def clear_local() -> None:
    """Forget this process's copies (tests; a bump does it too)."""
    with _lock:
        _pages.clear()
    _known.update(generation=None, checked=0.0)


class PublicPageCacheMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _cacheable_request(request):
            return self._with_clock(self.get_response(request))
        gen = generation()
        key = _key(request, gen) if gen != -1 else None
        if key is not None:
            hit = self._lookup(key)
            if hit is not None:
                return hit
        response = self.get_response(request)
        ttl = getattr(response, "tasuki_public_ttl", None)
        if (
            key is not None
            and ttl
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            self._store(key, ttl, response)
        return self._with_clock(response)

    @staticmethod
    def _with_clock(response: HttpResponse) -> HttpResponse:
        if not response.streaming and _NOW_BYTES in response.content:
            response.content = _fill_now(response.content)
        return response

    def _lookup(self, key: str) -> HttpResponse | None:
        now = time.time()
        with _lock:
            page = _pages.get(key)
            if page is not None and page[0] <= now:
                del _pages[key]
                page = None
        if page is None:
            try:
                page = cache.get(key)
            except Exception:
                return None
            if page is None or page[0] <= now:
                return None
            self._remember(key, page)
        expires, ttl, status, headers, content = page
        response = HttpResponse(_fill_now(content), status=status)
        for name, value in headers:
            response[name] = value
        response["Age"] = str(max(0, int(now - (expires - ttl))))
        return response

    def _remember(self, key: str, page) -> None:
        with _lock:
            _pages[key] = page
            _pages.move_to_end(key)
            while len(_pages) > LOCAL_PAGES:
                _pages.popitem(last=False)

    def _store(self, key: str, ttl: int, response: HttpResponse) -> None:
        headers = [(k, v) for k, v in response.items() if k.lower() != "age"]
        page = (time.time() + ttl, ttl, response.status_code, headers, response.content)
        try:
            cache.set(key, page, timeout=ttl)
        except Exception:
            return
        self._remember(key, page)
