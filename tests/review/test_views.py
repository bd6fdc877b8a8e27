"""The review pages as staff use them: blind by default, every change through the
services, refusals in the staff member's language, other campaigns invisible."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tasuki.audit.models import AuditEvent
from tasuki.entries import services as entry_services
from tasuki.review.models import Decision, Review
from tasuki.review.states import DecisionKind
from tasuki.staff.roles import CAMPAIGN_MANAGER, REVIEWER
from tests.factories import open_campaign
from tests.review.test_decisions import make_entry
from tests.staff.conftest import make_staff, sign_in

pytestmark = pytest.mark.django_db


def url(name, *args, lang="en"):
    with translation.override(lang):
        return reverse(f"review:{name}", args=args)


@pytest.fixture
def reviewer_client(client):
    return sign_in(client, make_staff("rin", REVIEWER))


@pytest.fixture
def entries(campaign):
    return [
        make_entry(campaign, title=f"Story {n}", email=f"s{n}@example.com", real_name=f"Real {n}")
        for n in range(3)
    ]


def test_the_queue_lists_entries_without_personal_data(reviewer_client, campaign, entries):
    page = reviewer_client.get(url("queue", campaign.slug))
    html = page.content.decode()
    assert page.status_code == 200
    assert all(e.title in html for e in entries)
    assert "s0@example.com" not in html and "Real 0" not in html
    entry_page = reviewer_client.get(url("entry", campaign.slug, entries[0].pk)).content.decode()
    assert entries[0].episode[:30] in entry_page
    assert "s0@example.com" not in entry_page and "Real 0" not in entry_page


def test_a_decision_from_the_entry_page_is_saved_and_shown(reviewer_client, campaign, entries):
    entry = entries[0]
    reviewer_client.get(url("entry", campaign.slug, entry.pk))  # opened: version 0
    response = reviewer_client.post(
        url("act", campaign.slug, entry.pk),
        {"action": "decide", "kind": "feature", "version": "0"},
        follow=True,
    )
    assert "The decision was saved." in response.content.decode()
    assert Review.objects.get(entry=entry).featured
    stale = reviewer_client.post(
        url("act", campaign.slug, entry.pk),
        {"action": "decide", "kind": "eligible", "version": "0"},
        follow=True,
    )
    assert "changed by someone else" in stale.content.decode()
    assert not Review.objects.get(entry=entry).eligible


def test_refusals_speak_the_staff_members_language(reviewer_client, campaign, entries):
    entry = entries[1]
    entry_services.withdraw_entry(entry)
    response = reviewer_client.post(
        url("act", campaign.slug, entry.pk, lang="ja"),
        {"action": "decide", "kind": "feature", "version": "0"},
        follow=True,
    )
    assert "取り下げ" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_criterion_of_another_campaign_is_refused(reviewer_client, campaign, entries):
    other = open_campaign()
    from tasuki.review import selectors

    foreign = selectors.criteria(other).first()
    response = reviewer_client.post(
        url("act", campaign.slug, entries[0].pk),
        {"action": "decide", "kind": "disqualify", "criterion": foreign.pk, "version": "0"},
        follow=True,
    )
    assert "does not belong" in response.content.decode()
    assert not Decision.objects.exists()


def test_another_campaigns_entry_is_not_found(reviewer_client, campaign, entries):
    other = open_campaign()
    assert reviewer_client.get(url("entry", other.slug, entries[0].pk)).status_code == 404
    assert reviewer_client.get(url("entry", campaign.slug, 999_999)).status_code == 404


def test_bulk_asks_first_then_says_how_many_changed(reviewer_client, campaign, entries):
    from tasuki.review import selectors

    advert = selectors.criteria(campaign).get(code="advert")
    chosen = {"entries": [e.pk for e in entries], "kind": "disqualify", "criterion": advert.pk}
    confirm = reviewer_client.post(url("bulk", campaign.slug), chosen)
    assert confirm.status_code == 200 and "3 entries" in confirm.content.decode()
    assert not Decision.objects.exists()
    confirmed = {**chosen, "confirm": "yes"}
    done = reviewer_client.post(url("bulk", campaign.slug), confirmed, follow=True)
    assert "3 entries were changed." in done.content.decode()
    assert Decision.objects.filter(kind=DecisionKind.DISQUALIFY).count() == 3
    empty = reviewer_client.post(url("bulk", campaign.slug), {"kind": "feature"}, follow=True)
    assert "No entries were selected" in empty.content.decode()


def test_odd_queries_are_just_text(reviewer_client, campaign, entries):
    for query in ({"q": "%_'\";--.*["}, {"page": "99999999"}, {"page": "-1"}, {"order": "x"}):
        assert reviewer_client.get(url("queue", campaign.slug), query).status_code == 200
    signs = reviewer_client.get(url("queue", campaign.slug), {"q": "%_'\";--.*["})
    assert "has no words to look for" in signs.content.decode()
    assert "Story 0" not in signs.content.decode()


def test_personal_data_is_for_managers_and_every_opening_is_recorded(
    reviewer_client, campaign, entries
):
    target = url("personal_data", campaign.slug, entries[0].pk)
    assert reviewer_client.post(target).status_code == 403
    manager = sign_in(Client(), make_staff("mei", CAMPAIGN_MANAGER))
    page = manager.post(target)
    assert page.status_code == 200 and "s0@example.com" in page.content.decode()
    assert AuditEvent.objects.filter(action="privacy.personal_data_opened").count() == 1


def test_the_dashboard_is_for_managers(reviewer_client, campaign, entries):
    assert reviewer_client.get(url("dashboard", campaign.slug)).status_code == 403
    manager = sign_in(Client(), make_staff("mei", CAMPAIGN_MANAGER))
    page = manager.get(url("dashboard", campaign.slug)).content.decode()
    assert "<svg" in page and "Entries by role" in page


def test_anonymous_and_unverified_staff_are_sent_to_sign_in(client, campaign, entries):
    first = client.get(url("queue", campaign.slug))
    assert first.status_code == 302 and "/staff/login/" in first["Location"]
    half = sign_in(Client(), make_staff("kai", REVIEWER), verified=False)
    second = half.get(url("queue", campaign.slug))
    assert second.status_code == 302 and "/staff/login/" not in second["Location"]


def test_the_queue_searches_japanese_words(reviewer_client, campaign):
    from tasuki.review import search

    moved = make_entry(campaign, title="給水所の声", email="k1@example.com",
                       episode="ゴール直前で声をかけられて感動しました。")  # fmt: skip
    apart = make_entry(campaign, title="別の日", email="k2@example.com",
                       episode="寒さを感じたが、体はよく動いた。")  # fmt: skip
    for entry in (moved, apart):
        search.index_entry(entry)
    page = reviewer_client.get(url("queue", campaign.slug, lang="ja"), {"q": "感動"})
    html = page.content.decode()
    assert "給水所の声" in html and "別の日" not in html


def test_the_queue_offers_the_campaigns_own_countries_and_reviewers(reviewer_client, campaign):
    from tasuki.review import selectors

    entry = make_entry(campaign, title="Far away", email="f@example.com", country="NZ")
    sora = make_staff("sora", REVIEWER)
    from tasuki.review import services

    services.score(entry, by=sora, item=selectors.rubric(campaign).first(), value=4)
    html = reviewer_client.get(url("queue", campaign.slug), {"reviewer": sora.pk}).content.decode()
    assert 'value="NZ"' in html and "New Zealand" in html
    assert f'value="{sora.pk}" selected' in html and "Far away" in html
