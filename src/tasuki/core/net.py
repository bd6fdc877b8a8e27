"""The client's address, for rate limits only (never logged, never stored raw)."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw, when there are any."""
    hops = settings.TASUKI_TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def ratelimit_ip_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key function honouring TASUKI_TRUSTED_PROXY_COUNT."""
    return client_ip(request)


def pseudonym(value: str, *, purpose: str) -> str:
    """A keyed hash: equal inputs give equal outputs, nobody can reverse it without the key."""
    key = f"tasuki:{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
