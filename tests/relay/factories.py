"""Stories for the relay's tests: featured entries, an editor, published stories.

Stories are made only through the relay's own services (start, draft,
publish), as the back office makes them, so a test never builds a state the
product could not reach.
"""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tasuki.entries import services as entry_services
from tasuki.entries.forms import EntryForm
from tasuki.relay import services
from tasuki.relay.models import Story
from tasuki.review import services as review_services
from tasuki.review.states import DecisionKind
from tests.conftest import solve_altcha
from tests.factories import entry_data


def editor(username: str = "eri"):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get_or_create(name="editor")[0])
    return user


_authors = itertools.count(1)


def featured_entry(campaign, *, by=None, **overrides):
    """A submitted entry that review has featured (each by an author of its own,
    unless ``email`` says otherwise)."""
    overrides.setdefault("email", f"author{next(_authors)}@example.com")
    form = EntryForm(entry_data(altcha=solve_altcha(), **overrides), campaign=campaign)
    assert form.is_valid(), form.errors
    entry = entry_services.submit_entry(
        campaign=campaign, data=form.cleaned_data, photo_tokens=[]
    ).entry
    review_services.install_defaults(campaign)
    review = review_services.review_for(entry)
    review_services.decide(
        entry, by=by or editor("rev"), kind=DecisionKind.FEATURE, version=review.version
    )
    return entry


def bilingual(title: str = "A story", **overrides) -> dict:
    """Every required text in both languages."""
    content = {
        "title_ja": f"{title}（日本語）",
        "title_en": title,
        "lead_ja": "リードの文です。",
        "lead_en": "The lead.",
        "episode_ja": "本文です。",
        "episode_en": "The episode.",
        "tagline_ja": "#私のマラソンは 旅",
        "tagline_en": "#MyRace is a journey",
    }
    content.update(overrides)
    return content


def draft(story: Story, *, by, **changes):
    """Save a draft of ``story`` with ``changes`` over its latest revision."""
    story.refresh_from_db()
    content = dict(story.latest_revision.content)
    content.update(changes)
    return services.save_draft(story, content, by=by, base=story.latest_revision.number)


def published_story(campaign, km, *, by=None, title: str | None = None, entry=None, **changes):
    """A story published at ``km`` ("0".."42" or "42.195") with every text filled."""
    by = by or editor()
    entry = entry or featured_entry(campaign)
    story = services.start_story(entry, by=by)
    draft(story, by=by, **{"km": str(km), **bilingual(title or f"Story at km {km}"), **changes})
    return services.publish(story, by=by)
