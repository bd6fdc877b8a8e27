"""The queue's filters and sort orders, and what a reviewer may read."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.http import QueryDict

from tasuki.audit.models import AuditEvent
from tasuki.review import selectors, services
from tasuki.review.models import RubricItem
from tasuki.review.selectors import QueueFilters
from tasuki.review.states import DecisionKind, ReviewState
from tests.factories import open_campaign
from tests.review.test_decisions import make_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    user = get_user_model().objects.create_user
    return user("rin", password="unused-1-rin"), user("sora", password="unused-2-sora")


@pytest.fixture
def stories(campaign):
    a = make_entry(campaign, title="A", email="a@example.com", role="runner", language="en")
    b = make_entry(campaign, title="B", email="b@example.com", role="volunteer", language="ja")
    c = make_entry(
        campaign,
        title="C",
        email="c@example.com",
        role="runner",
        language="ja",
        age_group="minor",
        guardian_name="Parent",
        guardian_consent="on",
    )
    return a, b, c


def titles(queryset) -> list[str]:
    return [e.title for e in queryset]


def test_filters_narrow_the_queue(campaign, stories, people):
    b = stories[1]
    rin, _ = people
    services.decide(b, by=rin, kind=DecisionKind.FEATURE, version=0)
    q = selectors.queue
    assert titles(q(campaign, QueueFilters(role="runner"))) == ["A", "C"]
    assert titles(q(campaign, QueueFilters(language="ja"))) == ["B", "C"]
    assert titles(q(campaign, QueueFilters(minor=True))) == ["C"]
    assert titles(q(campaign, QueueFilters(state=ReviewState.DECIDED))) == ["B"]
    assert titles(q(campaign, QueueFilters(state=ReviewState.NEW))) == ["A", "C"]
    assert titles(q(campaign, QueueFilters(photos=True))) == []
    other = open_campaign()
    assert titles(q(other, QueueFilters())) == []


def test_scores_sort_and_filter_and_reviewer_filter(campaign, stories, people):
    a, b, _c = stories
    rin, sora = people
    emotion = selectors.rubric(campaign).get(code="emotion")
    services.score(a, by=rin, item=emotion, value=2)
    services.score(b, by=rin, item=emotion, value=5)
    services.score(b, by=sora, item=emotion, value=3)
    ranked = list(selectors.queue(campaign, QueueFilters(order="score")))
    assert titles(ranked)[:2] == ["B", "A"]
    assert ranked[0].mean_score == 4 and ranked[0].review_count == 2
    assert ranked[0].score_spread == 2
    assert titles(selectors.queue(campaign, QueueFilters(min_score=3))) == ["B"]
    assert titles(selectors.queue(campaign, QueueFilters(reviewer=sora.pk))) == ["B"]
    fewest = titles(selectors.queue(campaign, QueueFilters(order="reviews")))
    assert fewest[0] == "C" and fewest[-1] == "B"
    assert selectors.next_to_review(campaign).title == "C"


def test_query_strings_are_read_safely():
    query = QueryDict("state=bogus&order=drop table&period=x&min_score=abc&verified=yes")
    f = QueueFilters.from_query(query)
    got = (f.state, f.order, f.period, f.min_score, f.verified)
    assert got == ("", "arrival", None, None, True)


def test_the_standard_criteria_and_rubric_arrive_on_first_use(campaign):
    codes = list(selectors.criteria(campaign).values_list("code", flat=True))
    assert codes == ["advert", "inappropriate", "off_purpose", "race_rules", "false_information"]
    assert RubricItem.objects.filter(campaign=campaign).count() == 3


def test_an_entry_of_another_campaign_is_not_found(campaign, stories):
    other = open_campaign()
    assert selectors.entry_for_review(other, stories[0].pk) is None
    assert selectors.entry_for_review(campaign, stories[0].pk) == stories[0]


def test_opening_personal_data_is_recorded_without_the_data(campaign, stories, people):
    rin, _ = people
    data = selectors.personal_data_for(stories[0], by=rin)
    assert data["email"] == "a@example.com"
    event = AuditEvent.objects.get(action="privacy.personal_data_opened")
    assert event.actor_id == rin.pk and event.target_id == str(stories[0].pk)
    assert "a@example.com" not in str(event.before) + str(event.after)
