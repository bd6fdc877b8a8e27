"""Campaigns, their entry periods, terms versions and the race course.

A campaign is one year of a story relay. Everything entrants do happens inside
an :class:`EntryPeriod`; the rules for "is it open now" live here, in one place,
so the landing page, the form and the submit path cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tasuki.core.timefmt import format_jst

#: The marathon distance; the finish is a km mark of its own.
MARATHON_KM = Decimal("42.195")


class BilingualMixin:
    """Pick the Japanese or English variant of a field for the active language."""

    def localized(self, field: str) -> str:
        lang = (get_language() or "ja")[:2]
        first, second = (
            (f"{field}_ja", f"{field}_en")
            if lang == "ja"
            else (
                f"{field}_en",
                f"{field}_ja",
            )
        )
        return getattr(self, first) or getattr(self, second)


class Campaign(BilingualMixin, models.Model):
    slug = models.SlugField(_("slug"), unique=True, max_length=60)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    tagline_ja = models.CharField(_("tagline (Japanese)"), max_length=300, blank=True)
    tagline_en = models.CharField(_("tagline (English)"), max_length=300, blank=True)
    intro_ja = models.TextField(_("introduction (Japanese)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    contact_email = models.EmailField(_("contact address"))
    instagram_account = models.CharField(_("official Instagram account"), max_length=60)
    x_account = models.CharField(_("official X account"), max_length=60)
    prize_ja = models.TextField(_("prize description (Japanese)"))
    prize_en = models.TextField(_("prize description (English)"))
    winners_count = models.PositiveSmallIntegerField(
        _("number of winners"), default=10, validators=[MinValueValidator(1)]
    )
    announcement_date = models.DateField(_("winners announced on"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-announcement_date"]

    def __str__(self) -> str:
        return self.name_en or self.name_ja

    @property
    def name(self) -> str:
        return self.localized("name")

    @property
    def tagline(self) -> str:
        return self.localized("tagline")

    @property
    def intro(self) -> str:
        return self.localized("intro")

    @property
    def prize(self) -> str:
        return self.localized("prize")


class EntryPeriod(BilingualMixin, models.Model):
    """A window in which entries are accepted: open in ``[opens_at, closes_at)``."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(_("number"))
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))

    class Meta:
        verbose_name = _("entry period")
        verbose_name_plural = _("entry periods")
        ordering = ["campaign", "opens_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"], name="entry_period_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="entry_period_closes_after_opening"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.slug} #{self.number}"

    @property
    def name(self) -> str:
        return self.localized("name")

    def is_open(self, at: dt.datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at

    @property
    def opens_display(self) -> str:
        return format_jst(self.opens_at)

    @property
    def closes_display(self) -> str:
        return format_jst(self.closes_at)

    def clean(self) -> None:
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError(
                {"closes_at": _("A period must close after it opens.")}, code="closes_before_opens"
            )
        if self.campaign_id and self.opens_at and self.closes_at:
            overlapping = (
                EntryPeriod.objects.filter(
                    campaign_id=self.campaign_id,
                    opens_at__lt=self.closes_at,
                    closes_at__gt=self.opens_at,
                )
                .exclude(pk=self.pk)
                .first()
            )
            if overlapping:
                raise ValidationError(
                    _(
                        "This period overlaps period %(number)s (%(opens)s – %(closes)s). "
                        "Periods of one campaign may not overlap."
                    ),
                    code="overlap",
                    params={
                        "number": overlapping.number,
                        "opens": overlapping.opens_display,
                        "closes": overlapping.closes_display,
                    },
                )


class TermsVersion(BilingualMixin, models.Model):
    """One version of a campaign's terms and privacy notice; entrants consent to one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="terms_versions")
    version = models.CharField(_("version"), max_length=20)
    terms_ja = models.TextField(_("terms (Japanese)"))
    terms_en = models.TextField(_("terms (English)"))
    privacy_ja = models.TextField(_("privacy notice (Japanese)"))
    privacy_en = models.TextField(_("privacy notice (English)"))
    is_current = models.BooleanField(_("current"), default=False)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("terms version")
        verbose_name_plural = _("terms versions")
        ordering = ["campaign", "-published_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "version"], name="terms_version_unique_per_campaign"
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(is_current=True),
                name="terms_one_current_per_campaign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.slug} terms {self.version}"

    @property
    def terms(self) -> str:
        return self.localized("terms")

    @property
    def privacy(self) -> str:
        return self.localized("privacy")


class Course(models.Model):
    """The race course as a GeoJSON LineString, with named landmarks along it."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="course")
    line = models.JSONField(
        _("course line (GeoJSON LineString)"),
        help_text=_('{"type": "LineString", "coordinates": [[lon, lat], …]} from start to finish'),
    )
    distance_km = models.DecimalField(
        _("official distance (km)"), max_digits=6, decimal_places=3, default=MARATHON_KM
    )

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return f"{self.campaign.slug} course"

    def clean(self) -> None:
        from tasuki.campaigns.geo import validate_linestring

        super().clean()
        try:
            validate_linestring(self.line)
        except ValueError as exc:
            raise ValidationError({"line": str(exc)}) from exc


class Landmark(BilingualMixin, models.Model):
    """A named place on the course; its km is computed by projecting it onto the line."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="landmarks")
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    longitude = models.FloatField(_("longitude"))
    latitude = models.FloatField(_("latitude"))
    km = models.DecimalField(_("km"), max_digits=6, decimal_places=3, editable=False, default=0)

    class Meta:
        verbose_name = _("landmark")
        verbose_name_plural = _("landmarks")
        ordering = ["course", "km"]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.km} km)"

    @property
    def name(self) -> str:
        return self.localized("name")


class KmMark(models.Model):
    """A point on the course at a whole kilometre (0–42) or the finish (42.195)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="km_marks")
    km = models.DecimalField(
        _("km"),
        max_digits=6,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MARATHON_KM)],
    )
    longitude = models.FloatField()
    latitude = models.FloatField()

    class Meta:
        verbose_name = _("km mark")
        verbose_name_plural = _("km marks")
        ordering = ["course", "km"]
        constraints = [
            models.UniqueConstraint(fields=["course", "km"], name="km_mark_unique_per_course")
        ]

    def __str__(self) -> str:
        return f"{self.km} km"

    @property
    def is_finish(self) -> bool:
        return self.km == self.course.distance_km
