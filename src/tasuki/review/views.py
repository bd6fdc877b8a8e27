"""Review pages of the back office: the queue, one entry, bulk decisions, the
dashboard. Thin: reads come from ``selectors``, every change from ``services``;
every view declares its rule with ``staff_required`` (see tasuki.staff.roles)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Avg, Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from tasuki.campaigns.models import Campaign
from tasuki.entries.models import Entry, EntryStatus, Role, private_storage
from tasuki.entries.serving import rendition_response
from tasuki.review import dashboard as dashboard_data
from tasuki.review import flag_views, selectors, services
from tasuki.review.models import Decision
from tasuki.review.selectors import QueueFilters
from tasuki.review.states import DecisionKind, ReviewState
from tasuki.staff.roles import (
    ADMIN,
    CAMPAIGN_MANAGER,
    REVIEWER,
    has_role,
    may_see_personal_data,
    staff_required,
)

REVIEW_ROLES = [REVIEWER, CAMPAIGN_MANAGER]
PAGE_SIZE = 50


def _campaign(slug: str) -> Campaign:
    return get_object_or_404(Campaign, slug=slug)


def _entry(campaign: Campaign, pk: int) -> Entry:
    entry = selectors.entry_for_review(campaign, pk)
    if entry is None:  # another campaign's entry, or none: nothing to tell
        raise Http404
    return entry


def _filtered(request: HttpRequest, campaign: Campaign, params=None):
    params = request.GET if params is None else params
    filters = QueueFilters.from_query(params)
    entries = selectors.queue(campaign, filters)
    text = params.get("q", "").strip()[:200]
    if text:
        entries = selectors.search(entries, text)
    return filters, text, entries


@require_safe
@staff_required(roles=REVIEW_ROLES)
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    filters, text, entries = _filtered(request, campaign)
    page = Paginator(selectors.with_open_flags(entries), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for row in page:
        row.flag_badges = flag_views.badges(row.open_flags)
    no_words = bool(text) and not selectors.search_words(text)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "review/queue.html",
        {
            "campaign": campaign,
            "page": page,
            "filters": filters,
            "text": text,
            "no_words": no_words,
            "query": query.urlencode(),
            "states": ReviewState.choices,
            "roles": Role.choices,
            "countries": selectors.countries_in(campaign),
            "reviewers": selectors.reviewers_of(campaign),
            "score_steps": [1, 2, 3, 4, 5],
            "may_export_personal_data": has_role(request.user, ADMIN),
            "periods": campaign.periods.all(),
            "criteria": selectors.criteria(campaign),
            "flag_codes": flag_views.codes_for_filter(campaign),
            "bulk_kinds": [
                (k, DecisionKind(k).label)
                for k in (
                    DecisionKind.FEATURE,
                    DecisionKind.MAKE_ELIGIBLE,
                    DecisionKind.DISQUALIFY,
                )
            ],
        },
    )


@require_safe
@staff_required(roles=REVIEW_ROLES)
def entry(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    campaign = _campaign(slug)
    return entry_page(request, campaign, _entry(campaign, pk))


def entry_page(
    request: HttpRequest,
    campaign: Campaign,
    item: Entry,
    *,
    flag_error: tuple[int, str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The reviewer's page for one entry (also shown again, with the error beside
    its field, when a flag's dismissal was refused: ``flag_error`` is the flag's
    id, the message and the text typed)."""
    review = services.open_entry(item, by=request.user)
    claim = services.current_claim(review)
    if request.method == "POST":
        query = request.POST.get("query", "")[:2000]
        params = QueryDict(query)
    else:
        query, params = request.GET.urlencode(), request.GET
    _filters, _text, entries = _filtered(request, campaign, params)
    previous_id, next_id = _neighbours(entries, item)
    rubric = list(selectors.rubric(campaign))
    mine = dict(review.scores.filter(reviewer=request.user).values_list("item_id", "value"))
    show_others = bool(mine) or request.GET.get("others") == "1"
    summary = (
        review.scores.values("item__code")
        .annotate(mean=Avg("value"), n=Count("pk"))
        .order_by("item__position")
    )
    return render(
        request,
        "review/entry.html",
        {
            **flag_views.panel(campaign, item),
            "flag_error": flag_error,
            "campaign": campaign,
            "entry": item,
            "review": review,
            "claim": claim if claim and claim.by_id != request.user.pk else None,
            "decisions": review.decisions.select_related("by", "criterion", "reverts")
            .prefetch_related("reverted_by")
            .order_by("at", "pk"),
            "comments": review.comments.select_related("author"),
            "rubric": [
                (item_, mine.get(item_.pk), range(item_.low, item_.high + 1)) for item_ in rubric
            ],
            "summary": summary if show_others else [],
            "show_others": show_others,
            "criteria": selectors.criteria(campaign),
            "photos": item.photos.all(),
            "query": query,
            "previous_id": previous_id,
            "next_id": next_id,
            "withdrawn": item.status == EntryStatus.WITHDRAWN,
            "may_see_personal_data": may_see_personal_data(request.user),
            "kinds": [
                (k, DecisionKind(k).label) for k in DecisionKind.values if k != DecisionKind.REVERT
            ],
        },
        status=status,
    )


def _neighbours(entries, item: Entry) -> tuple[int | None, int | None]:
    """The entries before and after ``item`` in the current view (its filters and
    order), found within the nearest 2,000 so a huge queue never costs a full read."""
    ids = list(entries.values_list("pk", flat=True)[:2000])
    if item.pk not in ids:
        return None, None
    at = ids.index(item.pk)
    return (ids[at - 1] if at else None), (ids[at + 1] if at + 1 < len(ids) else None)


@require_POST
@staff_required(roles=REVIEW_ROLES)
def act(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Every change made from the entry page: one service call, then back (or next)."""
    campaign = _campaign(slug)
    item = _entry(campaign, pk)
    action = request.POST.get("action", "")
    try:
        if action == "decide":
            criterion = None
            if request.POST.get("criterion"):
                criterion = selectors.criteria(campaign).filter(
                    pk=_int(request.POST["criterion"])
                ).first() or _foreign_criterion(request.POST["criterion"])
            services.decide(
                item,
                by=request.user,
                kind=request.POST.get("kind", ""),
                version=_int(request.POST.get("version")),
                criterion=criterion,
                note=request.POST.get("note", "")[:2000],
                excerpt=request.POST.get("excerpt", "")[:1000],
            )
            messages.success(request, _("The decision was saved."))
        elif action == "revert":
            decision = get_object_or_404(Decision, pk=_int(request.POST.get("decision")),
                                         review__entry=item)  # fmt: skip
            services.revert(
                decision,
                by=request.user,
                version=_int(request.POST.get("version")),
                note=request.POST.get("note", "")[:2000],
            )
            messages.success(request, _("The decision was reverted; both stay in the history."))
        elif action == "score":
            for item_ in selectors.rubric(campaign):
                value = request.POST.get(f"score-{item_.code}")
                if value:
                    services.score(item, by=request.user, item=item_, value=_int(value))
            messages.success(request, _("Your scores were saved."))
        elif action == "comment":
            services.comment(item, by=request.user, body=request.POST.get("body", "")[:4000])
            messages.success(request, _("Your comment was added."))
        elif action == "follow":
            services.mark_follow_checked(item, by=request.user)
            messages.success(request, _("The follow check was recorded."))
        else:
            raise Http404
    except services.StaleVersion as stale:
        changes = ", ".join(
            _("%(kind)s by %(who)s") % {"kind": d.get_kind_display(), "who": d.by.get_username()}
            for d in stale.since
        )
        messages.error(
            request, _("%(message)s Changes since you opened it: %(changes)s.")
            % {"message": stale.message, "changes": changes or "—"},
        )  # fmt: skip
    except services.ReviewRefused as refused:
        messages.error(request, str(refused.message))
    target = item.pk
    if request.POST.get("then") == "next":
        nxt = selectors.next_to_review(campaign, after=item)
        target = nxt.pk if nxt else item.pk
    url = reverse("review:entry", args=[campaign.slug, target])
    query = request.POST.get("query", "")
    return redirect(f"{url}?{query}" if query else url)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _foreign_criterion(value):
    """A criterion id that is not this campaign's: the service refuses it by name."""
    from tasuki.review.models import Criterion

    return Criterion.objects.filter(pk=_int(value)).first()


@require_POST
@staff_required(roles=REVIEW_ROLES)
def bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """A decision on a selection, after a confirmation that says how many it changes."""
    campaign = _campaign(slug)
    ids = [_int(v) for v in request.POST.getlist("entries")][:1000]
    entries = list(Entry.objects.filter(campaign=campaign, pk__in=ids))
    kind = request.POST.get("kind", "")
    criterion = None
    if request.POST.get("criterion"):
        criterion = selectors.criteria(campaign).filter(
            pk=_int(request.POST["criterion"])
        ).first() or _foreign_criterion(request.POST["criterion"])
    query = request.POST.get("query", "")
    back = reverse("review:queue", args=[campaign.slug]) + (f"?{query}" if query else "")
    if not entries:
        messages.error(request, _("No entries were selected, so nothing was changed."))
        return redirect(back)
    if kind not in (DecisionKind.FEATURE, DecisionKind.MAKE_ELIGIBLE, DecisionKind.DISQUALIFY):
        messages.error(request, _("Choose what to do with the selected entries."))
        return redirect(back)
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "review/bulk_confirm.html",
            {
                "campaign": campaign,
                "entries": entries,
                "kind": DecisionKind(kind),
                "criterion": criterion,
                "query": query,
            },
        )
    try:
        result = services.decide_many(entries, by=request.user, kind=kind, criterion=criterion)
    except services.ReviewRefused as refused:
        messages.error(request, str(refused.message))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)s entry was changed.", "%(count)s entries were changed.", result.changed)
        % {"count": result.changed},
    )
    if result.skipped_withdrawn or result.skipped_already:
        messages.info(
            request,
            _(
                "Left as they were: %(withdrawn)s withdrawn by their entrant, %(already)s "
                "already decided that way."
            )
            % {"withdrawn": result.skipped_withdrawn, "already": result.skipped_already},
        )
    return redirect(back)


@require_POST
@staff_required(roles=[CAMPAIGN_MANAGER, ADMIN])
def personal_data(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Show the entrant's personal data to a role allowed to see it (recorded)."""
    campaign = _campaign(slug)
    item = _entry(campaign, pk)
    data = selectors.personal_data_for(item, by=request.user, request=request)
    return render(
        request,
        "review/personal_data.html",
        {"campaign": campaign, "entry": item, "data": data},
    )


@require_safe
@staff_required(roles=REVIEW_ROLES)
def photo(request: HttpRequest, slug: str, pk: int, token: str, width: int, fmt: str):
    """A rendition of an entry's photo, for staff who review it."""
    campaign = _campaign(slug)
    item = _entry(campaign, pk)
    return rendition_response(item.photos.all(), token, width, fmt, max_age=600)


@require_safe
@staff_required(roles=[CAMPAIGN_MANAGER, ADMIN])
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign(slug)
    return render(
        request,
        "review/dashboard.html",
        {
            "campaign": campaign,
            "charts": dashboard_data.charts(campaign),
            "flags": dashboard_data.flags(campaign),
            "queue_url": reverse("review:queue", args=[campaign.slug])
            + "?"
            + urlencode({"order": "arrival"}),
        },
    )


@require_POST
@staff_required(roles=[REVIEWER, CAMPAIGN_MANAGER, ADMIN])
def export(request: HttpRequest, slug: str) -> HttpResponse:
    """The filtered queue as a file: at once when small, by the worker when large."""
    from django.utils.translation import get_language

    from tasuki.review import exports
    from tasuki.review.tasks import write_export_task

    campaign = _campaign(slug)
    job = exports.request_export(
        campaign,
        by=request.user,
        fmt=request.POST.get("format", "csv"),
        query=request.POST.get("query", ""),
        personal=request.POST.get("personal") == "yes",
    )
    if exports.is_inline(job):
        job = exports.write(job.pk, language=get_language())
        return _download(job)
    write_export_task.enqueue(job.pk, get_language())
    return redirect("review:export_status", campaign.slug, job.pk)


def _own_export(request: HttpRequest, slug: str, pk: int):
    from tasuki.review.models import Export

    job = get_object_or_404(Export, pk=pk, campaign__slug=slug)
    if job.requested_by_id != request.user.pk and not has_role(request.user, ADMIN):
        raise Http404  # someone else's file: nothing to tell
    return job


@require_safe
@staff_required(roles=[REVIEWER, CAMPAIGN_MANAGER, ADMIN])
def export_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    job = _own_export(request, slug, pk)
    return render(request, "review/export_status.html", {"campaign": job.campaign, "job": job})


@require_safe
@staff_required(roles=[REVIEWER, CAMPAIGN_MANAGER, ADMIN])
def export_download(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    from tasuki.review.models import ExportStatus

    job = _own_export(request, slug, pk)
    if job.status != ExportStatus.DONE:
        raise Http404
    return _download(job)


def _download(job) -> HttpResponse:
    from tasuki.review import exports

    response = FileResponse(
        private_storage().open(job.path, "rb"),
        content_type=exports.media_type(job),
        as_attachment=True,
        filename=f"{job.campaign.slug}-{job.pk}.{job.format}",
    )
    response["Cache-Control"] = "private, no-store"
    return response
