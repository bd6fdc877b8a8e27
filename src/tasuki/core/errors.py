"""Refusals meant for people."""

from __future__ import annotations


class EntrantError(Exception):
    """Something the entrant can fix: a short code, a translated message saying
    what happened and what to do, and the form field it concerns, if any."""

    field: str | None = None

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        if field is not None:
            self.field = field
