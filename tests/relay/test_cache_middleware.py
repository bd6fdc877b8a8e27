"""The public page cache itself, on views of its own: what is kept, for how long,
what a hit costs, and that a bump reaches every process."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from tasuki.relay import cache

calls = {"n": 0}


@cache.public_page(60)
def counted(request):
    calls["n"] += 1
    return HttpResponse(f"<p data-server-now='{cache.NOW_MARKER}'>call {calls['n']}</p>")


@cache.public_page(60)
def with_cookie(request):
    calls["n"] += 1
    response = HttpResponse(f"call {calls['n']}")
    response.set_cookie("x", "y")
    return response


@cache.public_page(lambda request, response: 0)
def never(request):
    calls["n"] += 1
    return HttpResponse(f"call {calls['n']}")


@cache.public_page(60)
def missing(request):
    calls["n"] += 1
    return HttpResponse("gone", status=404)


urlpatterns = [
    path("page/", counted),
    path("cookie/", with_cookie),
    path("never/", never),
    path("missing/", missing),
    path("staff/page/", counted),
]


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "public-page-tests",
        }
    }
    from django.core.cache import cache as shared

    shared.clear()
    cache.clear_local()
    calls["n"] = 0
    with override_settings(ROOT_URLCONF=__name__):
        yield
    cache.clear_local()


def test_a_second_request_is_answered_from_the_cache_with_the_same_headers(client):
    first = client.get("/page/")
    second = client.get("/page/?a=1")  # query strings are part of the key
    third = client.get("/page/")
    assert calls["n"] == 2  # "/page/" once, "/page/?a=1" once
    assert third.content.startswith(b"<p data-server-now='20")  # the clock is filled in
    assert b"call 1" in third.content
    assert third["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "Age" in third and "Age" not in first
    assert second.status_code == 200


def test_the_clock_is_fresh_on_every_answer(client, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    client.get("/page/")
    later = dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert b"2031-01-02T03:04:05" in client.get("/page/").content


def test_a_bump_drops_every_page_in_every_process(client):
    client.get("/page/")
    cache.bump()
    client.get("/page/")
    assert calls["n"] == 2
    # another process: its own memory still holds the page, the shared generation moved
    client.get("/page/")
    cache._known.update(checked=0.0)  # as if a second had passed
    from django.core.cache import cache as shared

    shared.incr(cache.GENERATION_KEY)
    client.get("/page/")
    assert calls["n"] == 3


def test_pages_with_cookies_errors_staff_or_no_ttl_are_never_kept(client):
    for url in ("/cookie/", "/never/", "/missing/", "/staff/page/"):
        client.get(url)
        client.get(url)
    assert calls["n"] == 8


def test_posts_are_never_answered_from_the_cache(client):
    client.get("/page/")
    client.post("/page/")
    assert calls["n"] == 2


def test_a_cache_outage_serves_fresh_pages(client, monkeypatch):
    class Down:
        def __getattr__(self, name):
            def fail(*args, **kwargs):
                raise ConnectionError("cache down")

            return fail

    monkeypatch.setattr(cache, "cache", Down())
    cache.clear_local()
    assert client.get("/page/").status_code == 200
    assert client.get("/page/").status_code == 200
    assert calls["n"] == 2


def test_the_clock_is_filled_in_when_the_cache_is_off(client, settings):
    settings.TASUKI_PUBLIC_CACHE = False
    first = client.get("/page/")
    assert cache.NOW_MARKER.encode() not in first.content
    assert b"data-server-now='20" in first.content
    client.get("/page/")
    assert calls["n"] == 2
