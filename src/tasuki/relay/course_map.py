"""The relay's drawings, made on the server as SVG: the course map and the connection graph.

No tile server, no JavaScript: the course is the campaign's GeoJSON line,
projected onto a plane (equirectangular, x scaled by the cosine of the mean
latitude, which over a city is true to the eye) and fitted into a viewBox
with margins. Each published story is a marker at its km mark, placed by the
rule :func:`tasuki.campaigns.services.rebuild_course_marks` follows: a mark
sits at ``km / official distance`` of the drawn line's length, so the finish
is always the line's end.

Every marker is an ``<a>`` with an accessible name ("Km 12: title — pen
name"), so the map can be walked with the keyboard; the page's ordered list
stays the primary content. All text is escaped.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tasuki.campaigns import geo
from tasuki.campaigns.models import MARATHON_KM, Course

Point = tuple[float, float]

#: The map's coordinate space: 600 units wide, its height follows the course.
VIEW_WIDTH = 600
MARGIN = 34
#: A course taller than wide is drawn at most this much taller than wide.
MAX_ASPECT = 1.2
MIN_INNER_HEIGHT = 160


# --- geometry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    """lon/lat → x/y in the viewBox (y grows downwards)."""

    coslat: float
    scale: float
    min_x: float
    max_y: float
    offset_x: float
    offset_y: float
    width: float
    height: float

    def __call__(self, point: Point) -> Point:
        lon, lat = point
        x = (lon * self.coslat - self.min_x) * self.scale + self.offset_x
        y = (self.max_y - lat) * self.scale + self.offset_y
        return (x, y)


def fit(
    points: Sequence[Point],
    *,
    width: float = VIEW_WIDTH,
    margin: float = MARGIN,
    max_aspect: float = MAX_ASPECT,
    min_inner_height: float = MIN_INNER_HEIGHT,
) -> Projection:
    """The projection that fits ``points`` into a viewBox ``width`` wide, centred."""
    mean_lat = sum(lat for _lon, lat in points) / len(points)
    coslat = math.cos(math.radians(mean_lat))
    xs = [lon * coslat for lon, _lat in points]
    ys = [lat for _lon, lat in points]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    inner_w = width - 2 * margin
    candidates = []
    if span_x > 0:
        candidates.append(inner_w / span_x)
    if span_y > 0:
        candidates.append(inner_w * max_aspect / span_y)
    scale = min(candidates) if candidates else 1.0
    inner_h = max(span_y * scale, min_inner_height)
    return Projection(
        coslat=coslat,
        scale=scale,
        min_x=min(xs),
        max_y=max(ys),
        offset_x=margin + (inner_w - span_x * scale) / 2,
        offset_y=margin + (inner_h - span_y * scale) / 2,
        width=width,
        height=inner_h + 2 * margin,
    )


def along(points: Sequence[Point], cumulative: Sequence[float], distance: float) -> Point:
    """The point ``distance`` km along the line (clamped to its ends), interpolated
    on the segment it falls in; ``cumulative`` is :func:`geo.cumulative_km` of it."""
    if distance <= 0:
        return points[0]
    if distance >= cumulative[-1]:
        return points[-1]
    i = max(1, bisect_left(cumulative, distance))
    seg = cumulative[i] - cumulative[i - 1]
    t = 0.0 if seg == 0 else (distance - cumulative[i - 1]) / seg
    (x1, y1), (x2, y2) = points[i - 1], points[i]
    return (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)


def km_positions(
    points: Sequence[Point], official_km: float | Decimal, kms: Sequence[float | Decimal]
) -> list[Point]:
    """Where each km mark of ``kms`` sits on the drawn line (lon, lat): at
    ``km / official_km`` of its drawn length, as the course's km marks do."""
    cumulative = geo.cumulative_km(points)
    drawn = cumulative[-1]
    official = float(official_km) or float(MARATHON_KM)
    return [along(points, cumulative, float(km) / official * drawn) for km in kms]


# --- the course map ---------------------------------------------------------------------------

#: Font sizes of the map's labels in viewBox units (site.css draws them at these sizes).
END_LABEL_SIZE = 19
LANDMARK_LABEL_SIZE = 16

Box = tuple[float, float, float, float]  # left, top, right, bottom


def _box_around(point: Point, half: float) -> Box:
    return (point[0] - half, point[1] - half, point[0] + half, point[1] + half)


def text_width(text: str, size: float) -> float:
    """A generous estimate of how wide ``text`` is drawn at ``size`` (no font at hand):
    a full-width character is one em, anything else six tenths of one."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.6 for ch in text)


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


class _Labels:
    """Places labels beside points so that none covers another, a marker or an end.

    Greedy, in the order asked: each label tries the right, the left, above,
    below and the four corners of its point and takes the first free spot
    inside the map. A required label (start, finish) takes the least-covered
    spot when none is free; any other label is then left out.
    """

    GAP = 11

    def __init__(self, width: float, height: float, *, obstacles: list[Box]) -> None:
        self.width, self.height = width, height
        self.obstacles = obstacles
        self.taken: list[Box] = []

    def _candidates(self, point: Point, width: float, size: float):
        x, y = point
        g = self.GAP
        mid = y + size * 0.35  # the baseline that centres the text on the point
        yield x + g, mid, "start", (x + g, mid - size * 0.8, x + g + width, mid + size * 0.25)
        yield x - g, mid, "end", (x - g - width, mid - size * 0.8, x - g, mid + size * 0.25)
        up = y - g - size * 0.25
        yield x, up, "middle", (x - width / 2, up - size * 0.8, x + width / 2, up + size * 0.25)
        down = y + g + size * 0.8
        yield (
            x,
            down,
            "middle",
            (x - width / 2, down - size * 0.8, x + width / 2, down + size * 0.25),
        )
        for dx, anchor in ((g * 0.7, "start"), (-g * 0.7, "end")):
            for base in (y - g, y + g + size * 0.6):
                left = x + dx if anchor == "start" else x + dx - width
                yield (
                    x + dx,
                    base,
                    anchor,
                    (left, base - size * 0.8, left + width, base + size * 0.25),
                )

    def place(self, point: Point, text: str, size: float, *, required: bool = False):
        width = text_width(text, size)
        best, best_cost = None, None
        for tx, ty, anchor, box in self._candidates(point, width, size):
            inside = box[0] >= 2 and box[1] >= 2 and box[2] <= self.width - 2
            inside = inside and box[3] <= self.height - 2
            if not inside:
                continue
            cost = sum(_overlap(box, other) for other in (*self.taken, *self.obstacles))
            if cost == 0:
                self.taken.append(box)
                return tx, ty, anchor
            if best_cost is None or cost < best_cost:
                best, best_cost = (tx, ty, anchor, box), cost
        if not required:
            return None
        if best is None:  # nowhere inside: beside the point, clipped if it must be
            x, y = point
            best = (x, y - self.GAP, "middle", _box_around(point, 0))
        self.taken.append(best[3])
        return best[:3]


def marker_name(story) -> str:
    """The accessible name of a story's marker and list item."""
    params = {"km": story.km_label, "title": story.title, "pen_name": story.pen_name}
    if story.is_finish:
        return _("Finish: %(title)s — %(pen_name)s") % params
    return _("Km %(km)s: %(title)s — %(pen_name)s") % params


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _polyline(xy: Sequence[Point]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in xy)


def course_svg(
    course: Course | None,
    stories: Sequence,
    *,
    url_for: Callable[[object], str],
    label: str = "",
    landmarks: bool = True,
    dom_id: str = "course-map",
) -> SafeString:
    """The course as an SVG with a linked marker per story ("" when there is no course).

    ``stories`` are published stories (with ``km``, ``title``, ``pen_name``);
    ``url_for(story)`` gives each marker's address; ``label`` names the map.
    """
    if course is None:
        return SafeString("")
    try:
        points = geo.validate_linestring(course.line)
    except ValueError:
        return SafeString("")  # a broken line is the staff form's to report
    project = fit(points)
    xy = [project(p) for p in points]
    placed = [s for s in stories if s.km is not None]
    where = km_positions(points, course.distance_km, [s.km for s in placed])
    out: list[str] = [
        format_html(
            '<svg id="{}" class="course-map" viewBox="0 0 {} {}" width="{}" height="{}" '
            'role="group" aria-label="{}" xmlns="http://www.w3.org/2000/svg">',
            dom_id,
            _num(project.width),
            _num(project.height),
            _num(project.width),
            _num(project.height),
            label or _("Course map"),
        ),
        format_html('<polyline class="course-casing" points="{}"/>', _polyline(xy)),
        format_html('<polyline class="course-line" points="{}"/>', _polyline(xy)),
    ]
    dots = [project(point) for point in where]
    labels = _Labels(project.width, project.height, obstacles=[_box_around(d, 11) for d in dots])
    ends = ((xy[0], _("Start"), "start"), (xy[-1], _("Finish"), "finish"))
    for (x, y), _text, _kind in ends:
        labels.obstacles.append(_box_around((x, y), 12))
    shown_landmarks = []
    if landmarks and getattr(course, "pk", None) is not None:
        for landmark in course.landmarks.all():
            point = project((landmark.longitude, landmark.latitude))
            shown_landmarks.append((landmark, point))
            labels.obstacles.append(_box_around(point, 6))
    end_parts = []
    for (x, y), text, kind in ends:
        tx, ty, anchor = labels.place((x, y), text, END_LABEL_SIZE, required=True)
        end_parts.append(
            format_html(
                '<circle class="course-{}" cx="{}" cy="{}" r="10"/>'
                '<text class="course-end-name" x="{}" y="{}" text-anchor="{}">{}</text>',
                kind,
                _num(x),
                _num(y),
                _num(tx),
                _num(ty),
                anchor,
                text,
            )
        )
    if shown_landmarks:
        out.append('<g class="course-landmarks" aria-hidden="true">')
        for landmark, (x, y) in shown_landmarks:
            out.append(
                format_html(
                    '<rect class="landmark-dot" x="{}" y="{}" width="8" height="8" '
                    'transform="rotate(45 {} {})"/>',
                    _num(x - 4),
                    _num(y - 4),
                    _num(x),
                    _num(y),
                )
            )
            # A name that would cover another is left out: the square stays.
            spot = labels.place((x, y), landmark.name, LANDMARK_LABEL_SIZE)
            if spot is not None:
                tx, ty, anchor = spot
                out.append(
                    format_html(
                        '<text class="landmark-name" x="{}" y="{}" text-anchor="{}">{}</text>',
                        _num(tx),
                        _num(ty),
                        anchor,
                        landmark.name,
                    )
                )
        out.append("</g>")
    out.append('<g class="course-ends" aria-hidden="true">')
    out.extend(end_parts)
    out.append("</g>")
    out.append('<g class="course-markers">')
    for story, (x, y) in zip(placed, dots, strict=True):
        name = marker_name(story)
        out.append(
            format_html(
                '<a class="course-marker{}" href="{}" aria-label="{}" data-km="{}">'
                "<title>{}</title>"
                '<circle class="marker-hit" cx="{}" cy="{}" r="16"/>'
                '<circle class="marker-ring" cx="{}" cy="{}" r="13"/>'
                '<circle class="marker-dot" cx="{}" cy="{}" r="9"/></a>',
                " is-finish" if story.is_finish else "",
                url_for(story),
                name,
                story.km_label,
                name,
                *(_num(x), _num(y)) * 3,
            )
        )
    out.append("</g></svg>")
    return mark_safe("".join(out))  # noqa: S308 - every part above went through format_html  # nosec


# --- the connection graph -----------------------------------------------------------------------

GRAPH_WIDTH = 800
GRAPH_PAD_X = 36
GRAPH_ROW = 150
GRAPH_TOP = 40
NODE_R = 10


def connections_svg(connections, *, label: str = "") -> SafeString:
    """The graph of who inspired whom: one row per run of the relay, stories placed by
    km along it, an arrow from each story to the one that names it.

    A picture only (``role="img"`` with a summary): the page's lists of chains say
    the same with links.
    """
    runs = connections.runs
    if not connections.nodes:
        return SafeString("")
    row_of = {run.pk: index for index, run in enumerate(runs)}
    inner = GRAPH_WIDTH - 2 * GRAPH_PAD_X
    finish = float(MARATHON_KM)

    def at(story) -> Point:
        x = GRAPH_PAD_X + float(story.km or 0) / finish * inner
        y = GRAPH_TOP + row_of[story.campaign_id] * GRAPH_ROW + 70
        return (x, y)

    height = GRAPH_TOP + len(runs) * GRAPH_ROW + 30
    summary = label or _(
        "Diagram of the connections between %(stories)s stories: %(links)s links. "
        "The same connections are listed below."
    ) % {"stories": len(connections.nodes), "links": len(connections.edges)}
    out: list[str] = [
        format_html(
            '<svg class="connections-graph" viewBox="0 0 {} {}" width="{}" height="{}" '
            'role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">',
            GRAPH_WIDTH,
            height,
            GRAPH_WIDTH,
            height,
            summary,
        ),
        '<defs><marker id="graph-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="14" '
        'markerHeight="14" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="graph-arrowhead"/></marker></defs>',
    ]
    for run in runs:
        y = GRAPH_TOP + row_of[run.pk] * GRAPH_ROW + 70
        out.append(
            format_html(
                '<text class="graph-run" x="{}" y="{}">{}</text>'
                '<line class="graph-row" x1="{}" y1="{}" x2="{}" y2="{}"/>',
                GRAPH_PAD_X,
                y + 38,
                run.name,
                GRAPH_PAD_X,
                y,
                GRAPH_PAD_X + inner,
                y,
            )
        )
    axis_y = height - 18
    for km, text in ((0, "0"), (10, "10"), (20, "20"), (30, "30"), (40, "40")):
        out.append(
            format_html(
                '<text class="graph-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                _num(GRAPH_PAD_X + km / finish * inner),
                axis_y,
                _("%(km)s km") % {"km": text},
            )
        )
    out.append('<g class="graph-edges">')
    for source, target in connections.edges:
        (x1, y1), (x2, y2) = at(source), at(target)
        # End at the node's edge, not its centre, so the arrowhead shows.
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        if abs(y2 - y1) < 1:  # the same run: an arc above the row
            lift = min(GRAPH_ROW * 0.55, 14 + abs(x2 - x1) * 0.35)
            mx = (x1 + x2) / 2
            dx = x2 - x1
            ex = x2 - math.copysign(NODE_R * 0.7, dx) if dx else x2
            ey = y2 - NODE_R * 0.7
            path = f"M{_num(x1)},{_num(y1)} Q{_num(mx)},{_num(y1 - 2 * lift)} {_num(ex)},{_num(ey)}"
        else:
            ex = x2 - (x2 - x1) / length * NODE_R
            ey = y2 - (y2 - y1) / length * NODE_R
            cy = (y1 + y2) / 2
            path = (
                f"M{_num(x1)},{_num(y1)} C{_num(x1)},{_num(cy)} {_num(x2)},{_num(cy)} "
                f"{_num(ex)},{_num(ey)}"
            )
        out.append(
            format_html('<path class="graph-edge" d="{}" marker-end="url(#graph-arrow)"/>', path)
        )
    out.append('</g><g class="graph-nodes">')
    for story in connections.nodes:
        x, y = at(story)
        out.append(
            format_html(
                '<circle class="graph-node run-{}" cx="{}" cy="{}" r="{}"><title>{}</title>'
                "</circle>",
                row_of[story.campaign_id] % 4,
                _num(x),
                _num(y),
                NODE_R,
                marker_name(story),
            )
        )
    out.append("</g></svg>")
    return mark_safe("".join(out))  # noqa: S308 - every part above went through format_html  # nosec
