"""The public draw document (``draw.json``), built with :mod:`tasuki.draws.rfc3797`.

Pure Python, no Django: the app and the benchmark both call it. The format is
described in :mod:`tasuki.draws.verify`, which checks it without this code.
"""

from __future__ import annotations

import hashlib

from tasuki.draws import rfc3797

FORMAT = "tasuki-draw/1"


def pool_serialisation(tickets: list[str]) -> bytes:
    """The frozen list as published: one ticket per line, UTF-8, each line ending in \\n."""
    for ticket in tickets:
        if not isinstance(ticket, str) or not ticket or "\n" in ticket or "\r" in ticket:
            raise ValueError(f"a ticket must be non-empty text on one line, not {ticket!r}")
    return "".join(f"{ticket}\n" for ticket in tickets).encode("utf-8")


def pool_sha256(tickets: list[str]) -> str:
    """The hex SHA-256 of the pool's canonical serialisation."""
    return hashlib.sha256(pool_serialisation(tickets)).hexdigest()


def draw_document(tickets: list[str], sources: list[dict], count: int) -> dict:
    """The whole draw as one JSON-ready dict: pool, sources, key string and every step.

    ``sources`` is a list of ``{"name": ..., "values": [...]}``; values are kept
    as published (text, leading zeros and all; integers become their decimal text).
    """
    tickets = list(tickets)
    if len(set(tickets)) != len(tickets):
        raise ValueError("the pool has the same ticket twice")
    published = []
    for source in sources:
        values = [str(value) if isinstance(value, int) else value for value in source["values"]]
        published.append({"name": str(source["name"]), "values": values})
    values_only = [source["values"] for source in published]
    drawn = rfc3797.steps(len(tickets), values_only, count)
    return {
        "format": FORMAT,
        "pool": {"tickets": tickets, "sha256": pool_sha256(tickets)},
        "sources": published,
        "key": rfc3797.key_string(values_only),
        "count": count,
        "steps": [{**step, "ticket": tickets[step["position"] - 1]} for step in drawn],
    }
