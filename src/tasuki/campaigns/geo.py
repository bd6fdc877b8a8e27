"""Distances along the course line, with no GIS dependency.

The course is short (42 km) and drawn by hand, so great-circle (haversine)
distances between consecutive points are accurate to well under a metre per
segment. A drawn line never measures exactly 42.195 km; km marks are placed at
the same *fraction* of the drawn line as of the official distance, so the
finish mark always lands on the finish line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise

EARTH_RADIUS_KM = 6371.0088

Point = tuple[float, float]  # (longitude, latitude), GeoJSON order


def validate_linestring(geojson: object) -> list[Point]:
    """Return the coordinates of a GeoJSON LineString, or raise ValueError saying what is wrong."""
    if not isinstance(geojson, dict) or geojson.get("type") != "LineString":
        raise ValueError('The course must be a GeoJSON object with "type": "LineString".')
    coords = geojson.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2:
        raise ValueError("A course line needs at least two points.")
    points: list[Point] = []
    for i, pair in enumerate(coords):
        if (
            not isinstance(pair, list | tuple)
            or len(pair) < 2
            or not all(isinstance(v, int | float) for v in pair[:2])
        ):
            raise ValueError(f"Point {i + 1} is not a [longitude, latitude] pair.")
        lon, lat = float(pair[0]), float(pair[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"Point {i + 1} is outside the range of longitude and latitude.")
        points.append((lon, lat))
    if line_length_km(points) <= 0:
        raise ValueError("The course line has no length.")
    return points


def haversine_km(a: Point, b: Point) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def cumulative_km(points: Sequence[Point]) -> list[float]:
    """Distance from the start to each point of the line."""
    out = [0.0]
    for a, b in pairwise(points):
        out.append(out[-1] + haversine_km(a, b))
    return out


def line_length_km(points: Sequence[Point]) -> float:
    return cumulative_km(points)[-1]


def point_at(points: Sequence[Point], distance_km: float) -> Point:
    """The point ``distance_km`` along the drawn line (clamped to its ends)."""
    cum = cumulative_km(points)
    if distance_km <= 0:
        return points[0]
    if distance_km >= cum[-1]:
        return points[-1]
    for i in range(1, len(points)):
        if cum[i] >= distance_km:
            seg = cum[i] - cum[i - 1]
            t = 0.0 if seg == 0 else (distance_km - cum[i - 1]) / seg
            (x1, y1), (x2, y2) = points[i - 1], points[i]
            return (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)
    return points[-1]  # pragma: no cover - loop always returns


def project(points: Sequence[Point], target: Point) -> float:
    """Distance along the line of the point on it nearest to ``target``.

    Works on a local equirectangular plane per segment, which is exact enough
    over a city: the error is far below the width of a road.
    """
    cum = cumulative_km(points)
    best_dist, best_along = math.inf, 0.0
    coslat = math.cos(math.radians(target[1]))
    for i in range(1, len(points)):
        (x1, y1), (x2, y2) = points[i - 1], points[i]
        dx, dy = (x2 - x1) * coslat, y2 - y1
        px, py = (target[0] - x1) * coslat, target[1] - y1
        seg2 = dx * dx + dy * dy
        t = 0.0 if seg2 == 0 else max(0.0, min(1.0, (px * dx + py * dy) / seg2))
        foot = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)
        d = haversine_km(foot, target)
        if d < best_dist:
            best_dist = d
            best_along = cum[i - 1] + (cum[i] - cum[i - 1]) * t
    return best_along
