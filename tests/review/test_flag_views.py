"""The automatic flags in the back office (issue 9, items 1 and 4): the entry
page's flags panel with its evidence (marked spans, escaped; the duplicate side
by side; the photo with its boxes), dismissal with a required reason in the
audit trail, the queue's flag filter and badges, the dashboard's counts, and
checking a campaign again with progress.

Flags are created here as rows, or by a tiny fake check listed through
``TASUKI_CHECKS``: the real detectors have their own tests."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from tasuki.audit.models import AuditEvent
from tasuki.entries.models import Entry, Photo, PhotoStatus
from tasuki.review import flag_views
from tasuki.review.check_models import CheckRun, CheckRunStatus, Flag
from tasuki.review.checks.base import Check, Finding, Severity, Span
from tests.conftest import run_worker
from tests.review.test_decisions import make_entry
from tests.staff.conftest import make_staff, sign_in

pytestmark = pytest.mark.django_db

PHONE_REASON = gettext_noop("This answer seems to contain a phone number: %(what)s.")


def url(name, *args, lang="en", **query):
    with translation.override(lang):
        path = reverse(f"review:{name}", args=args)
    if query:
        from django.utils.http import urlencode

        path += "?" + urlencode(query)
    return path


def flag(entry, code="pii", *, severity="medium", spans=(), reason=PHONE_REASON, **extra):
    evidence = extra.pop("evidence", {})
    if spans:
        evidence = {**evidence, "spans": [list(s) for s in spans]}
    key = f"{code}{reason}{evidence}{extra}".encode()
    return Flag.objects.create(
        entry=entry,
        campaign_id=entry.campaign_id,
        code=code,
        severity=severity,
        reason=reason,
        params=extra.pop("params", {"what": "090-1234-5678"}),
        evidence=evidence,
        fingerprint=hashlib.sha256(key).hexdigest(),
        **extra,
    )


@pytest.fixture
def reviewer(client):
    user = make_staff("rin", "reviewer")
    sign_in(client, user)
    return user


@pytest.fixture
def story(campaign):
    return make_entry(
        campaign,
        title="Water station",
        email="w@example.com",
        episode="Call me on 090-1234-5678 after the race, said the volunteer.",
    )


def page_of(client, campaign, entry, lang="en", **query) -> str:
    response = client.get(url("entry", campaign.slug, entry.pk, lang=lang, **query))
    assert response.status_code == 200
    return response.content.decode()


# --- the entry page's panel -----------------------------------------------------------


def test_the_panel_comes_before_the_answers_with_reason_severity_and_marked_span(
    client, reviewer, campaign, story
):
    start = story.episode.index("090")
    flag(story, spans=[("episode", start, start + 13)])
    html = page_of(client, campaign, story)
    assert html.index('id="flags"') < html.index('id="answers-h"')
    assert "This answer seems to contain a phone number: 090-1234-5678." in html
    assert "Probably a problem" in html  # the severity in words, not colour alone
    assert "Personal data" in html  # the code's name, not "pii"
    assert html.count("<mark>090-1234-5678</mark>") == 2  # the excerpt and the answer
    assert 'href="#answer-episode"' in html and 'id="answer-episode"' in html


def test_the_reason_is_shown_in_the_reviewers_language(client, reviewer, campaign, story):
    flag(story, spans=[("episode", 0, 4)])
    html = page_of(client, campaign, story, lang="ja")
    with translation.override("ja"):
        expected = gettext(PHONE_REASON) % {"what": "090-1234-5678"}
        name = gettext("Personal data")
    assert expected in html and name in html
    assert 'id="flags"' in html


def test_a_script_inside_a_marked_span_shows_as_text(client, reviewer, campaign, story):
    payload = 'Nice race <script>alert("x")</script><img src=x onerror=alert(1)> end'
    Entry.objects.filter(pk=story.pk).update(episode=payload)
    start = payload.index("<script>")
    flag(story, "inappropriate", severity="high", spans=[("episode", start, start + 18)])
    html = page_of(client, campaign, story)
    assert '<script>alert("x")' not in html and "<img src=x" not in html
    assert "<mark>&lt;script&gt;alert(&quot;x&quot;)</mark>" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_overlapping_malformed_and_out_of_range_spans_never_break_the_page(
    client, reviewer, campaign, story
):
    episode = story.episode
    flag(
        story,
        spans=[
            ("episode", 8, 12),
            ("episode", 10, 20),  # overlaps the first: one mark
            ("episode", 5000, 6000),  # past the end: dropped
            ("episode", -10, 2),  # before the start: clamped
            ("nowhere", 0, 3),  # no such answer
            ("episode", "a", None),  # malformed
        ],
        evidence={"boxes": [["x"]], "similarity": "not a number"},
    )
    flag(story, "advert", spans=[["episode", 15, 25, "extra"]])  # wrong arity: skipped
    html = page_of(client, campaign, story)
    assert f"<mark>{episode[8:20]}</mark>" in html
    assert f"<mark>{episode[:2]}</mark>" in html


def test_marks_helpers_merge_clamp_and_escape():
    assert flag_views.merge([(5, 9), (0, 2), (1, 3), (8, 12), (20, 30)], 25) == [
        (0, 3),
        (5, 12),
        (20, 25),
    ]
    assert flag_views.merge([(3, 3), (4, 1)], 10) == []
    assert str(flag_views.highlight("a<b>\nc", [(1, 4)])) == "a<mark>&lt;b&gt;</mark><br>c"
    long = "x" * 300 + "TARGET" + "y" * 300
    (passage,) = flag_views.excerpts(long, [(300, 306)])
    assert passage.startswith("…") and passage.endswith("…") and "<mark>TARGET</mark>" in passage


def test_the_differences_are_by_character_in_japanese_and_by_word_in_english():
    left, right, complete = flag_views.diff_pair("走って泣いた", "歩いて泣いた")
    assert complete
    assert '<mark class="diff">走っ</mark>' in left and '<mark class="diff">歩い</mark>' in right
    left, right, _ = flag_views.diff_pair("the long hill <b>", "the steep hill <b>")
    assert '<mark class="diff">long</mark>' in left and '<mark class="diff">steep</mark>' in right
    assert "&lt;b&gt;" in left and "<b>" not in left


def test_a_duplicate_shows_the_other_entry_side_by_side_with_a_link(
    client, reviewer, campaign, story
):
    other = make_entry(
        campaign,
        title="Water station again",
        email="x@example.com",
        episode="Call me on 090-1234-5678 after the marathon, said the volunteer.",
    )
    flag(
        other,
        "duplicate",
        reason=gettext_noop("This story is nearly the same as an earlier entry."),
        params={},
        duplicate_of=story,
        evidence={"duplicate_of": story.pk, "similarity": 0.91},
    )
    html = page_of(client, campaign, other)
    assert url("entry", campaign.slug, story.pk) in html
    assert "Similarity: 91%" in html
    assert '<mark class="diff">marathon</mark>' in html and '<mark class="diff">race</mark>' in html


def test_a_duplicate_of_an_erased_entry_says_so(client, reviewer, campaign, story):
    other = make_entry(campaign, title="Second", email="y@example.com")
    flag(
        other,
        "duplicate",
        reason=gettext_noop("This story is nearly the same as an earlier entry."),
        params={},
        evidence={"duplicate_of": 999999, "similarity": 0.9},
    )
    html = page_of(client, campaign, other)
    assert "The other entry is no longer there" in html


def test_a_photo_flag_shows_the_photo_score_and_boxes_without_inline_styles(
    client, reviewer, campaign, story
):
    photo = Photo.objects.create(
        entry=story,
        token="t" * 43,
        submission_key=uuid.uuid4(),
        size_bytes=1000,
        original="x",
        format="jpeg",
        width=800,
        height=600,
        sha256="0" * 64,
        status=PhotoStatus.READY,
        renditions={"480": {"jpeg": "a.jpg", "webp": "a.webp"}, "960": {"jpeg": "b.jpg"}},
    )
    flag(
        story,
        "faces",
        severity="low",
        reason=gettext_noop("This photo shows %(count)s faces of other people."),
        params={"count": "2"},
        photo=photo,
        evidence={
            "photo": photo.pk,
            "score": 0.734,
            "boxes": [[0.1, 0.2, 0.3, 0.4], [0.9, 0.9, 0.5, 0.5]],
        },
    )
    html = page_of(client, campaign, story)
    assert url("photo", campaign.slug, story.pk, photo.token, 480, "jpeg") in html
    assert "Score 0.73" in html
    assert '<rect x="10.0%" y="20.0%" width="30.0%" height="40.0%">' in html
    assert '<rect x="90.0%" y="90.0%" width="10.0%" height="10.0%">' in html  # clamped
    panel = html[html.index('id="flags"') : html.index('id="answers-h"')]
    assert "style=" not in panel


def test_a_nudity_photo_is_hidden_until_asked_for(client, reviewer, campaign, story):
    photo = Photo.objects.create(
        entry=story,
        token="n" * 43,
        submission_key=uuid.uuid4(),
        size_bytes=1000,
        original="x",
        format="jpeg",
        width=800,
        height=600,
        sha256="1" * 64,
        status=PhotoStatus.READY,
        renditions={"480": {"jpeg": "a.jpg"}},
    )
    flag(story, "nudity", severity="high", params={}, photo=photo, evidence={"score": 0.9})
    html = page_of(client, campaign, story)
    assert '<details class="photo-hidden">' in html


# --- dismissing -------------------------------------------------------------------


def test_dismissing_needs_a_reason_and_keeps_what_was_typed(client, reviewer, campaign, story):
    item = flag(story, spans=[("episode", 0, 4)])
    response = client.post(
        url("flag_dismiss", campaign.slug, story.pk, lang="ja"),
        {"flag": item.pk, "reason": "   ", "query": "flag=pii"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    with translation.override("ja"):
        message = gettext("Say why the flag does not apply, so that other reviewers can follow.")
    assert message in html
    assert f'id="dismiss-{item.pk}"' in html and 'aria-invalid="true"' in html
    assert re.search(rf'<textarea id="dismiss-{item.pk}"[^>]*>   </textarea>', html)
    item.refresh_from_db()
    assert item.is_open
    assert not AuditEvent.objects.filter(action="flag.dismiss").exists()


def test_dismissing_with_a_reason_is_audited_and_moves_the_flag_to_the_history(
    client, reviewer, campaign, story
):
    item = flag(story, spans=[("episode", 11, 24)])
    response = client.post(
        url("flag_dismiss", campaign.slug, story.pk),
        {"flag": item.pk, "reason": "It is the race's help line, not the entrant's.", "query": ""},
    )
    assert response.status_code == 302 and response["Location"].endswith("#flags")
    item.refresh_from_db()
    assert item.dismissed_by == reviewer and not item.is_open
    event = AuditEvent.objects.get(action="flag.dismiss")
    assert event.actor_id == reviewer.pk
    html = page_of(client, campaign, story)
    assert "No open flag" in html
    history = html[html.index('class="flag-history"') :]
    assert (
        "rin" in history and "It is the race&#x27;s help line, not the entrant&#x27;s." in history
    )
    assert "<mark>" not in html[html.index('id="answers-h"') :]  # no longer marked
    again = client.post(
        url("flag_dismiss", campaign.slug, story.pk),
        {"flag": item.pk, "reason": "twice"},
        follow=True,
    )
    assert "Someone has already dismissed this flag." in again.content.decode()


def test_superseded_flags_are_in_the_history_not_the_panel(client, reviewer, campaign, story):
    flag(story, "advert", superseded_at=timezone.now())
    html = page_of(client, campaign, story)
    assert "No open flag" in html
    assert "No longer found when the entry was checked again" in html


def test_another_entrys_flag_cannot_be_dismissed_from_this_page(client, reviewer, campaign, story):
    other = make_entry(campaign, title="Other", email="o@example.com")
    item = flag(other)
    response = client.post(
        url("flag_dismiss", campaign.slug, story.pk), {"flag": item.pk, "reason": "no"}
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.is_open


@pytest.mark.parametrize(
    ("role", "status"),
    [("reviewer", 302), ("campaign_manager", 302), ("editor", 403), ("admin", 403)],
)
def test_who_may_dismiss(client, campaign, story, role, status):
    sign_in(client, make_staff(f"is-{role}", role))
    item = flag(story)
    response = client.post(
        url("flag_dismiss", campaign.slug, story.pk), {"flag": item.pk, "reason": "fine"}
    )
    assert response.status_code == status
    item.refresh_from_db()
    assert item.is_open == (status == 403)


# --- the queue ---------------------------------------------------------------------


def test_the_queue_filters_by_flag_and_shows_badges(client, reviewer, campaign, story):
    advert = make_entry(campaign, title="Shoe shop", email="a@example.com")
    clean = make_entry(campaign, title="Clean story", email="c@example.com")
    dismissed = make_entry(campaign, title="Dismissed one", email="d@example.com")
    flag(story)
    flag(story, "pii", spans=[("episode", 0, 3)])  # two of a code: one badge
    flag(advert, "advert", severity="high")
    flag(
        dismissed,
        "advert",
        dismissed_at=timezone.now(),
        dismissed_by=reviewer,
        dismissed_reason="ok",
    )

    def titles(**query):
        html = client.get(url("queue", campaign.slug, **query)).content.decode()
        body = html[html.index("<tbody>") : html.index("</tbody>")]
        return {e.title for e in (story, advert, clean, dismissed) if e.title in body}, body

    found, body = titles()
    assert len(found) == 4
    assert body.count('data-code="pii"') == 1 and body.count('data-code="advert"') == 1
    assert "Personal data" in body and "Advert or promotion" in body
    assert titles(flag="pii")[0] == {story.title}
    assert titles(flag="advert")[0] == {advert.title}
    assert titles(flag="any")[0] == {story.title, advert.title}
    assert titles(flag="none")[0] == {clean.title, dismissed.title}
    assert titles(flag="nudity")[0] == set()
    assert len(titles(flag="'; drop table")[0]) == 4  # not a code: ignored
    form = client.get(url("queue", campaign.slug, flag="pii")).content.decode()
    assert '<option value="pii" selected>' in form


def test_the_queue_reads_flags_in_one_query_whatever_the_page_holds(
    client, reviewer, campaign, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("queue", campaign.slug)).status_code == 200
        return len(ctx.captured_queries)

    first = make_entry(campaign, title="One", email="1@example.com")
    flag(first)
    client.get(url("queue", campaign.slug))  # warm the minute-long caches
    few = count()
    for n in range(6):
        flag(make_entry(campaign, title=f"More {n}", email=f"m{n}@example.com"), "advert")
    client.get(url("queue", campaign.slug))
    assert count() == few


# --- the dashboard -----------------------------------------------------------------


def test_the_dashboard_counts_open_flags_per_code_and_dismissals(client, campaign, story):
    manager = make_staff("mei", "campaign_manager")
    sign_in(client, manager)
    other = make_entry(campaign, title="Other", email="o@example.com")
    flag(story)
    flag(story, "pii", spans=[("episode", 0, 3)])  # same entry: counted once
    flag(other, "pii", dismissed_at=timezone.now(), dismissed_by=manager, dismissed_reason="ok")
    flag(other, "advert", severity="high")
    flag(other, "advert", severity="high", superseded_at=timezone.now(), spans=[("title", 0, 1)])
    html = client.get(url("dashboard", campaign.slug)).content.decode()
    table = html[html.index('class="flag-counts"') :]
    rows = dict(
        re.findall(r'<th scope="row">([^<]+)</th><td class="num"><a [^>]*>(\d+)</a></td>', table)
    )
    assert rows == {"Personal data": "1", "Advert or promotion": "1"}
    assert re.search(
        r"Personal data</th><td[^>]*><a [^>]*>1</a></td><td class=\"num\">1</td>", table
    )
    assert 'href="' + url("queue", campaign.slug, flag="pii") + '"' in html.replace("&amp;", "&")
    assert "<svg" in html[html.index('id="flags-h"') :]
    assert "2 entries</a> have at least one open flag." in html


# --- checking again ----------------------------------------------------------------


class PhoneWord(Check):
    """A tiny fake: flags "090" wherever it appears."""

    codes = ("pii",)

    def check(self, document, session):
        for name, text in document.fields.items():
            at = text.find("090")
            if at >= 0:
                yield Finding(
                    code="pii",
                    severity=Severity.MEDIUM,
                    reason=PHONE_REASON,
                    params={"what": "090"},
                    spans=(Span(name, at, at + 3),),
                )


FAKE = [{"NAME": f"{__name__}.PhoneWord"}]


@pytest.mark.parametrize(("role", "status"), [("reviewer", 403), ("editor", 403)])
def test_only_managers_and_admins_run_the_checks_again(client, campaign, role, status):
    sign_in(client, make_staff(f"is-{role}", role))
    assert client.get(url("checks", campaign.slug)).status_code == status
    assert client.post(url("checks_run", campaign.slug)).status_code == status
    assert not CheckRun.objects.exists()


@override_settings(TASUKI_CHECKS=FAKE)
@pytest.mark.parametrize("role", ["campaign_manager", "admin"])
def test_running_the_checks_again_shows_progress_then_what_was_found(client, campaign, story, role):
    make_entry(campaign, title="Quiet", email="q@example.com")
    run_worker()  # the arrival checks
    Flag.objects.all().delete()  # as if the checks had been added after the entries arrived
    sign_in(client, make_staff("boss", role))
    page = client.get(url("checks", campaign.slug)).content.decode()
    assert "have not been run again" in page and 'http-equiv="refresh"' not in page
    response = client.post(url("checks_run", campaign.slug))
    assert response.status_code == 302 and response["Location"] == url("checks", campaign.slug)
    client.post(url("checks_run", campaign.slug))  # a second click: the same run
    run = CheckRun.objects.get()
    assert run.status == CheckRunStatus.QUEUED and run.total == 2
    page = client.get(url("checks", campaign.slug)).content.decode()
    assert 'http-equiv="refresh"' in page and "<progress" in page
    assert 'value="0"' in page and "Refresh now" in page
    assert "Run the checks again" not in page  # no second run while one is going
    run_worker()
    run.refresh_from_db()
    assert run.status == CheckRunStatus.DONE and run.flagged == 1
    page = client.get(url("checks", campaign.slug)).content.decode()
    assert 'http-equiv="refresh"' not in page and 'value="100"' in page
    assert "Finished: 1 entry got new flags." in page
    assert url("queue", campaign.slug, flag="any").replace("?", "?") in page.replace("&amp;", "&")
    assert AuditEvent.objects.filter(action="flag.rerun").count() == 1


def test_the_paired_chart_escapes_its_labels_and_names_both_series():
    from tasuki.review import charts

    chart = charts.pairs(
        "f", "Flags <i>", [("<script>", 3, 1), ("ok", 0, 0)], ("Open", "Dismissed")
    )
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert "Flags &lt;i&gt;" in chart.svg and ">Open<" in chart.svg and ">Dismissed<" in chart.svg
    assert chart.total == 3


def test_a_code_not_named_yet_is_offered_by_the_filter_as_it_is(client, reviewer, campaign, story):
    flag(story, "brand_new_check", severity="low")
    html = client.get(url("queue", campaign.slug, flag="brand_new_check")).content.decode()
    assert '<option value="brand_new_check" selected>brand_new_check</option>' in html
    assert 'data-code="brand_new_check"' in html


def test_a_photo_flag_whose_photo_is_gone_says_so(client, reviewer, campaign, story):
    item = flag(
        story, "photo_small", severity="low", params={}, evidence={"photo": 1, "score": 0.3}
    )
    Flag.objects.filter(pk=item.pk).update(photo_id=987654)  # the photo was deleted since
    html = page_of(client, campaign, story)
    assert "The photo this flag is about is no longer there" in html and "Score 0.30" in html
