"""The relay's public pages: landing, course, story, km addresses, connections,
winners; both languages, friendly 404s, links both ways, last year's relay while
this year's has no story, escaped text, pictures, the editor's preview, and
query counts that do not grow with the relay."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from tasuki.campaigns.models import Course, EntryPeriod, Series
from tasuki.campaigns.services import add_landmark, rebuild_course_marks
from tasuki.entries import services as entry_services
from tasuki.relay import selectors, services
from tasuki.relay.models import StoryState
from tests.factories import CampaignFactory, PeriodFactory, TermsFactory, open_campaign
from tests.relay.factories import bilingual, draft, editor, featured_entry, published_story

pytestmark = pytest.mark.django_db

LINE = {
    "type": "LineString",
    "coordinates": [[139.70, 35.68], [139.75, 35.70], [139.80, 35.69], [139.77, 35.66]],
}


@pytest.fixture(autouse=True)
def _public_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "public"), "base_url": "/media/public/"},
        },
    }
    # Each request here renders afresh (tests/relay/test_public_cache.py tests the cache).
    settings.TASUKI_PUBLIC_CACHE = False


def in_lang(lang: str, message: str, **params) -> str:
    """``message`` as the catalogue gives it in ``lang``, its values escaped as
    templates show them (a template's own texts are not escaped)."""
    from django.utils.html import escape

    with translation.override(lang):
        text = gettext(message)
    return text % {k: escape(v) for k, v in params.items()} if params else text


def html(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def main(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def with_course(campaign):
    course = Course.objects.create(campaign=campaign, line=LINE)
    rebuild_course_marks(course)
    add_landmark(course, name_ja="雷門", name_en="Kaminarimon", longitude=139.79, latitude=35.69)
    return campaign


@pytest.fixture
def relay():
    """A campaign with an open period, its course, and three stories linked in a chain."""
    campaign = with_course(open_campaign())
    by = editor()
    start = published_story(campaign, 0, by=by, title="Under the start gantry")
    middle = published_story(
        campaign, 12, by=by, title="The drummer at km 12", resonated_with=start.pk,
        quote_ja="太鼓の音で足が動いた。", quote_en="The drums moved my legs.",
    )  # fmt: skip
    finish = published_story(
        campaign, "42.195", by=by, title="Home straight", resonated_with=middle.pk
    )
    return campaign, start, middle, finish


@pytest.fixture
def series():
    """Last year's relay (closed, with stories) and this year's (open, none yet)."""
    tokyo = Series.objects.create(slug="tokyo", name_ja="東京リレー", name_en="Tokyo relay")
    last = with_course(open_campaign(series=tokyo, run_number=1))
    by = editor()
    old = [
        published_story(last, 5, by=by, title="Last year at km 5"),
        published_story(last, 30, by=by, title="Last year at km 30"),
    ]
    a_year_ago = timezone.now() - dt.timedelta(days=365)
    EntryPeriod.objects.filter(campaign=last).update(
        opens_at=a_year_ago - dt.timedelta(days=30), closes_at=a_year_ago
    )
    this = with_course(open_campaign(series=tokyo, run_number=2))
    return last, this, old


# --- pages in both languages ----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_course_lists_every_story_by_km_with_title_and_pen_name(client, relay, lang):
    campaign, start, middle, finish = relay
    page = html(client, f"/{lang}/{campaign.slug}/course/")
    assert f'<html lang="{lang}">' in page
    listed = page.split('class="course-list"')[1].split("</ol>")[0]
    items = re.findall(r"<li><a href=\"([^\"]+)\">(.*?)</a></li>", listed)
    assert [href for href, _ in items] == [
        f"/{lang}/{campaign.slug}/stories/{s.slug}/" for s in (start, middle, finish)
    ]
    suffix = "（日本語）" if lang == "ja" else ""
    first = re.sub(r"<[^>]+>", "", items[0][1])
    assert first == (
        f"{in_lang(lang, 'Km %(km)s', km='0')} — Under the start gantry{suffix} — Blue Cap"
    )
    assert in_lang(lang, "Finish (42.195 km)") in items[-1][1]
    # The map beside the list: a marker per story, each a named link.
    markers = re.findall(r'<a class="course-marker[^"]*" href="([^"]+)" aria-label="([^"]+)"', page)
    assert [href for href, _ in markers] == [href for href, _ in items]
    assert markers[1][1] == in_lang(
        lang,
        "Km %(km)s: %(title)s — %(pen_name)s",
        km="12",
        title=f"The drummer at km 12{suffix}",
        pen_name="Blue Cap",
    )
    assert ("雷門" if lang == "ja" else "Kaminarimon") in page  # landmarks on the course page
    assert in_lang(lang, "Stories along the course") in page


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_story_reads_as_the_relay_interview(client, relay, lang):
    campaign, _start, middle, _finish = relay
    page = html(client, f"/{lang}/{campaign.slug}/stories/{middle.slug}/")
    body = main(page)
    title = "The drummer at km 12（日本語）" if lang == "ja" else "The drummer at km 12"
    assert f"<h1>{title}</h1>" in body
    assert f"<title>{title} · {campaign.name_ja if lang == 'ja' else campaign.name_en}" in page
    role = in_lang(lang, "Runner")
    assert f'<p class="byline">Blue Cap · {role}</p>' in body
    assert ("太鼓の音で足が動いた。" if lang == "ja" else "The drums moved my legs.") in body
    assert ("リードの文です。" if lang == "ja" else "The lead.") in body
    headings = re.findall(r'<h2 id="q-(\w+)">.*?</span>(.*?)</h2>', body)
    assert [key for key, _ in headings] == ["resonated", "appeal", "episode", "wishes", "tagline"]
    assert headings[0][1] == in_lang(lang, "Which relay story resonated with you most?")
    assert headings[-1][1] == in_lang(lang, "#MyRace is …?")
    # The km mark and the campaign it belongs to, named and linked.
    assert in_lang(lang, "Km %(km)s", km="12") in body
    name = campaign.name_ja if lang == "ja" else campaign.name_en
    assert f'<a href="/{lang}/{campaign.slug}/">{name}</a>' in body
    # Never the entrant's real name (the entry form's test data has one).
    assert "Alex Example" not in page
    assert "relay/_meta" not in page and 'rel="canonical"' in page  # the meta partial's work


def test_a_text_missing_in_the_page_language_is_marked_with_its_own(client, relay):
    campaign, _start, middle, _finish = relay
    by = editor()
    draft(middle, by=by, quote_en="", wishes_en="", wishes_ja="二十回目も走りたい。")
    services.publish(middle, by=by)
    page = main(html(client, f"/en/{campaign.slug}/stories/{middle.slug}/"))
    assert '<p class="story-quote" lang="ja">太鼓の音で足が動いた。</p>' in page
    assert re.search(r'<div class="answer" lang="ja"><p>二十回目も走りたい。</p></div>', page)
    assert '<div class="answer"><p>The episode.</p></div>' in page  # English where it exists


# --- next and previous runner, inspired by and inspired ------------------------------------


def test_previous_and_next_runner_follow_the_km_marks_of_the_same_campaign(client, relay):
    campaign, start, middle, finish = relay
    published_story(open_campaign(), 5, title="Another relay's km 5")  # not this relay's runner
    page = html(client, f"/en/{campaign.slug}/stories/{middle.slug}/")
    assert f'<a rel="prev" href="/en/{campaign.slug}/stories/{start.slug}/">' in page
    assert f'<a rel="next" href="/en/{campaign.slug}/stories/{finish.slug}/">' in page
    assert f'<link rel="prev" href="/en/{campaign.slug}/stories/{start.slug}/">' in page
    assert "Previous runner" in page and "Next runner" in page
    first = html(client, f"/en/{campaign.slug}/stories/{start.slug}/")
    assert 'rel="prev"' not in first and f"stories/{middle.slug}/" in first
    last = html(client, f"/en/{campaign.slug}/stories/{finish.slug}/")
    assert 'rel="next"' not in last
    assert "Finish (42.195 km)" in last


def test_inspired_by_links_both_ways_and_across_runs(client, series):
    last, this, (old5, _old30) = series
    by = editor()
    new = published_story(this, 3, by=by, title="Moved by last year", resonated_with=old5.pk)
    page = html(client, f"/en/{this.slug}/stories/{new.slug}/")
    links = main(page).split('class="story-links"')[1]
    assert "Inspired by" in links
    old_link = f'href="/en/{last.slug}/stories/{old5.slug}/">Km 5 — Last year at km 5 — Blue Cap'
    assert old_link in links
    assert f"({last.name_en})" in links  # a story of another run says whose it is
    back = main(html(client, f"/en/{last.slug}/stories/{old5.slug}/"))
    assert "This story inspired 1 story" in back
    assert f'href="/en/{this.slug}/stories/{new.slug}/">Km 3 — Moved by last year' in back
    services.unpublish(new, by=by)
    assert f"stories/{new.slug}/" not in html(client, f"/en/{last.slug}/stories/{old5.slug}/")


def test_a_link_to_an_unpublished_story_is_not_shown(client, relay):
    campaign, start, middle, _finish = relay
    services.unpublish(start, by=editor())
    page = main(html(client, f"/en/{campaign.slug}/stories/{middle.slug}/"))
    assert "Inspired by" not in page and start.slug not in page


# --- the landing page and last year's relay ---------------------------------------------------


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_landing_shows_the_latest_stories_the_map_and_the_call_to_enter(client, relay, lang):
    campaign, start, middle, finish = relay
    page = html(client, f"/{lang}/{campaign.slug}/")
    body = main(page)
    period = "第1期" if lang == "ja" else "Period 1"
    assert in_lang(lang, "%(period)s: entries are open.", period=period) in body
    cards = re.findall(r'<h3><a href="([^"]+)">', body)
    assert cards == [f"/{lang}/{campaign.slug}/stories/{s.slug}/" for s in (finish, middle, start)]
    assert body.count('<a class="course-marker') == 3
    assert f'href="/{lang}/{campaign.slug}/course/"' in body
    assert f'href="/{lang}/{campaign.slug}/connections/"' in body
    assert body.count(f'href="/{lang}/{campaign.slug}/enter/"') == 2  # the state and the relay
    assert in_lang(lang, "From last year's relay") not in body


def test_no_call_to_enter_once_the_periods_are_over(client, relay):
    campaign, *_ = relay
    EntryPeriod.objects.filter(campaign=campaign).update(
        opens_at=timezone.now() - dt.timedelta(days=9), closes_at=timezone.now()
    )
    body = main(html(client, f"/en/{campaign.slug}/"))
    assert "relay-call" not in body and "/enter/" not in body
    assert "The relay so far" in body


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_new_run_shows_last_years_relay_until_its_own_stories_are_published(client, series, lang):
    last, this, old = series
    last_name = last.name_ja if lang == "ja" else last.name_en
    heading = in_lang(lang, "From last year's relay")
    landing = main(html(client, f"/{lang}/{this.slug}/"))
    assert heading in landing
    assert in_lang(lang, "These stories were published in %(name)s.", name=last_name) in landing
    for story in old:
        assert f'href="/{lang}/{last.slug}/stories/{story.slug}/"' in landing
    course = main(html(client, f"/{lang}/{this.slug}/course/"))
    listed = course.split('class="course-list"')[1].split("</ol>")[0]
    assert heading in course and listed.count("<li><a href=") == 2
    assert f"/{lang}/{last.slug}/stories/{old[1].slug}/" in course
    # The km address leads to last year's story too.
    response = client.get(f"/{lang}/{this.slug}/km/30/")
    assert response.status_code == 302
    assert response["Location"] == f"/{lang}/{last.slug}/stories/{old[1].slug}/"
    # Once this year's first story is out, the relay is this year's own.
    mine = published_story(this, 1, title="This year's first")
    landing = main(html(client, f"/{lang}/{this.slug}/"))
    assert heading not in landing and f"/{this.slug}/stories/{mine.slug}/" in landing
    assert f"/stories/{old[0].slug}/" not in landing
    assert client.get(f"/{lang}/{this.slug}/km/30/").status_code == 404


def test_a_campaign_without_any_stories_says_so(client):
    campaign = with_course(open_campaign())
    body = main(html(client, f"/en/{campaign.slug}/"))
    assert "No story has been published yet." in body
    assert 'class="course-map"' in body and '<a class="course-marker' not in body
    assert "No story has been published yet." in html(client, f"/en/{campaign.slug}/course/")


# --- km addresses and friendly 404s ------------------------------------------------------------


def test_a_km_address_leads_to_the_story_at_that_mark(client, relay):
    campaign, start, middle, finish = relay
    for km, story in (("0", start), ("12", middle), ("finish", finish), ("42.195", finish)):
        response = client.get(f"/en/{campaign.slug}/km/{km}/")
        assert response.status_code == 302
        assert response["Location"] == f"/en/{campaign.slug}/stories/{story.slug}/"


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_unknown_addresses_are_the_friendly_404_in_the_right_language(client, relay, lang):
    campaign, start, _middle, _finish = relay
    other = open_campaign()
    draft_story = services.start_story(featured_entry(campaign), by=editor())
    slug = campaign.slug
    for url in (
        f"/{lang}/no-such-relay/course/",
        f"/{lang}/no-such-relay/stories/{start.slug}/",
        f"/{lang}/no-such-relay/connections/",
        f"/{lang}/no-such-relay/winners/",
        f"/{lang}/no-such-relay/km/12/",
        f"/{lang}/{slug}/stories/nosuchstory/",
        f"/{lang}/{other.slug}/stories/{start.slug}/",  # a story under another campaign
        f"/{lang}/{slug}/stories/{draft_story.slug}/",  # not published
        f"/{lang}/{slug}/km/7/",  # a mark without a story
        f"/{lang}/{slug}/km/43/",
        f"/{lang}/{slug}/km/12.5/",
        f"/{lang}/{slug}/km/start/",
        f"/{lang}/{slug}/km/-1/",
    ):
        page = html(client, url, status=404)
        assert f'<html lang="{lang}">' in page, url
        assert in_lang(lang, "Page not found") in page, url


# --- text is text ---------------------------------------------------------------------------------


def test_html_and_script_in_a_story_are_shown_as_text_everywhere(client, relay):
    campaign, _start, middle, finish = relay
    by = editor()
    evil = '<script>alert("relay")</script>'
    draft(
        middle,
        by=by,
        title_en=f"{evil} & co",
        lead_en='<img src=x onerror="alert(1)">',
        pen_name="<b>Bold</b>",
        episode_en="<iframe src=//evil.example></iframe>",
    )
    services.publish(middle, by=by)
    for url in (
        f"/en/{campaign.slug}/",
        f"/en/{campaign.slug}/course/",
        f"/en/{campaign.slug}/stories/{middle.slug}/",
        f"/en/{campaign.slug}/stories/{finish.slug}/",
        f"/en/{campaign.slug}/connections/",
    ):
        page = html(client, url)
        assert "<script>alert" not in page and "<b>Bold</b>" not in page, url
        assert "<img src=x" not in page and "<iframe" not in page, url
        assert "&lt;script&gt;alert(&quot;relay&quot;)&lt;/script&gt;" in page, url
    story_page = html(client, f"/en/{campaign.slug}/stories/{middle.slug}/")
    assert "&lt;iframe src=//evil.example&gt;&lt;/iframe&gt;" in story_page


# --- connections and winners --------------------------------------------------------------------


def test_the_connections_page_draws_the_graph_and_lists_each_chain(client, series):
    last, this, (old5, _old30) = series
    by = editor()
    a = published_story(this, 2, by=by, title="A", resonated_with=old5.pk)
    b = published_story(this, 9, by=by, title="B", resonated_with=a.pk)
    c = published_story(this, 20, by=by, title="C", resonated_with=old5.pk)
    lonely = published_story(this, 25, by=by, title="Lonely")
    graph = selectors.chains(this)
    assert [[s.pk for s in chain] for chain in graph.chains] == [
        [old5.pk, a.pk, b.pk],
        [old5.pk, c.pk],
    ]
    edges = {(x.pk, y.pk) for x, y in graph.edges}
    assert edges == {(old5.pk, a.pk), (a.pk, b.pk), (old5.pk, c.pk)}
    assert [run.pk for run in graph.runs] == [last.pk, this.pk]
    page = main(html(client, f"/en/{this.slug}/connections/"))
    assert 'class="connections-graph"' in page and 'role="img"' in page
    assert page.count('<circle class="graph-node') == 6 and page.count('class="graph-edge"') == 3
    lists = re.findall(r"<ol>(.*?)</ol>", page, re.S)
    assert len(lists) == 2
    assert re.findall(r'href="([^"]+)"', lists[0]) == [
        f"/en/{last.slug}/stories/{old5.slug}/",
        f"/en/{this.slug}/stories/{a.slug}/",
        f"/en/{this.slug}/stories/{b.slug}/",
    ]
    assert "Km 9: B — Blue Cap" in lists[0]
    assert f"({last.name_en})" in lists[0]  # last year's story says whose it is
    assert "Chain 2: 2 stories" in page
    assert lonely.slug not in "".join(lists)
    # Last year's page knows nothing of this year's stories.
    assert a.slug not in html(client, f"/en/{last.slug}/connections/")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_winners_page_says_when_and_how_winners_hear(client, lang):
    campaign = open_campaign()
    page = main(html(client, f"/{lang}/{campaign.slug}/winners/"))
    with translation.override(lang):
        date = campaign.announcement_display
    assert date in page
    assert (
        in_lang(lang, "The winners will be announced on this page around %(date)s.", date=date)
        in page
    )
    assert (
        in_lang(
            lang,
            "We contact winners only by e-mail, at the address they entered with. "
            "Please make sure you can receive our mail.",
        )
        in page
    )


# --- pictures -------------------------------------------------------------------------------------


def ready_photo(entry, colour=(40, 120, 200), size=(1600, 1200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    data = buffer.getvalue()
    photo = entry_services.store_photo(
        submission_key=entry.submission_key, file=io.BytesIO(data), size=len(data), enqueue=False
    )
    photo.entry = entry
    photo.save(update_fields=["entry"])
    entry_services.process_photo(photo.pk)
    photo.refresh_from_db()
    return photo


def story_with_photos(campaign, km="8", count=2):
    by = editor()
    entry = featured_entry(campaign)
    photos = [ready_photo(entry, colour=(40 * i, 90, 160)) for i in range(count)]
    story = services.start_story(entry, by=by)
    chosen = [
        {
            "photo": p.pk,
            "alt_ja": f"青い写真{i}",
            "alt_en": f"A blue photo {i}",
            "focal_x": 0.25,
            "focal_y": 0.75,
        }
        for i, p in enumerate(photos)
    ]
    draft(story, by=by, km=km, photos=chosen, **bilingual("With pictures"))
    return services.publish(story, by=by), photos


def test_photos_are_pictures_with_sizes_alt_text_and_the_wide_crop_on_top(client):
    campaign = open_campaign()
    story, _photos = story_with_photos(campaign)
    page = main(html(client, f"/en/{campaign.slug}/stories/{story.slug}/"))
    hero = page.split('<figure class="story-hero">')[1].split("</figure>")[0]
    assert '<source type="image/webp" srcset="/media/public/stories/' in hero
    assert "-wide.webp 1600w" in hero
    assert 'width="1600" height="900" alt="A blue photo 0"' in hero
    assert 'loading="eager"' in hero
    gallery = page.split('class="story-photos"')[1]
    assert 'alt="A blue photo 1"' in gallery and 'loading="lazy"' in gallery
    assert re.search(r'srcset="[^"]+-480\.webp 480w, [^"]+-960\.webp 960w, [^"]+1600w"', gallery)
    assert 'width="960" height="720"' in gallery
    assert "A blue photo 0" not in gallery  # the first photo is the wide one at the top
    for src in re.findall(r'(?:src|srcset)="(/media/public/[^" ]+)', page):
        assert "photos/" in src or "stories/" in src
    assert "private" not in page
    ja = main(html(client, f"/ja/{campaign.slug}/stories/{story.slug}/"))
    assert 'alt="青い写真0"' in ja
    card = main(html(client, f"/en/{campaign.slug}/"))
    assert 'alt="A blue photo 0"' in card and 'width="960"' in card


# --- the editor's preview is the public page ----------------------------------------------------


def render_story(context: dict, path: str, lang: str = "en") -> str:
    request = RequestFactory().get(path)
    with translation.override(lang):
        return render_to_string("relay/story.html", context, request=request)


def test_the_preview_of_the_live_revision_is_the_public_page(client, relay):
    campaign, _start, middle, _finish = relay
    path = f"/en/{campaign.slug}/stories/{middle.slug}/"
    public = main(html(client, path))
    middle.refresh_from_db()
    with translation.override("en"):
        context = selectors.preview_context(middle, middle.live_revision, lambda *a: "")
    assert main(render_story(context, path)) == public


def test_the_preview_shows_a_draft_with_its_photos_from_the_private_renditions(client, relay):
    campaign, _start, middle, _finish = relay
    story, photos = story_with_photos(campaign, km="20")
    by = editor()
    revision = draft(story, by=by, title_en="A better title", km="21", resonated_with=middle.pk)
    calls = []

    def photo_url(photo, width, fmt):
        calls.append((photo.pk, width, fmt))
        return f"/staff/relay/photo/{photo.pk}/{width}.{fmt}"

    with translation.override("en"):
        context = selectors.preview_context(story, revision, photo_url)
    page = main(render_story(context, f"/en/{campaign.slug}/stories/{story.slug}/"))
    assert "<h1>A better title</h1>" in page and "Km 21" in page
    assert f"/staff/relay/photo/{photos[0].pk}/1600.webp 1600w" in page
    assert "object-position: 25.0% 75.0%" in page  # the crop shown around the focal point
    assert 'width="1600" height="900"' in page and "/media/public/" not in page
    assert {(pk, fmt) for pk, _w, fmt in calls} == {
        (p.pk, f) for p in photos for f in ("webp", "jpeg")
    }
    assert f"stories/{middle.slug}/" in page.split('class="story-links"')[1]  # inspired by
    assert f'rel="prev" href="/en/{campaign.slug}/stories/{middle.slug}/"' in page
    # Nothing was written: the public still reads the published version.
    story.refresh_from_db()
    assert story.title_en == "With pictures" and story.state == StoryState.PUBLISHED


# --- query counts ---------------------------------------------------------------------------------


@pytest.fixture
def full_relay():
    """A relay with a story at every one of its 43 marks (plus links)."""
    campaign = with_course(open_campaign())
    by = editor()
    stories = []
    for km in [*range(43), "42.195"]:
        if km == 42:
            continue  # 43 stories: 0–41 and the finish
        link = {"resonated_with": stories[-1].pk} if stories and str(km)[-1] in "124578" else {}
        stories.append(published_story(campaign, km, by=by, **link))
    return campaign, stories


def test_query_counts_stay_the_same_with_43_stories(client, full_relay, django_assert_num_queries):
    campaign, stories = full_relay
    assert len(stories) == 43
    # Story: the story with its campaign, the periods, photos, the runners before
    # and after, and the stories it inspired.
    with django_assert_num_queries(6):
        page = html(client, f"/en/{campaign.slug}/stories/{stories[20].slug}/")
    assert "Next runner" in page and "This story inspired" in page
    # Course: the campaign and periods, the stories, the course and its landmarks.
    with django_assert_num_queries(5):
        page = html(client, f"/en/{campaign.slug}/course/")
    assert page.count('<a class="course-marker') == 43
    # Landing: the same plus the stories' photos.
    with django_assert_num_queries(6):
        html(client, f"/en/{campaign.slug}/")
    with django_assert_num_queries(3):
        html(client, f"/en/{campaign.slug}/connections/")


def test_a_campaign_of_another_series_run_has_nothing_of_ours(client, series):
    _last, _this, old = series
    stranger = CampaignFactory()
    PeriodFactory(campaign=stranger, number=1)
    TermsFactory(campaign=stranger)
    page = main(html(client, f"/en/{stranger.slug}/"))
    assert "From last year's relay" not in page and old[0].slug not in page
