"""Every change review makes: one function per change, one transaction each,
each checked against the transition table and recorded in the audit trail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Avg, Count, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasuki.audit.services import record
from tasuki.campaigns.models import Campaign
from tasuki.core.errors import EntrantError
from tasuki.entries.models import Entry, EntryStatus
from tasuki.review import states
from tasuki.review.models import Claim, Comment, Criterion, Decision, Review, RubricItem, Score
from tasuki.review.states import DecisionKind, ReviewState

#: How long an opened entry shows as someone's ("Mika is on it").
CLAIM_FOR = dt.timedelta(minutes=5)


class ReviewRefused(EntrantError):
    """A review action that cannot be done as asked, with a message for the staff member."""


class StaleVersion(ReviewRefused):
    """The entry changed since the page was shown: the new decisions are attached."""

    def __init__(self, review: Review, since: list[Decision]) -> None:
        super().__init__(
            "stale",
            _(
                "This entry was changed by someone else after you opened it, so your decision "
                "was not saved. Look at what changed, then decide again."
            ),
        )
        self.review = review
        self.since = since


#: The demo campaign's five criteria (the marathon's terms), and its rubric.
DEFAULT_CRITERIA = [
    ("advert", "広告・宣伝", "Advertisement or promotion"),
    ("inappropriate", "悪意のある内容・不適切な内容", "Malicious or inappropriate content"),
    ("off_purpose", "キャンペーンの趣旨に合わない", "Not in line with the campaign's purpose"),
    (
        "race_rules",
        "大会の競技規則に反する文章・写真",
        "Text or photo that breaks the race's competition rules",
    ),
    ("false_information", "虚偽の情報", "False information"),
]
DEFAULT_RUBRIC = [
    ("emotion", "心に響く", "Emotion"),
    ("connection", "大会とのつながり", "Connection to the race"),
    ("writing", "文章", "Writing"),
]


@transaction.atomic
def install_defaults(campaign: Campaign) -> None:
    """Give a campaign the standard criteria and rubric (kept if it has its own)."""
    for position, (code, ja, en) in enumerate(DEFAULT_CRITERIA):
        Criterion.objects.get_or_create(
            campaign=campaign,
            code=code,
            defaults={"name_ja": ja, "name_en": en, "position": position},
        )
    for position, (code, ja, en) in enumerate(DEFAULT_RUBRIC):
        RubricItem.objects.get_or_create(
            campaign=campaign,
            code=code,
            defaults={"name_ja": ja, "name_en": en, "position": position},
        )


def review_for(entry: Entry, *, lock: bool = False) -> Review:
    """The entry's review row (made on first use), locked for the caller's transaction."""
    review, _created = Review.objects.get_or_create(entry=entry)
    if lock:
        review = Review.objects.select_for_update().select_related("entry").get(pk=review.pk)
    return review


def _move(review: Review, target: str) -> None:
    if review.state != target and not states.allowed(review.state, target):
        raise ReviewRefused(
            "transition",
            _("This entry cannot go from “%(from)s” to “%(to)s”.")
            % {"from": ReviewState(review.state).label, "to": ReviewState(target).label},
        )
    review.state = target


def _start(review: Review) -> None:
    """The first look at an entry (opening, a score, a comment) puts it in review."""
    if review.state == ReviewState.NEW:
        _move(review, ReviewState.IN_REVIEW)
        review.save(update_fields=["state", "updated_at"])


def _snapshot(review: Review) -> dict:
    return {
        "state": review.state,
        "featured": review.featured,
        "eligible": review.eligible,
        "disqualified_for": review.disqualified_for.code if review.disqualified_for else None,
        "version": review.version,
    }


@transaction.atomic
def open_entry(entry: Entry, *, by) -> Review:
    """A reviewer opens an entry: it is in review, and claimed by them for a few minutes."""
    review = review_for(entry, lock=True)
    _start(review)
    Claim.objects.update_or_create(
        review=review, defaults={"by": by, "expires_at": timezone.now() + CLAIM_FOR}
    )
    return review


def current_claim(review: Review) -> Claim | None:
    """Who else has the entry open now, if anyone."""
    return Claim.objects.filter(review=review, expires_at__gt=timezone.now()).first()


@dataclass(frozen=True)
class Outcome:
    featured: bool
    eligible: bool
    disqualified_for: Criterion | None


def _standing(review: Review) -> Outcome:
    """The outcome of the decisions that still stand, in order (reverted ones skipped)."""
    featured = eligible = False
    disqualified_for = None
    standing = (
        review.decisions.exclude(kind=DecisionKind.REVERT)
        .filter(reverted_by__isnull=True)
        .select_related("criterion")
        .order_by("at", "pk")
    )
    for decision in standing:
        feature, eligible_now, disqualify = states.EFFECTS[decision.kind]
        if feature is not None:
            featured = feature
        if eligible_now is not None:
            eligible = eligible_now
        if disqualify:
            disqualified_for = decision.criterion
        elif disqualify is False:
            disqualified_for = None
    return Outcome(featured, eligible, disqualified_for)


def _apply(review: Review) -> None:
    outcome = _standing(review)
    review.featured = outcome.featured
    review.eligible = outcome.eligible
    review.disqualified_for = outcome.disqualified_for
    standing = review.decisions.exclude(kind=DecisionKind.REVERT).filter(reverted_by__isnull=True)
    _move(review, ReviewState.DECIDED if standing.exists() else ReviewState.IN_REVIEW)
    review.version += 1
    review.save()


def _check_version(review: Review, version: int) -> None:
    if version != review.version:
        raise StaleVersion(review, list(review.decisions.filter(version__gte=version)))


def _check_entry_open(entry: Entry) -> None:
    if entry.status == EntryStatus.WITHDRAWN:
        raise ReviewRefused(
            "withdrawn",
            _(
                "The entrant has withdrawn this entry, so it can be neither featured nor put "
                "into the draw. Nothing was changed."
            ),
        )


@transaction.atomic
def decide(
    entry: Entry,
    *,
    by,
    kind: str,
    version: int,
    criterion: Criterion | None = None,
    note: str = "",
    excerpt: str = "",
) -> Decision:
    """Record one decision on the version of the entry the staff member was shown."""
    if kind not in states.EFFECTS:
        raise ReviewRefused("kind", _("This is not a decision staff can make."))
    review = review_for(entry, lock=True)
    entry = Entry.objects.select_for_update().get(pk=entry.pk)  # a withdrawal waits for us
    _check_entry_open(entry)
    _check_version(review, version)
    if kind == DecisionKind.DISQUALIFY:
        if criterion is None:
            raise ReviewRefused(
                "criterion", _("Choose the criterion the disqualification rests on.")
            )
        if criterion.campaign_id != entry.campaign_id or not criterion.active:
            raise ReviewRefused(
                "criterion", _("This criterion does not belong to this entry's campaign.")
            )
    elif criterion is not None:
        raise ReviewRefused("criterion", _("Only a disqualification names a criterion."))
    if excerpt and excerpt not in _entry_text(entry):
        raise ReviewRefused(
            "excerpt", _("The quoted excerpt must be words from the entry, copied exactly.")
        )
    before = _snapshot(review)
    decision = Decision.objects.create(
        review=review,
        kind=kind,
        criterion=criterion,
        note=note,
        excerpt=excerpt,
        version=version,
        by=by,
    )
    _apply(review)
    record(
        "review.decided",
        actor=by,
        target=entry,
        before=before,
        after={**_snapshot(review), "decision": decision.pk, "kind": kind},
    )
    return decision


@transaction.atomic
def revert(decision: Decision, *, by, version: int, note: str = "") -> Decision:
    """Undo one standing decision; the decision and its revert both stay in the history."""
    review = review_for(decision.review.entry, lock=True)
    _check_version(review, version)
    if decision.kind == DecisionKind.REVERT:
        raise ReviewRefused("revert", _("A revert cannot itself be reverted; decide again."))
    if Decision.objects.filter(reverts=decision).exists():
        raise ReviewRefused("revert", _("This decision has already been reverted."))
    before = _snapshot(review)
    undo = Decision.objects.create(
        review=review, kind=DecisionKind.REVERT, reverts=decision, note=note, version=version, by=by
    )
    _apply(review)
    record(
        "review.reverted",
        actor=by,
        target=review.entry,
        before=before,
        after={**_snapshot(review), "reverted": decision.pk, "decision": undo.pk},
    )
    return undo


@dataclass(frozen=True)
class BulkResult:
    changed: int
    skipped_withdrawn: int
    skipped_already: int


@transaction.atomic
def decide_many(
    entries: list[Entry], *, by, kind: str, criterion: Criterion | None = None, note: str = ""
) -> BulkResult:
    """The same decision on a selection; withdrawn entries and entries already so are
    left alone and counted, so the confirmation can say exactly what happened."""
    if not entries:
        raise ReviewRefused("empty", _("No entries were selected, so nothing was changed."))
    campaigns = {e.campaign_id for e in entries}
    if len(campaigns) > 1:
        raise ReviewRefused(
            "mixed", _("The selection holds entries of several campaigns; choose from one.")
        )
    changed = withdrawn = already = 0
    for entry in entries:
        review = review_for(entry)
        effect = states.EFFECTS.get(kind)
        if entry.status == EntryStatus.WITHDRAWN:
            withdrawn += 1
            continue
        if effect and _already(review, effect, criterion):
            already += 1
            continue
        decide(entry, by=by, kind=kind, version=review.version, criterion=criterion, note=note)
        changed += 1
    return BulkResult(changed, withdrawn, already)


def _already(review: Review, effect, criterion) -> bool:
    feature, eligible, disqualify = effect
    if disqualify:
        return review.disqualified_for_id == getattr(criterion, "pk", None)
    return (feature is None or review.featured == feature) and (
        eligible is None or review.eligible == eligible
    )


def _entry_text(entry: Entry) -> str:
    return "\n".join(
        [
            entry.title,
            entry.pen_name,
            entry.resonated_story,
            entry.appeal,
            entry.episode,
            entry.wishes,
            entry.tagline,
        ]
    )


@transaction.atomic
def score(entry: Entry, *, by, item: RubricItem, value: int) -> Score:
    """A reviewer's score on one rubric item (a second score replaces their first)."""
    if item.campaign_id != entry.campaign_id:
        raise ReviewRefused("item", _("This rubric item belongs to another campaign."))
    if not item.low <= value <= item.high:
        raise ReviewRefused(
            "value",
            _("A score is a whole number from %(low)s to %(high)s.")
            % {"low": item.low, "high": item.high},
        )
    review = review_for(entry, lock=True)
    _start(review)
    previous = Score.objects.filter(review=review, item=item, reviewer=by).first()
    result, _created = Score.objects.update_or_create(
        review=review, item=item, reviewer=by, defaults={"value": value}
    )
    refresh_score_summaries(Review.objects.filter(pk=review.pk))
    record(
        "review.scored",
        actor=by,
        target=entry,
        before={"item": item.code, "value": previous.value} if previous else None,
        after={"item": item.code, "value": value},
    )
    return result


def refresh_score_summaries(reviews) -> int:
    """Recompute mean, spread (highest minus lowest) and number of reviewers of
    ``reviews`` from their scores, in one statement."""
    scores = Score.objects.filter(review=OuterRef("pk")).order_by().values("review")
    return reviews.update(
        mean_score=Subquery(scores.annotate(v=Avg("value")).values("v")),
        score_spread=Subquery(scores.annotate(v=Max("value") - Min("value")).values("v")),
        reviewer_count=Coalesce(
            Subquery(scores.annotate(v=Count("reviewer", distinct=True)).values("v")), 0
        ),
    )


@transaction.atomic
def comment(entry: Entry, *, by, body: str) -> Comment:
    """An internal comment; staff only."""
    body = body.strip()
    if not body:
        raise ReviewRefused("empty", _("The comment is empty."))
    review = review_for(entry, lock=True)
    _start(review)
    note = Comment.objects.create(review=review, author=by, body=body)
    record("review.commented", actor=by, target=entry, after={"comment": note.pk})
    return note


@transaction.atomic
def mark_follow_checked(entry: Entry, *, by) -> Review:
    """Staff checked that the entrant follows the official accounts."""
    review = review_for(entry, lock=True)
    review.follow_checked_by = by
    review.follow_checked_at = timezone.now()
    review.save(update_fields=["follow_checked_by", "follow_checked_at", "updated_at"])
    record("review.follow_checked", actor=by, target=entry)
    return review
