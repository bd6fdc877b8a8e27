"""The automatic flags as reviewers see them: the entry page's flags panel with
its evidence, dismissing a flag with a reason, and checking a campaign again.

Evidence is rendered here, on the server, from the entrant's own text: every
character is escaped first and only our ``<mark>``, ``<br>`` and diff marks
are added, so an answer holding HTML or a script shows as text. Spans come
from the checks (and from old rows): they may overlap, run past the end of an
answer after it was edited, or be malformed; they are clamped and merged,
never trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from tasuki.entries.models import Entry, Photo, PhotoStatus
from tasuki.review import flag_labels, flagging, selectors
from tasuki.review.check_models import CheckRun, CheckRunStatus, Flag
from tasuki.review.checks.base import render_reason
from tasuki.review.services import ReviewRefused
from tasuki.staff.roles import ADMIN, CAMPAIGN_MANAGER, REVIEWER, staff_required

#: Characters of context shown around a span in the flags panel.
CONTEXT = 50
#: Spans shown per flag in the panel (the answers below show them all).
MAX_EXCERPTS = 6
#: Tokens a side-by-side comparison diffs; beyond this the texts are shown unmarked.
MAX_DIFF_TOKENS = 12_000
#: Codes whose photo is hidden until the reviewer chooses to see it.
HIDDEN_PHOTO_CODES = {"nudity"}

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
#: Japanese is compared character by character, other scripts word by word;
#: spaces and signs are tokens of their own.
_DIFF_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+|\s+|.", re.S)


#: Two or more line breaks in a row (in our own markup).
_BREAKS = re.compile(r"(?:<br>){2,}")


# --- rendering text with marks ----------------------------------------------------


def _text(value: str) -> str:
    """Escaped, with line breaks kept (as ``linebreaksbr`` does)."""
    return escape(value.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


def merge(ranges: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Ranges clamped to ``0..length``, empty ones dropped, overlapping ones merged."""
    clean = sorted((max(0, min(start, length)), max(0, min(end, length))) for start, end in ranges)
    merged: list[tuple[int, int]] = []
    for start, end in clean:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, ranges: Iterable[tuple[int, int]]) -> SafeString:
    """``text`` escaped, with ``ranges`` (character offsets) in ``<mark>``."""
    text = text or ""
    out, at = [], 0
    for start, end in merge(ranges, len(text)):
        out.append(_text(text[at:start]))
        out.append(f"<mark>{_text(text[start:end])}</mark>")
        at = end
    out.append(_text(text[at:]))
    # Every piece of the entrant's text went through escape() in _text().
    return mark_safe("".join(out))  # noqa: S308  # nosec


def excerpts(text: str, ranges: Iterable[tuple[int, int]]) -> list[SafeString]:
    """Short passages of ``text`` around ``ranges``, marked, with "…" where cut."""
    text = text or ""
    marked = merge(ranges, len(text))
    windows = merge(((s - CONTEXT, e + CONTEXT) for s, e in marked), len(text))
    out = []
    for w_start, w_end in windows:
        inside = [(s - w_start, e - w_start) for s, e in marked if s < w_end and e > w_start]
        body = highlight(text[w_start:w_end], inside)
        # A passage is a glimpse: blank lines in it would only push the mark apart.
        body = _BREAKS.sub("<br>", body).removeprefix("<br>").removesuffix("<br>")
        before = "…" if w_start > 0 else ""
        after = "…" if w_end < len(text) else ""
        out.append(mark_safe(f"{before}{body}{after}"))  # noqa: S308  # nosec
    return out


def spans_of(flag: Flag) -> dict[str, list[tuple[int, int]]]:
    """The flag's spans by field; malformed ones (old rows, bad data) are skipped."""
    found: dict[str, list[tuple[int, int]]] = {}
    evidence = flag.evidence if isinstance(flag.evidence, dict) else {}
    for item in evidence.get("spans") or ():
        try:
            name, start, end = item
            start, end = int(start), int(end)
        except (TypeError, ValueError):
            continue
        if isinstance(name, str):
            found.setdefault(name, []).append((start, end))
    return found


def diff_pair(a: str, b: str) -> tuple[SafeString, SafeString, bool]:
    """Both texts escaped with what differs marked (``<mark class="diff">``).

    Japanese is compared character by character and other scripts word by
    word. Returns False as the third item when the texts were too long to
    compare (then nothing is marked).
    """
    a, b = a or "", b or ""
    ta, tb = _DIFF_TOKEN.findall(a), _DIFF_TOKEN.findall(b)
    if len(ta) + len(tb) > MAX_DIFF_TOKENS:
        return highlight(a, ()), highlight(b, ()), False
    matcher = SequenceMatcher(None, ta, tb, autojunk=False)
    left, right = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pieces_a, pieces_b = "".join(ta[i1:i2]), "".join(tb[j1:j2])
        if tag == "equal":
            left.append(_text(pieces_a))
            right.append(_text(pieces_b))
            continue
        left.append(_diff_mark(pieces_a))
        right.append(_diff_mark(pieces_b))
    # Every piece went through escape() in _text() or _diff_mark().
    return mark_safe("".join(left)), mark_safe("".join(right)), True  # noqa: S308  # nosec


def _diff_mark(piece: str) -> str:
    if not piece:
        return ""
    if not piece.strip():  # only spaces changed: nothing to see
        return _text(piece)
    return f'<mark class="diff">{_text(piece)}</mark>'


# --- the flags panel ---------------------------------------------------------------


@dataclass
class Excerpt:
    field: str
    label: str
    passages: list[SafeString]


@dataclass
class Comparison:
    other: Entry | None
    #: (answer's name, this entry's text, the other's, whether they are the same)
    rows: list[tuple[str, SafeString, SafeString, bool]] = field(default_factory=list)
    complete: bool = True


@dataclass
class PhotoEvidence:
    photo: Photo
    url: str
    full_url: str
    boxes: list[tuple[float, float, float, float]]
    hidden: bool


@dataclass
class FlagView:
    """One flag as the panel shows it."""

    flag: Flag
    label: str
    reason: str
    excerpts: list[Excerpt]
    more_spans: int = 0
    comparison: Comparison | None = None
    other: Entry | None = None
    other_missing: bool = False
    photo: PhotoEvidence | None = None
    photo_missing: bool = False
    score: float | None = None
    similarity: int | None = None

    @property
    def severity_short(self) -> str:
        return str(flag_labels.SEVERITY_SHORT.get(self.flag.severity, self.flag.severity))


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN is no number


def _boxes(evidence: dict) -> list[tuple[float, float, float, float]]:
    """Boxes as percentages of the photo, clamped to it; malformed ones skipped."""
    out = []
    for box in evidence.get("boxes") or ():
        try:
            left, top, width, height = (float(v) for v in box)
        except (TypeError, ValueError):
            continue
        left, top = min(max(left, 0.0), 1.0), min(max(top, 0.0), 1.0)
        width, height = min(max(width, 0.0), 1.0 - left), min(max(height, 0.0), 1.0 - top)
        if width > 0 and height > 0:
            out.append(tuple(round(v * 100, 2) for v in (left, top, width, height)))
    return out


def _rendition(photo: Photo, wanted: int) -> tuple[int, str] | None:
    """The smallest rendition at least ``wanted`` wide (or the widest there is)."""
    sizes = []
    for width, formats in (photo.renditions or {}).items():
        if not isinstance(formats, dict):
            continue
        fmt = next((f for f in ("jpeg", "webp") if formats.get(f)), None)
        if fmt and str(width).isdigit():
            sizes.append((int(width), fmt))
    if not sizes:
        return None
    sizes.sort()
    return next(((w, f) for w, f in sizes if w >= wanted), sizes[-1])


def _photo_evidence(campaign, entry: Entry, flag: Flag, evidence: dict) -> PhotoEvidence | None:
    photo = flag.photo
    if photo is None or photo.entry_id != entry.pk or photo.status != PhotoStatus.READY:
        return None
    small, large = _rendition(photo, 480), _rendition(photo, 1600)
    if small is None:
        return None

    def url(size):
        return reverse("review:photo", args=[campaign.slug, entry.pk, photo.token, *size])

    return PhotoEvidence(
        photo=photo,
        url=url(small),
        full_url=url(large),
        boxes=_boxes(evidence),
        hidden=flag.code in HIDDEN_PHOTO_CODES,
    )


def _comparison(entry: Entry, other: Entry) -> Comparison:
    comparison = Comparison(other=other)
    for name in flagging.FIELDS:
        mine, theirs = getattr(entry, name) or "", getattr(other, name) or ""
        if not mine and not theirs:
            continue
        left, right, complete = diff_pair(mine, theirs)
        comparison.complete &= complete
        comparison.rows.append((flag_labels.field_label(name), left, right, mine == theirs))
    return comparison


def flag_view(campaign, entry: Entry, flag: Flag, language: str) -> FlagView:
    evidence = flag.evidence if isinstance(flag.evidence, dict) else {}
    params = flag.params if isinstance(flag.params, dict) else {}
    view = FlagView(
        flag=flag,
        label=flag_labels.label(flag.code),
        reason=render_reason(flag.reason, params, language),
        excerpts=[],
        score=_number(evidence.get("score")),
    )
    similarity = _number(evidence.get("similarity"))
    if similarity is not None:
        view.similarity = round(similarity * 100)
    shown = 0
    for name, ranges in spans_of(flag).items():
        text = getattr(entry, name, None) if name in flagging.FIELDS else None
        if not isinstance(text, str):
            continue
        passages = excerpts(text, ranges)
        room = MAX_EXCERPTS - shown
        if room <= 0 or not passages:
            view.more_spans += len(passages)
            continue
        view.excerpts.append(Excerpt(name, flag_labels.field_label(name), passages[:room]))
        view.more_spans += max(0, len(passages) - room)
        shown += min(room, len(passages))
    if flag.duplicate_of_id or evidence.get("duplicate_of") is not None:
        other = None
        if flag.duplicate_of_id and flag.duplicate_of_id != entry.pk:
            other = selectors.entry_for_review(campaign, flag.duplicate_of_id)
        view.other = other
        view.other_missing = other is None
        if other is not None and (flag.code == "duplicate" or similarity is not None):
            view.comparison = _comparison(entry, other)
    if flag.photo_id or evidence.get("photo") is not None:
        view.photo = _photo_evidence(campaign, entry, flag, evidence)
        view.photo_missing = view.photo is None
    return view


def _severity_key(flag: Flag):
    return (flag_labels.SEVERITY_ORDER.get(flag.severity, 9), flag.created_at, flag.pk)


def panel(campaign, entry: Entry, language: str | None = None) -> dict:
    """What the entry page shows of the automatic flags, and its answers marked."""
    language = (language or get_language() or "en")[:2]
    flags = list(entry.flags.select_related("dismissed_by", "photo"))
    open_ = sorted((f for f in flags if f.is_open), key=_severity_key)
    closed = sorted(
        (f for f in flags if not f.is_open),
        key=lambda f: (f.dismissed_at or f.superseded_at, f.pk),
        reverse=True,
    )
    marks: dict[str, list[tuple[int, int]]] = {}
    for flag in open_:
        for name, ranges in spans_of(flag).items():
            marks.setdefault(name, []).extend(ranges)
    marked = {
        name: highlight(getattr(entry, name) or "", marks.get(name, ())) for name in flagging.FIELDS
    }
    return {
        "open_flags": [flag_view(campaign, entry, f, language) for f in open_],
        "closed_flags": [
            (f, flag_labels.label(f.code), render_reason(f.reason, f.params or {}, language))
            for f in closed
        ],
        "marked": marked,
        "marked_fields": {
            name
            for name, ranges in marks.items()
            if merge(ranges, len(getattr(entry, name, "") or ""))
        },
    }


# --- views -------------------------------------------------------------------------


REVIEW_ROLES = [REVIEWER, CAMPAIGN_MANAGER]
RUN_ROLES = [CAMPAIGN_MANAGER, ADMIN]


@require_POST
@staff_required(roles=REVIEW_ROLES)
def dismiss(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Dismiss one flag of the entry, with the reviewer's reason (audited)."""
    from tasuki.review import views

    campaign = views._campaign(slug)
    item = views._entry(campaign, pk)
    flag = get_object_or_404(Flag, pk=views._int(request.POST.get("flag")), entry=item)
    reason = request.POST.get("reason", "")[:2000]
    query = request.POST.get("query", "")
    try:
        flagging.dismiss(flag, by=request.user, reason=reason, request=request)
    except ReviewRefused as refused:
        if refused.code == "reason":
            # Shown beside the field, with what was typed kept.
            return views.entry_page(
                request,
                campaign,
                item,
                flag_error=(flag.pk, str(refused.message), reason),
                status=400,
            )
        messages.error(request, str(refused.message))
    else:
        messages.success(
            request,
            _("The flag “%(flag)s” was dismissed; it stays in the entry's flag history.")
            % {"flag": flag_labels.label(flag.code)},
        )
    url = reverse("review:entry", args=[campaign.slug, item.pk])
    return redirect(f"{url}?{query}#flags" if query else f"{url}#flags")


def _latest_run(campaign) -> CheckRun | None:
    return CheckRun.objects.filter(campaign=campaign).select_related("requested_by").first()


@require_safe
@staff_required(roles=RUN_ROLES)
def checks(request: HttpRequest, slug: str) -> HttpResponse:
    """The campaign's runs of the automatic checks: the latest with its progress."""
    from tasuki.review import views

    campaign = views._campaign(slug)
    runs = list(CheckRun.objects.filter(campaign=campaign).select_related("requested_by")[:10])
    run = runs[0] if runs else None
    running = run is not None and run.status in (CheckRunStatus.QUEUED, CheckRunStatus.RUNNING)
    queue = reverse("review:queue", args=[campaign.slug])
    return render(
        request,
        "review/checks.html",
        {
            "campaign": campaign,
            "run": run,
            "running": running,
            "earlier": runs[1:],
            "entries": campaign.entries.count(),
            "flagged_url": f"{queue}?{urlencode({'flag': 'any'})}",
        },
    )


@require_POST
@staff_required(roles=RUN_ROLES)
def start_checks(request: HttpRequest, slug: str) -> HttpResponse:
    """Check every entry of the campaign again (one run at a time)."""
    from tasuki.review import views

    campaign = views._campaign(slug)
    before = _latest_run(campaign)
    run = flagging.start_run(campaign, by=request.user, request=request)
    if before is not None and before.pk == run.pk:
        messages.info(request, _("The checks are already running; here is their progress."))
    else:
        messages.success(request, _("The checks will run again over every entry."))
    return redirect("review:checks", campaign.slug)


def codes_for_filter(campaign) -> list[tuple[str, str]]:
    """(code, name) for the queue's filter: the named codes, and any other the
    campaign's flags carry (read without importing the checks in the web process)."""
    present = selectors.flag_codes_in(campaign)
    return [(code, flag_labels.label(code)) for code in flag_labels.known_codes(present)]


def badges(flags: Sequence[Flag]) -> list[tuple[str, str, str, str]]:
    """One badge per code of an entry's open flags, most severe first:
    (code, name, severity, severity's short name)."""
    best: dict[str, str] = {}
    for flag in flags:
        held = best.get(flag.code)
        if held is None or flag_labels.SEVERITY_ORDER.get(
            flag.severity, 9
        ) < flag_labels.SEVERITY_ORDER.get(held, 9):
            best[flag.code] = flag.severity
    ordered = sorted(best.items(), key=lambda kv: (flag_labels.SEVERITY_ORDER.get(kv[1], 9), kv[0]))
    return [
        (code, flag_labels.label(code), sev, str(flag_labels.SEVERITY_SHORT.get(sev, sev)))
        for code, sev in ordered
    ]
