"""The course map and the connection graph as SVG: markers placed by the km rule,
named, linked and escaped; the course fitted into its viewBox."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import translation

from tasuki.campaigns import geo
from tasuki.campaigns.models import Course, km_label
from tasuki.relay import course_map

SVG = "{http://www.w3.org/2000/svg}"
# A straight line due north from the equator, 42.2 km long as drawn.
NORTH = {"type": "LineString", "coordinates": [[0.0, 0.0], [0.0, 0.2], [0.0, 0.3795]]}
# A loop through a city, wider than tall.
CITY = {
    "type": "LineString",
    "coordinates": [[139.70, 35.68], [139.75, 35.70], [139.80, 35.69], [139.77, 35.66]],
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def story(km, title="A story", pen_name="Blue Cap", slug=None):
    km = Decimal(str(km))
    return SimpleNamespace(
        km=km,
        km_label=km_label(km),
        is_finish=km == Decimal("42.195"),
        title=title,
        pen_name=pen_name,
        slug=slug or f"s{km_label(km)}",
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def url_for(s) -> str:
    return f"/en/relay/stories/{s.slug}/"


def test_km_21_of_42_195_sits_at_its_fraction_of_the_drawn_line_near_the_middle():
    points = geo.validate_linestring(NORTH)
    drawn = geo.line_length_km(points)
    (lon, lat), finish = course_map.km_positions(points, Decimal("42.195"), [21, Decimal("42.195")])
    along = geo.haversine_km((0.0, 0.0), (lon, lat))
    assert along == pytest.approx(drawn * 21 / 42.195, rel=1e-9)
    assert along / drawn == pytest.approx(0.5, abs=0.003)  # the middle, give or take 0.195 km
    assert finish == points[-1]  # the finish mark is always the line's end


def test_a_mark_is_placed_as_the_course_marks_are(db):
    """The same rule as campaigns.services.rebuild_course_marks."""
    from tasuki.campaigns.services import rebuild_course_marks
    from tests.factories import CampaignFactory

    course = Course.objects.create(campaign=CampaignFactory(), line=CITY)
    marks = {m.km: (m.longitude, m.latitude) for m in rebuild_course_marks(course)}
    points = geo.validate_linestring(CITY)
    for km in (Decimal(7), Decimal(30), Decimal("42.195")):
        (lon, lat) = course_map.km_positions(points, course.distance_km, [km])[0]
        assert lon == pytest.approx(marks[km][0], abs=1e-9)
        assert lat == pytest.approx(marks[km][1], abs=1e-9)


def test_the_marker_of_km_21_is_drawn_at_the_middle_of_a_straight_line():
    course = Course(line={"type": "LineString", "coordinates": [[0.0, 0.0], [0.5, 0.0]]})
    course.distance_km = Decimal(42)  # a course as long as its marks: km 21 is the middle
    svg = parse(course_map.course_svg(course, [story(21)], url_for=url_for, landmarks=False))
    line = svg.find(f"{SVG}polyline[@class='course-line']").get("points").split()
    (x1, y1), (x2, y2) = (tuple(map(float, p.split(","))) for p in line)
    dot = svg.find(f".//{SVG}circle[@class='marker-dot']")
    assert float(dot.get("cx")) == pytest.approx((x1 + x2) / 2, abs=0.1)
    assert float(dot.get("cy")) == pytest.approx((y1 + y2) / 2, abs=0.1)


def test_every_marker_is_a_link_with_a_name_and_the_finish_says_so():
    stories = [story(0, "Start line"), story(12, "Twelve"), story("42.195", "Home")]
    svg = parse(course_map.course_svg(Course(line=NORTH), stories, url_for=url_for))
    links = svg.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == [url_for(s) for s in stories]
    assert [a.get("aria-label") for a in links] == [
        "Km 0: Start line — Blue Cap",
        "Km 12: Twelve — Blue Cap",
        "Finish: Home — Blue Cap",
    ]
    assert all(a.find(f"{SVG}title").text == a.get("aria-label") for a in links)
    assert svg.get("role") == "group" and svg.get("aria-label")
    assert "is-finish" in links[-1].get("class")


def test_markup_in_a_title_is_text_in_the_map():
    evil = '<script>alert("x")</script> & <b>bold</b>'
    raw = course_map.course_svg(Course(line=NORTH), [story(3, evil)], url_for=url_for)
    assert "<script>" not in raw and "<b>" not in raw
    link = parse(raw).find(f".//{SVG}a")  # still well-formed XML
    assert link.get("aria-label") == f"Km 3: {evil} — Blue Cap"


def test_the_course_fits_inside_the_view_box_with_margins():
    svg = parse(course_map.course_svg(Course(line=CITY), [], url_for=url_for))
    _, _, width, height = map(float, svg.get("viewBox").split())
    assert width == course_map.VIEW_WIDTH
    points = [
        tuple(map(float, p.split(",")))
        for p in svg.find(f"{SVG}polyline[@class='course-line']").get("points").split()
    ]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    margin = course_map.MARGIN
    assert min(xs) == pytest.approx(margin, abs=0.1)
    assert max(xs) == pytest.approx(width - margin, abs=0.1)
    assert min(ys) >= margin - 0.1 and max(ys) <= height - margin + 0.1
    # Wider than tall, as the city loop is (x scaled by cos(latitude)).
    assert height < width


def test_a_tall_course_is_kept_to_a_readable_height():
    svg = parse(course_map.course_svg(Course(line=NORTH), [], url_for=url_for))
    _, _, width, height = map(float, svg.get("viewBox").split())
    inner = width - 2 * course_map.MARGIN
    assert height == pytest.approx(inner * course_map.MAX_ASPECT + 2 * course_map.MARGIN, abs=0.2)


def test_no_course_or_a_broken_line_draws_nothing():
    assert course_map.course_svg(None, [story(1)], url_for=url_for) == ""
    broken = Course(line={"type": "LineString", "coordinates": [[1, 1], [1, 1]]})
    assert course_map.course_svg(broken, [story(1)], url_for=url_for) == ""


def test_start_and_finish_are_labelled_but_hidden_from_screen_readers():
    svg = parse(course_map.course_svg(Course(line=CITY), [], url_for=url_for))
    ends = svg.find(f"{SVG}g[@class='course-ends']")
    assert ends.get("aria-hidden") == "true"
    assert [t.text for t in ends.findall(f"{SVG}text")] == ["Start", "Finish"]


def test_the_connection_graph_draws_each_story_and_an_arrow_per_link():
    runs = [SimpleNamespace(pk=1, name="Relay 2025"), SimpleNamespace(pk=2, name="Relay <2026>")]
    a, b, c = story(3, "A"), story(10, "B"), story(5, "C")
    a.campaign_id, b.campaign_id, c.campaign_id = 1, 1, 2
    graph = SimpleNamespace(runs=runs, nodes=[a, b, c], edges=[(a, b), (b, c)])
    svg = parse(course_map.connections_svg(graph))
    assert svg.get("role") == "img"
    assert "3 stories" in svg.get("aria-label") and "2 links" in svg.get("aria-label")
    assert len(svg.findall(f".//{SVG}circle[@class]")) == 3
    edges = svg.findall(f".//{SVG}path[@class='graph-edge']")
    assert len(edges) == 2 and all(e.get("marker-end") == "url(#graph-arrow)" for e in edges)
    assert [t.text for t in svg.findall(f"{SVG}text[@class='graph-run']")] == [
        "Relay 2025",
        "Relay <2026>",
    ]
    # Each node says what it is to a pointer's hover.
    assert svg.find(f".//{SVG}circle/{SVG}title").text == "Km 3: A — Blue Cap"


def test_landmark_names_never_cover_each_other_or_the_ends(db):
    """The demo's crowded city centre: names that would collide are left out."""
    import json

    from tasuki.campaigns.demo import DEMO_FILE
    from tasuki.campaigns.services import add_landmark
    from tests.factories import CampaignFactory

    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))["course"]
    course = Course.objects.create(
        campaign=CampaignFactory(), line=data["line"], distance_km=Decimal("42.195")
    )
    for landmark in data["landmarks"]:
        fields = {k: landmark[k] for k in ("name_ja", "name_en", "longitude", "latitude")}
        add_landmark(course, **fields)
    stories = [story(km) for km in (0, 3, 10, 11, 20, 30, 41, "42.195")]
    svg = parse(course_map.course_svg(course, stories, url_for=url_for))
    _, _, width, height = map(float, svg.get("viewBox").split())
    boxes = []
    for text in svg.iter(f"{SVG}text"):
        size = (
            course_map.END_LABEL_SIZE
            if text.get("class") == "course-end-name"
            else course_map.LANDMARK_LABEL_SIZE
        )
        w = course_map.text_width(text.text, size)
        x, y = float(text.get("x")), float(text.get("y"))
        left = {"start": x, "end": x - w, "middle": x - w / 2}[text.get("text-anchor")]
        boxes.append((left, y - size * 0.8, left + w, y + size * 0.25))
    names = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Start" in names and "Finish" in names
    assert len(names) >= 2 + len(data["landmarks"]) // 2  # most names still fit
    squares = [
        (float(r.get("x")), float(r.get("y")), float(r.get("x")) + 8, float(r.get("y")) + 8)
        for r in svg.iter(f"{SVG}rect")
    ]
    assert len(squares) == len(data["landmarks"])  # every landmark is marked
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[2] <= width and a[1] >= 0 and a[3] <= height
        for b in boxes[i + 1 :]:
            assert course_map._overlap(a, b) == 0, (names[i], a, b)
        assert not any(course_map._overlap(a, square) for square in squares), names[i]
