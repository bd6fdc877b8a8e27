"""Km marks are computed by distance along the drawn course line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tasuki.campaigns import geo
from tasuki.campaigns.models import Course
from tasuki.campaigns.services import add_landmark, rebuild_course_marks
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db

# A straight line due north from the equator: 1° of latitude ≈ 111.2 km.
NORTH = {"type": "LineString", "coordinates": [[0.0, 0.0], [0.0, 0.2], [0.0, 0.3795]]}


def test_haversine_matches_a_known_distance():
    # Tokyo Station to Shinjuku Station is about 6.2 km as the crow flies.
    assert 6.0 < geo.haversine_km((139.7671, 35.6812), (139.7005, 35.6896)) < 6.3


def test_marks_run_from_0_to_the_finish_at_42_195():
    course = Course.objects.create(campaign=CampaignFactory(), line=NORTH)
    marks = rebuild_course_marks(course)
    kms = [m.km for m in marks]
    assert kms[0] == Decimal(0)
    assert kms[-1] == Decimal("42.195")
    assert kms[1:43] == [Decimal(k) for k in range(1, 43)]
    assert len(kms) == 44
    first, last = marks[0], marks[-1]
    assert (first.longitude, first.latitude) == (0.0, 0.0)
    assert last.latitude == pytest.approx(0.3795)


def test_marks_sit_at_their_fraction_of_the_drawn_line():
    course = Course.objects.create(campaign=CampaignFactory(), line=NORTH)
    marks = {m.km: m for m in rebuild_course_marks(course)}
    drawn = geo.line_length_km(geo.validate_linestring(NORTH))
    half = marks[Decimal(21)]
    along = geo.haversine_km((0.0, 0.0), (half.longitude, half.latitude))
    assert along == pytest.approx(drawn * 21 / 42.195, rel=1e-6)


def test_landmark_km_is_its_projection_on_the_line():
    course = Course.objects.create(campaign=CampaignFactory(), line=NORTH)
    # A point 100 m east of the line at a tenth of its length.
    landmark = add_landmark(
        course, name_ja="給水所", name_en="Water station", longitude=0.0009, latitude=0.03795
    )
    assert abs(landmark.km - Decimal("4.2195")) <= Decimal("0.001")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"type": "Point", "coordinates": [0, 0]}, "LineString"),
        ({"type": "LineString", "coordinates": [[0, 0]]}, "at least two points"),
        ({"type": "LineString", "coordinates": [[0, 0], [200, 0]]}, "outside the range"),
        ({"type": "LineString", "coordinates": [[0, 0], ["a", 0]]}, "not a [longitude, latitude]"),
        ({"type": "LineString", "coordinates": [[1, 1], [1, 1]]}, "no length"),
    ],
)
def test_bad_course_lines_are_explained(line, message):
    from django.core.exceptions import ValidationError

    course = Course(campaign=CampaignFactory(), line=line)
    with pytest.raises(ValidationError) as excinfo:
        course.full_clean()
    assert message in str(excinfo.value)
