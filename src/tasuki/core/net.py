"""The client's address, for rate limits only (never logged, never stored raw)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)

#: IPv6 clients are counted per /64: one home or phone network gets a whole /64
#: and can pick a fresh address in it for every request.
IPV6_CLIENT_PREFIX = 64

_warned_about_forwarded = False


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the trusted proxies saw, when there are any."""
    hops = settings.TASUKI_TRUSTED_PROXY_COUNT
    forwarded_header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops:
        forwarded = [p.strip() for p in forwarded_header.split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    elif forwarded_header:
        _warn_forwarded_ignored()
    return request.META.get("REMOTE_ADDR", "")


def _warn_forwarded_ignored() -> None:
    """Say once per process that X-Forwarded-For arrives but is not trusted.

    Behind a proxy with ``TASUKI_TRUSTED_PROXY_COUNT=0`` every entrant has the
    proxy's address, so the whole site shares one rate limit and answers 429
    after a few dozen entries. The header itself is not logged (it holds
    addresses).
    """
    global _warned_about_forwarded
    if _warned_about_forwarded:
        return
    _warned_about_forwarded = True
    log.warning(
        "Requests carry an X-Forwarded-For header but TASUKI_TRUSTED_PROXY_COUNT is 0, so it "
        "is ignored and every client behind the proxy shares one address for rate limits. "
        "If the site runs behind proxies that set X-Forwarded-For, set "
        "TASUKI_TRUSTED_PROXY_COUNT to how many there are (see the README's deploy section)."
    )


def client_key(request: HttpRequest) -> str:
    """Who a request counts as, for rate limits: an IPv4 address or an IPv6 /64."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is that IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(ip)


def pseudonym(value: str, *, purpose: str) -> str:
    """A keyed hash: equal inputs give equal outputs, nobody can reverse it without the key."""
    key = f"tasuki:{purpose}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
