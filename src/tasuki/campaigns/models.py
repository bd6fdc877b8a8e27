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
from django_countries import countries

from tasuki.core.timefmt import JST, format_jst

#: The marathon distance; the finish is a km mark of its own.
MARATHON_KM = Decimal("42.195")
#: The marks a story can stand at: every whole kilometre from the start, and the finish.
KM_MARKS: tuple[Decimal, ...] = (*(Decimal(k) for k in range(43)), MARATHON_KM)


def km_label(km: Decimal) -> str:
    """A km mark as written in URLs and lists: "0" … "42", and "42.195" for the finish."""
    return "42.195" if km == MARATHON_KM else str(int(km))


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


def default_likely_countries() -> list[str]:
    """Japan first: most entrants of a race in Japan live there."""
    return ["JP"]


def validate_country_codes(value) -> None:
    """A list of ISO 3166-1 alpha-2 codes the country list knows, each once."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(
            _("Give a list of two-letter country codes, such as JP."), code="not_a_list"
        )
    unknown = [code for code in value if code not in countries]
    if unknown:
        raise ValidationError(
            _("These country codes are unknown: %(codes)s."),
            code="unknown_country",
            params={"codes": ", ".join(unknown)},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Each country may be listed only once."), code="duplicate_country")


class Series(BilingualMixin, models.Model):
    """A relay that runs year after year: each year's campaign is one run of it.

    A campaign's pages show the stories of the earlier runs of its series until
    its own are published, and a story may name a story of an earlier run as the
    one that moved its author.
    """

    slug = models.SlugField(_("slug"), unique=True, max_length=60)
    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self) -> str:
        return self.name_en or self.name_ja

    @property
    def name(self) -> str:
        return self.localized("name")


class Campaign(BilingualMixin, models.Model):
    slug = models.SlugField(_("slug"), unique=True, max_length=60)
    series = models.ForeignKey(
        Series,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("series"),
    )
    #: Which run of its series this campaign is (1 for the first year's relay).
    run_number = models.PositiveSmallIntegerField(
        _("run of the series"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
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
    likely_countries = models.JSONField(
        _("countries shown first"),
        default=default_likely_countries,
        blank=True,
        validators=[validate_country_codes],
        help_text=_(
            "Two-letter codes of the countries most entrants come from, as a JSON list such "
            'as ["JP", "TW", "US"]. The entry form lists them first, in this order.'
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-announcement_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "run_number"], name="campaign_run_unique_in_series"
            ),
            models.CheckConstraint(
                condition=Q(series__isnull=True, run_number__isnull=True)
                | Q(series__isnull=False, run_number__isnull=False),
                name="campaign_series_has_run_number",
            ),
        ]

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

    @property
    def announcement_display(self) -> str:
        """The announcement date as pages show it ('15 Apr 2026 (Wed)' or '2026年4月15日(水)')."""
        noon = dt.datetime.combine(self.announcement_date, dt.time(12), tzinfo=JST)
        return format_jst(noon, with_time=False)


def open_at_q(at: dt.datetime) -> Q:
    """The one rule for "open": a period is open at ``at`` when ``opens_at <= at < closes_at``.

    The database form of the rule; :meth:`EntryPeriod.is_open` is the same
    comparison on a loaded row (a test checks both agree at the boundaries).
    """
    return Q(opens_at__lte=at, closes_at__gt=at)


def closed_by_q(at: dt.datetime) -> Q:
    """Periods whose deadline has passed at ``at``: ``closes_at <= at``."""
    return Q(closes_at__lte=at)


class EntryPeriodQuerySet(models.QuerySet):
    def open_at(self, at: dt.datetime) -> EntryPeriodQuerySet:
        return self.filter(open_at_q(at))

    def closed_by(self, at: dt.datetime) -> EntryPeriodQuerySet:
        return self.filter(closed_by_q(at))


class EntryPeriod(BilingualMixin, models.Model):
    """A window in which entries are accepted: open in ``[opens_at, closes_at)``.

    Its name is a label ("第1期", "First period"): pages show it on its own or
    before a colon, never inside a sentence, so any name reads right in both
    languages ("The First period" was the result of putting it mid-sentence).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveSmallIntegerField(_("number"))
    name_ja = models.CharField(
        _("name (Japanese)"), max_length=100, help_text=_("Shown as a label, e.g. 第1期.")
    )
    name_en = models.CharField(
        _("name (English)"),
        max_length=100,
        help_text=_("Shown as a label, capitalised, e.g. First period."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))

    objects = EntryPeriodQuerySet.as_manager()

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
        """:func:`open_at_q` for a loaded row: ``opens_at <= at < closes_at``."""
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at

    def is_closed_by(self, at: dt.datetime) -> bool:
        """:func:`closed_by_q` for a loaded row."""
        return self.closes_at <= at

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
