"""Entry periods: [opens, closes), no overlaps, and the state the landing page shows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from tasuki.campaigns.selectors import PeriodState, campaign_status
from tasuki.campaigns.services import save_period
from tests.factories import CampaignFactory, PeriodFactory

pytestmark = pytest.mark.django_db
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English whichever language an earlier test left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


def jst(*args):
    return dt.datetime(*args, tzinfo=JST)


@pytest.fixture
def two_periods():
    campaign = CampaignFactory()
    first = PeriodFactory(
        campaign=campaign, number=1, opens_at=jst(2025, 12, 16), closes_at=jst(2026, 1, 15, 17)
    )
    second = PeriodFactory(
        campaign=campaign, number=2, opens_at=jst(2026, 2, 26), closes_at=jst(2026, 3, 19, 17)
    )
    return campaign, first, second


def test_period_is_open_from_opening_until_just_before_closing(two_periods):
    _, first, _ = two_periods
    assert first.is_open(jst(2025, 12, 16)) is True
    assert first.is_open(jst(2026, 1, 15, 16, 59, 59)) is True
    assert first.is_open(jst(2026, 1, 15, 17)) is False
    assert first.is_open(jst(2025, 12, 15, 23, 59, 59)) is False


@pytest.mark.parametrize(
    ("at", "state", "current", "upcoming"),
    [
        (jst(2025, 12, 1), PeriodState.BEFORE, None, 1),
        (jst(2026, 1, 15, 16, 59), PeriodState.OPEN, 1, 2),
        (jst(2026, 1, 15, 17), PeriodState.BETWEEN, None, 2),
        (jst(2026, 3, 1), PeriodState.OPEN, 2, None),
        (jst(2026, 3, 19, 17), PeriodState.CLOSED, None, None),
    ],
)
def test_campaign_status_knows_where_it_stands(two_periods, at, state, current, upcoming):
    campaign, *_ = two_periods
    status = campaign_status(campaign, at)
    assert status.state == state
    assert (status.current.number if status.current else None) == current
    assert (status.next.number if status.next else None) == upcoming


def test_overlapping_period_is_a_validation_error_not_a_crash(two_periods):
    campaign, *_ = two_periods
    overlapping = PeriodFactory.build(
        campaign=campaign, number=3, opens_at=jst(2026, 1, 10), closes_at=jst(2026, 2, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        save_period(overlapping)
    assert "overlaps period 1" in str(excinfo.value)
    assert "JST" in str(excinfo.value)
    assert campaign.periods.count() == 2


def test_touching_periods_do_not_overlap(two_periods):
    campaign, _, second = two_periods
    third = PeriodFactory.build(
        campaign=campaign, number=3, opens_at=second.closes_at, closes_at=jst(2026, 4, 1)
    )
    save_period(third)
    assert campaign.periods.count() == 3


def test_period_must_close_after_opening():
    campaign = CampaignFactory()
    bad = PeriodFactory.build(
        campaign=campaign, number=1, opens_at=jst(2026, 1, 2), closes_at=jst(2026, 1, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        save_period(bad)
    assert "close after it opens" in str(excinfo.value)


def test_periods_of_other_campaigns_may_overlap(two_periods):
    other = CampaignFactory()
    save_period(
        PeriodFactory.build(
            campaign=other, number=1, opens_at=jst(2026, 1, 1), closes_at=jst(2026, 3, 1)
        )
    )
    assert other.periods.count() == 1


def test_admin_formset_refuses_overlap_among_new_rows(admin_client):
    campaign = CampaignFactory()
    # The admin needs a verified second factor; the formset rule is tested directly.
    from django.forms import inlineformset_factory

    from tasuki.campaigns.admin import PeriodFormSet
    from tasuki.campaigns.models import Campaign, EntryPeriod

    FormSet = inlineformset_factory(
        Campaign,
        EntryPeriod,
        formset=PeriodFormSet,
        fields=["number", "name_ja", "name_en", "opens_at", "closes_at"],
        extra=2,
    )
    data = {
        "periods-TOTAL_FORMS": "2",
        "periods-INITIAL_FORMS": "0",
        "periods-0-number": "1",
        "periods-0-name_ja": "一",
        "periods-0-name_en": "One",
        "periods-0-opens_at": "2026-01-01 00:00",
        "periods-0-closes_at": "2026-02-01 00:00",
        "periods-1-number": "2",
        "periods-1-name_ja": "二",
        "periods-1-name_en": "Two",
        "periods-1-opens_at": "2026-01-15 00:00",
        "periods-1-closes_at": "2026-03-01 00:00",
    }
    formset = FormSet(data, instance=campaign, prefix="periods")
    assert formset.is_valid() is False
    assert "overlap" in str(formset.non_form_errors())


US = dt.timedelta(microseconds=1)


def instants(first, second):
    """Every boundary of both periods, and a microsecond either side of it."""
    for edge in (first.opens_at, first.closes_at, second.opens_at, second.closes_at):
        yield from (edge - US, edge, edge + US)


def test_open_period_at_is_the_rule_everywhere(two_periods):
    """The query, the model and the landing page's status agree at every boundary."""
    from tasuki.campaigns.selectors import open_period_at

    campaign, first, second = two_periods
    for at in instants(first, second):
        by_query = open_period_at(campaign, at)
        by_model = next((p for p in (first, second) if p.is_open(at)), None)
        assert by_query == by_model, at
        assert campaign_status(campaign, at).current == by_model, at
    assert open_period_at(campaign, first.opens_at) == first
    assert open_period_at(campaign, first.closes_at - US) == first
    assert open_period_at(campaign, first.closes_at) is None


def test_last_closed_before_counts_a_deadline_as_passed_at_its_instant(two_periods):
    from tasuki.campaigns.selectors import last_closed_before

    campaign, first, second = two_periods
    assert last_closed_before(campaign, first.closes_at - US) is None
    assert last_closed_before(campaign, first.closes_at) == first
    assert last_closed_before(campaign, second.opens_at) == first
    assert last_closed_before(campaign, second.closes_at) == second
    for at in instants(first, second):
        status = campaign_status(campaign, at)
        assert last_closed_before(campaign, at) == status.previous, at


def test_open_period_at_ignores_other_campaigns(two_periods):
    from tasuki.campaigns.selectors import last_closed_before, open_period_at

    campaign, first, _ = two_periods
    other = CampaignFactory()
    PeriodFactory(campaign=other, number=1, opens_at=jst(2025, 1, 1), closes_at=jst(2025, 2, 1))
    assert open_period_at(other, first.opens_at) is None
    assert last_closed_before(campaign, jst(2025, 3, 1)) is None


def test_campaign_status_does_not_depend_on_the_order_periods_were_loaded(two_periods):
    """Prefetched periods in another order (e.g. by number after a renumbering) still
    give the period that closed last as ``previous``."""
    campaign, first, second = two_periods
    first.number, second.number = 9, 8
    first.save(), second.save()
    from tasuki.campaigns.models import Campaign

    loaded = Campaign.objects.prefetch_related("periods").get(pk=campaign.pk)
    status = campaign_status(loaded, jst(2026, 4, 1))
    assert status.previous == second
