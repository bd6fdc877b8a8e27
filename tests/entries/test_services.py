"""services.submit_entry on its own: exactly once per submission key, whoever calls it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tasuki.entries import services
from tasuki.entries.forms import EntryForm
from tasuki.entries.models import EntrantDetails, Entry
from tests.factories import entry_data

pytestmark = pytest.mark.django_db


def cleaned(**overrides) -> dict:
    form = EntryForm(entry_data(**overrides))
    assert form.is_valid(), form.errors
    return form.cleaned_data


def test_second_call_with_one_key_returns_the_first_entry(campaign):
    data = cleaned()
    first = services.submit_entry(campaign=campaign, data=data, photo_tokens=[])
    again = services.submit_entry(campaign=campaign, data=data, photo_tokens=[])
    assert first.created and not again.created
    assert again.entry.pk == first.entry.pk and again.entry.receipt == first.entry.receipt
    assert Entry.objects.count() == 1 and EntrantDetails.objects.count() == 1


def test_retry_after_the_deadline_still_gets_its_receipt(campaign):
    data = cleaned()
    first = services.submit_entry(campaign=campaign, data=data, photo_tokens=[])
    period = campaign.periods.get()
    with time_machine.travel(period.closes_at + dt.timedelta(minutes=5)):
        again = services.submit_entry(campaign=campaign, data=data, photo_tokens=[])
        with pytest.raises(services.EntryClosed) as closed:
            services.submit_entry(campaign=campaign, data=cleaned(), photo_tokens=[])
    assert again.entry.receipt == first.entry.receipt and not again.created
    assert closed.value.period == period
    assert Entry.objects.count() == 1


def test_refused_entry_leaves_nothing_behind(campaign):
    campaign.terms_versions.update(is_current=False)
    with pytest.raises(services.EntryRefused) as refused:
        services.submit_entry(campaign=campaign, data=cleaned(), photo_tokens=[])
    assert refused.value.code == "no_terms"
    assert Entry.objects.count() == 0 and EntrantDetails.objects.count() == 0
