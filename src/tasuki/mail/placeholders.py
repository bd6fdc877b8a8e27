"""Parts of a mail that are written only when it is sent.

A stored mail must not hold anything that works on its own (a private link, a
verification link) or that outlives what it is about (the title and receipt of
an entry that has since been erased). So the template is rendered with a
:class:`Placeholder` where such a part goes; the outbox row keeps a random
marker and a reference (a resolver's name and an id), and :func:`resolve` asks
the resolver for the real text just before the mail goes out. Nothing resolved
is written back to the database.

Resolvers are registered by the apps that own what they resolve (the mail app
imports no other app): each app may have a ``mail_links`` module, imported by
:meth:`tasuki.mail.apps.MailConfig.ready` the way the admin finds ``admin``
modules, which calls :func:`register`.

The markers are random per placeholder, so text an entrant typed (a title, a
pen name) can never pose as one: it would have to guess a marker that did not
exist yet when the text was written.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable

#: ``resolver(ref, language=…) -> str``: the text that replaces the placeholder.
Resolver = Callable[..., str]

_resolvers: dict[str, Resolver] = {}
_MARKER = re.compile(r"\[\[mail-part:[0-9a-f]{24}\]\]")


class UnknownResolver(LookupError):
    """A placeholder names a resolver no app registered."""


def register(name: str, resolver: Resolver) -> Resolver:
    """Make ``resolver`` answer placeholders called ``name``."""
    _resolvers[name] = resolver
    return resolver


class Placeholder:
    """Put this in a mail's template context where text must be made at send time."""

    def __init__(self, resolver: str, ref: int | str) -> None:
        self.resolver = resolver
        self.ref = ref
        self.marker = f"[[mail-part:{secrets.token_hex(12)}]]"

    def __str__(self) -> str:
        return self.marker

    def __repr__(self) -> str:
        return f"Placeholder({self.resolver!r}, {self.ref!r})"


def collect(value) -> Iterable[Placeholder]:
    """Every placeholder in a template context (dicts, lists and tuples are searched)."""
    if isinstance(value, Placeholder):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from collect(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from collect(item)


def references(context: dict, *texts: str) -> dict[str, list]:
    """``{marker: [resolver, ref]}`` for the placeholders that made it into ``texts``."""
    return {
        p.marker: [p.resolver, p.ref]
        for p in collect(context)
        if any(p.marker in text for text in texts)
    }


def resolve(text: str, refs: dict[str, list], *, language: str) -> str:
    """``text`` with each known marker replaced by what its resolver answers now.

    One pass over the stored text: resolved text is never scanned again, and a
    marker-like string that is not among ``refs`` is left as it is.
    """
    if not refs:
        return text

    def replace(match: re.Match) -> str:
        ref = refs.get(match.group(0))
        if ref is None:
            return match.group(0)
        name, value = ref
        try:
            resolver = _resolvers[name]
        except KeyError:
            raise UnknownResolver(name) from None
        return resolver(value, language=language)

    return _MARKER.sub(replace, text)
