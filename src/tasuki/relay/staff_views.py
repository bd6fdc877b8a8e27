"""The editors' back office for stories: the desk, the side-by-side editor, the
preview, publishing and the history with restore.

Thin, as the review pages are: every change is one call of
:mod:`tasuki.relay.services` (which records it in the audit trail), and every
view declares its rule with ``staff_required`` (editors, campaign managers and
admins; reviewers do not publish).

A story is addressed by its entry's number (``stories/<entry id>/``), the
same number as the entry's page in review, so the two pages point at each
other and a featured entry's story page exists before its story does (it
offers to start one).
"""

from __future__ import annotations

import contextlib
import difflib
import re
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tasuki.campaigns.models import Campaign, km_label
from tasuki.entries.models import Entry, EntryStatus, Photo, PhotoStatus
from tasuki.entries.serving import rendition_response
from tasuki.relay import services
from tasuki.relay.forms import StoryForm, text_label
from tasuki.relay.models import (
    FROM_ENTRY,
    TEXT_FIELDS,
    TEXT_LIMITS,
    Publication,
    Story,
    StoryRevision,
    StoryState,
)
from tasuki.staff.roles import ADMIN, CAMPAIGN_MANAGER, EDITOR, staff_required

#: Who may write, publish and restore stories.
EDIT_ROLES = [EDITOR, CAMPAIGN_MANAGER, ADMIN]
#: The rendition the editor shows of each photo (the smallest at least this wide).
EDITOR_WIDTH = 480


# --- finding things ---------------------------------------------------------------------


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign, slug=slug)


def _entry(campaign: Campaign, pk: int) -> Entry:
    """One entry of this campaign (another campaign's number finds nothing)."""
    return get_object_or_404(Entry.objects.select_related("campaign"), campaign=campaign, pk=pk)


def _story_of(entry: Entry) -> Story | None:
    return (
        Story.objects.select_related(
            "campaign", "entry", "latest_revision__created_by", "live_revision"
        )
        .filter(entry=entry)
        .first()
    )


def _is_featured(entry: Entry) -> bool:
    review = getattr(entry, "review", None)
    return bool(review and review.featured)


def _ready_photos(entry: Entry) -> list[Photo]:
    return list(entry.photos.filter(status=PhotoStatus.READY).order_by("position", "pk"))


def _title_of(content: dict) -> str:
    """A revision's title in the page's language, or the other one."""
    first, second = ("ja", "en") if _lang() == "ja" else ("en", "ja")
    return content.get(f"title_{first}") or content.get(f"title_{second}") or ""


def _lang() -> str:
    from django.utils.translation import get_language

    return (get_language() or "ja")[:2]


def story_title(story: Story) -> str:
    """What the back office calls a story: its latest draft's title, else its live one."""
    if story.latest_revision is not None:
        title = _title_of(story.latest_revision.content)
        if title:
            return title
    return story.title or _("Untitled story")


def public_url(story: Story) -> str | None:
    """The story's public address, once it is published (None if the page is not there)."""
    if story.state != StoryState.PUBLISHED:
        return None
    try:
        return reverse("relay:story", args=[story.campaign.slug, story.slug])
    except NoReverseMatch:
        return None


def _photo_url(campaign: Campaign, entry: Entry):
    """URLs of an entry's private renditions through this back office (for the editor
    and the preview); the public storage is only written at publication."""

    def url(photo: Photo, width: int | None = None, fmt: str = "jpeg") -> str:
        return reverse(
            "relay_staff:photo",
            args=[campaign.slug, entry.pk, photo.token, _width(photo, width), fmt],
        )

    return url


def _width(photo: Photo, wanted: int | None) -> int:
    widths = sorted(int(w) for w in (photo.renditions or {}) if str(w).isdigit())
    if not widths:
        return wanted or EDITOR_WIDTH
    wanted = wanted or EDITOR_WIDTH
    return next((w for w in widths if w >= wanted), widths[-1])


def _taken_marks(story: Story) -> dict[str, str]:
    """km label → title of the other story holding that mark (live or in its draft)."""
    taken: dict[str, str] = {}
    others = (
        Story.objects.filter(campaign_id=story.campaign_id)
        .exclude(pk=story.pk)
        .exclude(state=StoryState.WITHDRAWN)
        .select_related("latest_revision")
    )
    for other in others:
        if other.state == StoryState.PUBLISHED and other.km is not None:
            taken.setdefault(km_label(other.km), story_title(other))
        if other.latest_revision is not None and other.latest_revision.content.get("km"):
            taken.setdefault(other.latest_revision.content["km"], story_title(other))
    return taken


def _no_story(request: HttpRequest, campaign: Campaign, entry: Entry) -> HttpResponse:
    """The page of an entry that is not a story (yet): why, and how to start one."""
    return render(
        request,
        "relay/staff/no_story.html",
        {
            "campaign": campaign,
            "entry": entry,
            "featured": _is_featured(entry),
            "withdrawn": entry.status == EntryStatus.WITHDRAWN,
        },
    )


def _story_page(request: HttpRequest, slug: str, pk: int, *, refused=None):
    """The campaign, entry and story a story page is about, and ``None``; or, when the
    entry is no story yet, the answer instead: the "not a story yet" page for a GET,
    and for a POST the message ``refused`` (nothing was done) and back to the editor."""
    campaign = _campaign(slug)
    entry = _entry(campaign, pk)
    story = _story_of(entry)
    if story is not None:
        return campaign, entry, story, None
    if request.method == "POST":
        messages.error(request, refused)
        return campaign, entry, None, redirect("relay_staff:edit", campaign.slug, entry.pk)
    return campaign, entry, None, _no_story(request, campaign, entry)


# --- labels and errors ------------------------------------------------------------------


def key_label(key: str) -> str:
    """The readable name of a revision's content key, in the page's language."""
    if key in services.text_keys():
        return text_label(key)
    labels = {
        "km": _("Km mark"),
        "pen_name": _("Pen name"),
        "role": _("Role"),
        "resonated_with": _("The story that moved the author"),
        "photos": _("Photos"),
    }
    return labels.get(key, capfirst(key))


def list_text(items: list[str]) -> str:
    """Items as one line in the page's language ("a, b" or "a、b")."""
    text = items[0] if items else ""
    for item in items[1:]:
        text = _("%(list)s, %(item)s") % {"list": text, "item": item}
    return text


def _anchor(key: str | None) -> str:
    if key == "photos":
        return "photos"
    return f"id_{key}" if key else "story-form"


def error_list(exc: ValidationError) -> list[dict]:
    """A service's refusal as rows of (field label, its anchor, messages)."""
    if hasattr(exc, "error_dict"):
        rows = []
        for key, errors in exc.error_dict.items():
            texts = [m for e in errors for m in e.messages]
            label = None if key == "__all__" else key_label(key)
            rows.append({"label": label, "anchor": _anchor(key), "messages": texts})
        return rows
    return [{"label": None, "anchor": _anchor(None), "messages": list(exc.messages)}]


def _put_errors(form: StoryForm, exc: ValidationError) -> None:
    """A service's refusal next to the fields it names (photos as a group)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.error_list)
        return
    for key, errors in exc.error_dict.items():
        if key == "photos":
            form.photo_errors.extend(m for e in errors for m in e.messages)
        elif key in form.fields:
            form.add_error(key, errors)
        else:
            form.add_error(None, errors)


# --- the desk ---------------------------------------------------------------------------


@require_safe
@staff_required(roles=EDIT_ROLES)
def desk(request: HttpRequest, slug: str) -> HttpResponse:
    """Featured entries ready to be written, and the stories along the course."""
    campaign = _campaign(slug)
    ready = (
        Entry.objects.filter(campaign=campaign, review__featured=True, story__isnull=True)
        .exclude(status=EntryStatus.WITHDRAWN)
        .order_by("submitted_at", "pk")
    )
    stories = list(
        Story.objects.filter(campaign=campaign).select_related(
            "latest_revision__created_by", "live_revision", "campaign"
        )
    )
    rows = []
    for story in stories:
        latest = story.latest_revision
        km = latest.km if latest is not None else story.km
        rows.append(
            {
                "story": story,
                "title": story_title(story),
                "km": km,
                "km_label": km_label(km) if km is not None else "",
                "live_km": story.km_label if story.km != km else "",
                "latest": latest,
                "public_url": public_url(story),
            }
        )
    rows.sort(key=lambda r: (r["km"] is None, r["km"] or Decimal(0), r["story"].pk))
    return render(
        request,
        "relay/staff/desk.html",
        {
            "campaign": campaign,
            "ready": ready,
            "rows": rows,
            "published_count": sum(1 for s in stories if s.state == StoryState.PUBLISHED),
        },
    )


@require_POST
@staff_required(roles=EDIT_ROLES)
def start(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Make a story draft from a featured entry, then open it."""
    campaign = _campaign(slug)
    entry = _entry(campaign, pk)
    try:
        services.start_story(entry, by=request.user, request=request)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("relay_staff:desk", campaign.slug)
    messages.success(
        request,
        _(
            "The story's first draft was made from the entry. The entrant's original "
            "stays beside it and is never changed."
        ),
    )
    return redirect("relay_staff:edit", campaign.slug, entry.pk)


# --- the editor -------------------------------------------------------------------------


def _form(story: Story, photos, *, data=None, initial=None) -> StoryForm:
    current = None
    link = (
        (data or {}).get("resonated_with")
        if data is not None
        else (initial or {}).get("resonated_with")
    )
    if link and str(link).isdigit():
        current = Story.objects.filter(pk=int(link)).first()
    candidates = (
        services.resonance_candidates(story.campaign)
        .exclude(pk=story.pk)
        .order_by("-campaign__run_number", "km", "pk")
    )
    return StoryForm(
        data,
        initial=initial,
        photos=photos,
        taken=_taken_marks(story),
        candidates=candidates,
        current_link=current,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(roles=EDIT_ROLES)
def edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The story beside the entrant's original; saving makes a new revision."""
    campaign, entry, story, answer = _story_page(
        request, slug, pk, refused=_("This entry is not a story yet, so nothing was saved.")
    )
    if answer is not None:
        return answer
    photos = _ready_photos(entry)
    latest = story.latest_revision
    conflict = None
    if request.method == "POST":
        form = _form(story, photos, data=request.POST)
        if form.is_valid():
            content = form.content()
            base = form.cleaned_data.get("base")
            try:
                revision = services.save_draft(
                    story, content, by=request.user, base=base, request=request
                )
            except services.StoryConflict as exc:
                conflict = _conflict(story, exc.latest, content)
                data = request.POST.copy()
                data["base"] = str(exc.latest.number)  # saving again replaces theirs, knowingly
                form = _form(story, photos, data=data)
                form.is_valid()
                latest = exc.latest
            except ValidationError as exc:
                _put_errors(form, exc)
            else:
                if base is not None and revision.number == base:
                    messages.info(
                        request,
                        _("Nothing had changed, so no new revision was made."),
                    )
                else:
                    messages.success(
                        request,
                        _("The draft was saved as revision %(number)s.")
                        % {"number": revision.number},
                    )
                if request.POST.get("then") == "preview":
                    return redirect("relay_staff:preview", campaign.slug, entry.pk)
                return redirect("relay_staff:edit", campaign.slug, entry.pk)
    else:
        initial = StoryForm.initial_from(
            latest.content if latest else {}, photos, base=latest.number if latest else None
        )
        form = _form(story, photos, initial=initial)
    form.describe()
    return render(
        request,
        "relay/staff/edit.html",
        {
            **_story_context(campaign, entry, story),
            "form": form,
            "latest": latest,
            "conflict": conflict,
            "text_rows": _text_rows(form, entry),
            "photo_rows": _photo_rows(form, campaign, entry),
            "missing_photos": entry.photos.exclude(status=PhotoStatus.READY).count(),
            "editable": story.state != StoryState.WITHDRAWN,
        },
        status=409 if conflict else 200,
    )


def _story_context(campaign: Campaign, entry: Entry, story: Story) -> dict:
    return {
        "campaign": campaign,
        "entry": entry,
        "story": story,
        "title": story_title(story),
        "public_url": public_url(story),
    }


def text_legends() -> dict[str, str]:
    """What each story text is, as the editor's form names its row."""
    return {
        "title": _("Title"),
        "lead": _("Lead (the introduction above the answers)"),
        "quote": _("Headline quote"),
        "resonated": _("1. The relay story that resonated most"),
        "appeal": _("2. The race's biggest appeal"),
        "episode": _("3. The episode that moved them"),
        "wishes": _("4. Wishes for the 20th race"),
        "tagline": _("5. #MyRace is …"),
    }


def _text_rows(form: StoryForm, entry: Entry) -> list[dict]:
    originals = _originals(entry)
    legends = text_legends()
    return [
        {
            "name": name,
            "legend": legends[name],
            "ja": ja,
            "en": en,
            "limit": TEXT_LIMITS[name],
            "original": originals[name],
        }
        for name, ja, en in form.text_rows()
    ]


def _originals(entry: Entry) -> dict[str, dict]:
    """The entrant's answer each story text starts from, as sent (read-only)."""
    originals = {
        name: {"text": getattr(entry, source) or ""} for name, source in FROM_ENTRY.items()
    }
    if entry.resonated_km is not None:
        originals["resonated"]["km"] = f"{entry.resonated_km.normalize():f}"
    picked = entry.resonated_with
    if picked is not None:
        originals["resonated"]["picked"] = picked
    return {name: originals.get(name) for name in TEXT_FIELDS}


def _photo_rows(form: StoryForm, campaign: Campaign, entry: Entry) -> list[dict]:
    url = _photo_url(campaign, entry)
    rows = form.photo_rows()
    for row in rows:
        photo = row["photo"]
        row["src"] = url(photo, EDITOR_WIDTH, "jpeg")
        row["full"] = url(photo, 1600, "jpeg")
        width = _width(photo, EDITOR_WIDTH)
        row["width"] = width
        row["height"] = round(width * photo.height / photo.width) if photo.width else width
    return rows


def _conflict(story: Story, theirs: StoryRevision, mine: dict) -> dict:
    """Who saved meanwhile, and which of the editor's fields differ from their version."""
    with contextlib.suppress(ValidationError):
        mine = services.normalise_content(story, mine)
    differ = [k for k in theirs.content if theirs.content.get(k) != mine.get(k)]
    return {
        "revision": theirs,
        "who": theirs.created_by.get_username() if theirs.created_by else _("someone"),
        "fields": list_text([key_label(k) for k in differ]),
    }


# --- preview ----------------------------------------------------------------------------


@require_safe
@staff_required(roles=EDIT_ROLES)
def preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The public story page exactly as it would look, from a draft revision."""
    campaign, entry, story, answer = _story_page(request, slug, pk)
    if answer is not None:
        return answer
    revision = story.latest_revision
    wanted = request.GET.get("revision", "")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        revision = get_object_or_404(StoryRevision, story=story, number=int(wanted))
    if revision is None:
        raise Http404
    from tasuki.relay import selectors

    context = selectors.preview_context(story, revision, _photo_url(campaign, entry))
    context.update(
        {
            "staff_preview": {
                "revision": revision,
                "latest": story.latest_revision,
                "edit_url": reverse("relay_staff:edit", args=[campaign.slug, entry.pk]),
                "history_url": reverse("relay_staff:history", args=[campaign.slug, entry.pk]),
                "is_live": revision.pk == story.live_revision_id
                and story.state == StoryState.PUBLISHED,
            }
        }
    )
    response = render(request, "relay/staff/preview.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


# --- publishing -------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(roles=EDIT_ROLES)
def publish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Ask first (with what is still missing), then make a revision what the public sees."""
    campaign, entry, story, answer = _story_page(
        request, slug, pk, refused=_("This entry is not a story yet, so nothing was published.")
    )
    if answer is not None:
        return answer
    revision = story.latest_revision
    if request.method == "POST":
        number = request.POST.get("revision", "")
        revision = story.revisions.filter(number=int(number)).first() if number.isdigit() else None
        if revision is None:
            messages.error(request, _("Choose the revision to publish from the story's page."))
            return redirect("relay_staff:edit", campaign.slug, entry.pk)
        try:
            services.publish(story, by=request.user, revision=revision, request=request)
        except ValidationError as exc:
            return _publish_page(request, campaign, entry, story, revision, error_list(exc))
        messages.success(
            request,
            _("Revision %(number)s is published: readers see it now.")
            % {"number": revision.number},
        )
        return redirect("relay_staff:edit", campaign.slug, entry.pk)
    problems = []
    if revision is not None:
        try:
            content = services.normalise_content(story, revision.content)
            services.check_publishable(story, content)
        except ValidationError as exc:
            problems = error_list(exc)
    return _publish_page(request, campaign, entry, story, revision, problems)


def _publish_page(request, campaign, entry, story, revision, problems) -> HttpResponse:
    return render(
        request,
        "relay/staff/publish.html",
        {
            **_story_context(campaign, entry, story),
            "revision": revision,
            "problems": problems,
            "km_label": (revision.content.get("km") if revision else "") or "",
            "republish": story.state == StoryState.PUBLISHED,
        },
        status=400 if problems and request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required(roles=EDIT_ROLES)
def unpublish(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Ask first, then take the story off the public pages (it can go up again)."""
    campaign, entry, story, answer = _story_page(
        request, slug, pk, refused=_("This entry is not a story yet, so nothing was changed.")
    )
    if answer is not None:
        return answer
    if request.method == "POST":
        try:
            services.unpublish(story, by=request.user, request=request)
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
        else:
            messages.success(
                request,
                _("The story is off the public pages. Its drafts and history are kept."),
            )
        return redirect("relay_staff:edit", campaign.slug, entry.pk)
    return render(request, "relay/staff/unpublish.html", _story_context(campaign, entry, story))


# --- history ----------------------------------------------------------------------------

#: Latin words stay whole in a diff; any other character (Japanese) is a unit of its own.
_TOKENS = re.compile(r"[A-Za-z0-9'’]+|\s+|.", re.S)


def diff_segments(old: str, new: str) -> list[tuple[str, str]]:
    """``old`` → ``new`` as (kind, text) pieces: "same", "del" or "ins"."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces


def _value_text(key: str, content: dict) -> str:
    """A non-text content value as the history shows it."""
    value = content.get(key)
    if key == "km":
        return _("Km %(km)s") % {"km": value} if value else _("Not placed yet")
    if key == "role":
        from tasuki.entries.models import Role

        return str(dict(Role.choices).get(value, value or "—"))
    if key == "resonated_with":
        if not value:
            return _("None (no story named)")
        target = Story.objects.filter(pk=value).select_related("latest_revision").first()
        return story_title(target) if target else _("a story that no longer exists")
    if key == "photos":
        items = value or []
        if not items:
            return _("No photos")
        return "; ".join(
            _("photo %(number)s: %(alt_en)s / %(alt_ja)s (focal point %(x)s, %(y)s)")
            % {
                "number": n,
                "alt_en": item.get("alt_en") or "—",
                "alt_ja": item.get("alt_ja") or "—",
                "x": item.get("focal_x"),
                "y": item.get("focal_y"),
            }
            for n, item in enumerate(items, start=1)
        )
    return str(value or "")


def compare(old: dict, new: dict) -> list[dict]:
    """The keys in which two revisions' contents differ, each with a diff."""
    rows = []
    keys = [*services.text_keys(), *services.CONTENT_KEYS]
    for key in keys:
        if old.get(key) == new.get(key):
            continue
        if key in services.text_keys() or key == "pen_name":
            pieces = diff_segments(str(old.get(key) or ""), str(new.get(key) or ""))
        else:
            pieces = [("del", _value_text(key, old)), ("ins", _value_text(key, new))]
        lang = key.rsplit("_", 1)[1] if key in services.text_keys() else None
        rows.append({"key": key, "label": key_label(key), "pieces": pieces, "lang": lang})
    return rows


@require_safe
@staff_required(roles=EDIT_ROLES)
def history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Every revision, newest first, with who changed what; the publication events;
    a revision compared with the current draft; restore."""
    campaign, entry, story, answer = _story_page(request, slug, pk)
    if answer is not None:
        return answer
    revisions = list(
        story.revisions.select_related("created_by", "restored_from").order_by("-number")
    )
    for revision in revisions:
        revision.changed_labels = list_text([key_label(k) for k in revision.changed])
    latest = story.latest_revision
    compared = None
    wanted = request.GET.get("compare", "")
    if wanted.isdigit() and latest is not None:
        other = next((r for r in revisions if r.number == int(wanted)), None)
        if other is not None:
            compared = {"revision": other, "rows": compare(other.content, latest.content)}
    return render(
        request,
        "relay/staff/history.html",
        {
            **_story_context(campaign, entry, story),
            "revisions": revisions,
            "latest": latest,
            "events": Publication.objects.filter(story=story).select_related("by", "revision"),
            "compared": compared,
            "editable": story.state != StoryState.WITHDRAWN,
        },
    )


@require_POST
@staff_required(roles=EDIT_ROLES)
def restore(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Make an earlier revision the draft again (as a new revision; nothing is lost)."""
    campaign, entry, story, answer = _story_page(
        request, slug, pk, refused=_("This entry is not a story yet, so nothing was restored.")
    )
    if answer is not None:
        return answer
    number = request.POST.get("revision", "")
    old = story.revisions.filter(number=int(number)).first() if number.isdigit() else None
    if old is None:
        messages.error(request, _("Choose a revision of this story to restore."))
        return redirect("relay_staff:history", campaign.slug, entry.pk)
    try:
        new = services.restore(story, old, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(
            request,
            _("Revision %(number)s could not be restored:") % {"number": old.number},
        )
        for row in error_list(exc):
            for text in row["messages"]:
                messages.error(
                    request,
                    _("%(field)s: %(message)s") % {"field": row["label"], "message": text}
                    if row["label"]
                    else text,
                )
        return redirect("relay_staff:history", campaign.slug, entry.pk)
    messages.success(
        request,
        _(
            "Revision %(old)s was restored as revision %(new)s. It is the draft now; "
            "publish it to show it to readers."
        )
        % {"old": old.number, "new": new.number},
    )
    return redirect("relay_staff:edit", campaign.slug, entry.pk)


# --- photos -----------------------------------------------------------------------------


@require_safe
@staff_required(roles=EDIT_ROLES)
def photo(request: HttpRequest, slug: str, pk: int, token: str, width: int, fmt: str):
    """A rendition of an entry's photo from the private storage, for the editor and
    the preview (the same rule as the reviewers' photos: this campaign's entry)."""
    campaign = _campaign(slug)
    entry = _entry(campaign, pk)
    return rendition_response(entry.photos.all(), token, width, fmt, max_age=600)
