"""Automatic checks: detectors that flag entries for reviewers, with evidence.

The active checks are a setting, ``TASUKI_CHECKS``, listed the way Django lists
``AUTH_PASSWORD_VALIDATORS``::

    TASUKI_CHECKS = [
        {"NAME": "tasuki.review.checks.advert.AdvertCheck"},
        {"NAME": "tasuki.review.checks.photos.SmallPhotoCheck", "OPTIONS": {"min_side": 800}},
    ]

:func:`run` applies them to one document. A check that fails (a bug, a photo
no library can read) does not stop the others and does not lose the entry: it
becomes a ``not_checked`` finding that says which check could not finish.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from tasuki.review.checks.base import Check, Document, Finding, Session, Severity

__all__ = ["Check", "Document", "Finding", "Session", "Severity", "active_checks", "run"]

log = logging.getLogger(__name__)

#: The code of the note left when a check could not finish.
NOT_CHECKED = "not_checked"


@cache
def active_checks() -> tuple[Check, ...]:
    """The checks ``TASUKI_CHECKS`` lists, instantiated once per process."""
    checks = []
    for item in getattr(settings, "TASUKI_CHECKS", ()):
        cls = import_string(item["NAME"])
        checks.append(cls(**item.get("OPTIONS", {})))
    return tuple(checks)


def _reset(*, setting: str, **kwargs) -> None:
    if setting == "TASUKI_CHECKS":
        active_checks.cache_clear()


setting_changed.connect(_reset, dispatch_uid="tasuki.review.checks.reset")


def all_codes() -> list[str]:
    """Every code the active checks may produce, in the order of the setting."""
    codes: list[str] = []
    for check in active_checks():
        codes.extend(code for code in check.codes if code not in codes)
    return [*codes, NOT_CHECKED]


def run(
    document: Document,
    session: Session,
    checks: Iterable[Check] | None = None,
    *,
    photos: bool = True,
) -> list[Finding]:
    """Every finding of ``checks`` (the active ones by default) about ``document``."""
    findings: list[Finding] = []
    for check in active_checks() if checks is None else checks:
        if check.reads_photos and not photos:
            continue
        try:
            findings.extend(check.check(document, session))
        except Exception:
            # Logged without the text (it may hold personal data): the
            # document's ref and the check's name say enough to reproduce it.
            log.exception("check %s failed on document %s", check.name, document.ref)
            findings.append(
                Finding(
                    code=NOT_CHECKED,
                    severity=Severity.LOW,
                    reason=gettext_noop(
                        "The automatic check “%(check)s” could not finish on this entry; "
                        "please read it with that check in mind."
                    ),
                    params={"check": check.name},
                )
            )
    # A tentative finding (one that names codes it yields to) gives way to a
    # firm finding of one of those codes; tentative ones never displace each other.
    firm = {finding.code for finding in findings if not finding.yields_to}
    return [f for f in findings if not firm.intersection(f.yields_to)]
