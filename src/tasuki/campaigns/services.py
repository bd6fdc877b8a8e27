"""Every change to campaigns, periods, terms and courses goes through here."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from tasuki.campaigns import geo
from tasuki.campaigns.models import Campaign, Course, EntryPeriod, KmMark, Landmark, TermsVersion


@transaction.atomic
def save_period(period: EntryPeriod) -> EntryPeriod:
    """Validate (no overlap with the campaign's other periods) and save a period.

    Raises ``ValidationError`` with a translated message when the period is
    invalid; the caller shows it, nothing is written.
    """
    # Lock the campaign row so two staff saving overlapping periods at once
    # cannot both pass the overlap check.
    Campaign.objects.select_for_update().filter(pk=period.campaign_id).first()
    period.full_clean()
    period.save()
    return period


@transaction.atomic
def make_terms_current(terms: TermsVersion) -> TermsVersion:
    """Make ``terms`` the one current version of its campaign."""
    TermsVersion.objects.filter(campaign_id=terms.campaign_id, is_current=True).exclude(
        pk=terms.pk
    ).update(is_current=False)
    terms.is_current = True
    terms.full_clean()
    terms.save()
    return terms


def _km(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


@transaction.atomic
def rebuild_course_marks(course: Course) -> list[KmMark]:
    """Recompute the km marks 0–42 and the finish, and every landmark's km.

    Marks sit at the same fraction of the drawn line as of the official
    distance, so the finish mark is the line's last point.
    """
    points = geo.validate_linestring(course.line)
    drawn = geo.line_length_km(points)
    official = float(course.distance_km)
    scale = drawn / official
    course.km_marks.all().delete()
    kms = [Decimal(k) for k in range(int(official) + 1)]
    if kms[-1] != course.distance_km:
        kms.append(course.distance_km)
    marks = []
    for km in kms:
        lon, lat = geo.point_at(points, float(km) * scale)
        marks.append(KmMark(course=course, km=km, longitude=lon, latitude=lat))
    KmMark.objects.bulk_create(marks)
    for landmark in course.landmarks.all():
        along = geo.project(points, (landmark.longitude, landmark.latitude))
        landmark.km = min(course.distance_km, _km(along / scale))
        landmark.save(update_fields=["km"])
    return marks


def add_landmark(course: Course, **fields) -> Landmark:
    """Add a landmark and place it on the course."""
    landmark = Landmark.objects.create(course=course, **fields)
    rebuild_course_marks(course)
    landmark.refresh_from_db()
    return landmark
