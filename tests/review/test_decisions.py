"""Review decisions: the transition table, the two separate outcomes, criteria of
the entry's own campaign, stale versions, withdrawals, reverts, bulk actions,
scores and the audit trail they all leave."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import translation

from tasuki.audit.models import AuditEvent
from tasuki.audit.services import verify_chain
from tasuki.entries import services as entry_services
from tasuki.review import services, states
from tasuki.review.models import Criterion, Decision, Review, RubricItem
from tasuki.review.states import DecisionKind, ReviewState
from tests.conftest import solve_altcha
from tests.factories import entry_data, open_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The services' refusals are read in English here (the pages test Japanese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def reviewer():
    return get_user_model().objects.create_user("rin", password="unused-in-these-tests-1")


def make_entry(campaign, **overrides):
    data = entry_data(altcha=solve_altcha(), **overrides)
    from tasuki.entries.forms import EntryForm

    form = EntryForm(data, campaign=campaign)
    assert form.is_valid(), form.errors
    return entry_services.submit_entry(
        campaign=campaign, data=form.cleaned_data, photo_tokens=[]
    ).entry


@pytest.fixture
def setup(campaign):
    services.install_defaults(campaign)
    return campaign, make_entry(campaign)


def criterion(campaign, code="advert") -> Criterion:
    return Criterion.objects.get(campaign=campaign, code=code)


def test_every_transition_in_the_table_and_no_other():
    edges = set(states.TRANSITIONS)
    assert (ReviewState.NEW, ReviewState.DECIDED) in edges
    assert (ReviewState.DECIDED, ReviewState.NEW) not in edges  # decided never becomes new
    assert not states.allowed(ReviewState.IN_REVIEW, ReviewState.NEW)


def test_feature_and_eligible_are_separate_and_disqualify_removes_both(setup, reviewer):
    campaign, entry = setup
    services.open_entry(entry, by=reviewer)
    review = Review.objects.get(entry=entry)
    assert review.state == ReviewState.IN_REVIEW
    services.decide(entry, by=reviewer, kind=DecisionKind.FEATURE, version=review.version)
    review.refresh_from_db()
    assert (review.state, review.featured, review.eligible) == (ReviewState.DECIDED, True, False)
    services.decide(entry, by=reviewer, kind=DecisionKind.MAKE_ELIGIBLE, version=review.version)
    review.refresh_from_db()
    assert review.featured and review.eligible
    services.decide(
        entry,
        by=reviewer,
        kind=DecisionKind.DISQUALIFY,
        version=review.version,
        criterion=criterion(campaign),
        note="A shop's coupon code at the end.",
        excerpt=entry.episode[:20],
    )
    review.refresh_from_db()
    assert not review.featured and not review.eligible
    assert review.disqualified_for.code == "advert"
    last = Decision.objects.filter(review=review).last()
    assert (last.by, last.note, last.excerpt) == (reviewer, "A shop's coupon code at the end.",
                                                   entry.episode[:20])  # fmt: skip


def test_a_decision_on_a_stale_version_is_refused_and_says_what_changed(setup, reviewer):
    _, entry = setup
    other = get_user_model().objects.create_user("sora", password="unused-in-these-tests-2")
    shown = services.review_for(entry).version
    services.decide(entry, by=other, kind=DecisionKind.FEATURE, version=shown)
    with pytest.raises(services.StaleVersion) as refused:
        services.decide(entry, by=reviewer, kind=DecisionKind.MAKE_ELIGIBLE, version=shown)
    assert [d.kind for d in refused.value.since] == [DecisionKind.FEATURE]
    assert not Review.objects.get(entry=entry).eligible


def test_a_withdrawn_entry_cannot_be_featured_or_made_eligible(setup, reviewer):
    _, entry = setup
    version = services.review_for(entry).version
    entry_services.withdraw_entry(entry)
    for kind in (DecisionKind.FEATURE, DecisionKind.MAKE_ELIGIBLE):
        with pytest.raises(services.ReviewRefused, match="withdrawn"):
            services.decide(entry, by=reviewer, kind=kind, version=version)
    assert Decision.objects.count() == 0


def test_a_criterion_of_another_campaign_is_refused(setup, reviewer):
    _, entry = setup
    elsewhere = open_campaign()
    services.install_defaults(elsewhere)
    with pytest.raises(services.ReviewRefused, match="campaign"):
        services.decide(
            entry, by=reviewer, kind=DecisionKind.DISQUALIFY, version=0,
            criterion=criterion(elsewhere),
        )  # fmt: skip
    with pytest.raises(services.ReviewRefused):
        services.decide(entry, by=reviewer, kind=DecisionKind.DISQUALIFY, version=0)
    assert not Decision.objects.exists()


def test_an_excerpt_must_be_quoted_from_the_entry(setup, reviewer):
    _, entry = setup
    with pytest.raises(services.ReviewRefused, match="excerpt"):
        services.decide(
            entry, by=reviewer, kind=DecisionKind.FEATURE, version=0, excerpt="never written"
        )


def test_a_revert_restores_the_outcome_and_keeps_the_history(setup, reviewer):
    campaign, entry = setup
    feature = services.decide(entry, by=reviewer, kind=DecisionKind.FEATURE, version=0)
    review = Review.objects.get(entry=entry)
    dq = services.decide(
        entry, by=reviewer, kind=DecisionKind.DISQUALIFY, version=review.version,
        criterion=criterion(campaign, "off_purpose"),
    )  # fmt: skip
    review.refresh_from_db()
    services.revert(dq, by=reviewer, version=review.version, note="Read it again: it fits.")
    review.refresh_from_db()
    assert review.featured and review.disqualified_for is None
    assert review.state == ReviewState.DECIDED
    services.revert(feature, by=reviewer, version=review.version)
    review.refresh_from_db()
    assert review.state == ReviewState.IN_REVIEW and not review.featured
    assert Decision.objects.filter(review=review).count() == 4  # nothing deleted
    with pytest.raises(services.ReviewRefused, match="already"):
        services.revert(feature, by=reviewer, version=review.version)


def test_bulk_decisions_count_what_they_change_and_skip_withdrawn(campaign, reviewer):
    services.install_defaults(campaign)
    entries = [
        make_entry(campaign, title=f"Story {n}", email=f"b{n}@example.com") for n in range(4)
    ]
    entry_services.withdraw_entry(entries[0])
    services.decide(entries[1], by=reviewer, kind=DecisionKind.DISQUALIFY, version=0,
                    criterion=criterion(campaign))  # fmt: skip
    for e in entries:
        e.refresh_from_db()
    result = services.decide_many(
        entries, by=reviewer, kind=DecisionKind.DISQUALIFY, criterion=criterion(campaign)
    )
    assert (result.changed, result.skipped_withdrawn, result.skipped_already) == (2, 1, 1)
    with pytest.raises(services.ReviewRefused, match="No entries"):
        services.decide_many([], by=reviewer, kind=DecisionKind.FEATURE)
    other = make_entry(open_campaign(), title="Elsewhere", email="x@example.com")
    with pytest.raises(services.ReviewRefused, match="several campaigns"):
        services.decide_many([entries[2], other], by=reviewer, kind=DecisionKind.FEATURE)


def test_scores_stay_in_the_rubric_range_and_one_per_reviewer(setup, reviewer):
    campaign, entry = setup
    emotion = RubricItem.objects.get(campaign=campaign, code="emotion")
    services.score(entry, by=reviewer, item=emotion, value=4)
    services.score(entry, by=reviewer, item=emotion, value=5)  # replaces, not adds
    review = Review.objects.get(entry=entry)
    assert list(review.scores.values_list("value", flat=True)) == [5]
    with pytest.raises(services.ReviewRefused, match="from 1 to 5"):
        services.score(entry, by=reviewer, item=emotion, value=6)


def test_the_database_refuses_an_outcome_the_rules_forbid(setup, reviewer):
    campaign, entry = setup
    review = services.review_for(entry)
    review.state = ReviewState.DECIDED
    review.featured = True
    review.disqualified_for = criterion(campaign)
    with pytest.raises(IntegrityError), transaction.atomic():
        review.save()


def test_every_review_action_is_in_the_audit_trail(setup, reviewer):
    campaign, entry = setup
    emotion = RubricItem.objects.get(campaign=campaign, code="emotion")
    decision = services.decide(entry, by=reviewer, kind=DecisionKind.FEATURE, version=0)
    services.revert(decision, by=reviewer, version=1)
    services.score(entry, by=reviewer, item=emotion, value=3)
    services.comment(entry, by=reviewer, body="Lovely detail about the water station.")
    services.mark_follow_checked(entry, by=reviewer)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "review.decided",
        "review.reverted",
        "review.scored",
        "review.commented",
        "review.follow_checked",
    ]
    assert all(e.actor_id == reviewer.pk for e in AuditEvent.objects.all())
    assert AuditEvent.objects.filter(target_id=str(entry.pk)).count() == 5
    assert verify_chain() is None
    # Personal data never goes into the trail.
    trail = " ".join(str(e.before) + str(e.after) for e in AuditEvent.objects.all())
    assert entry.details.email not in trail and entry.details.real_name not in trail
