"""Superuser maintenance of campaigns (behind the second factor). Staff-facing
set-up pages come with the back office; this keeps the rules (no overlapping
periods, one current terms version) even here."""

from itertools import pairwise

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from tasuki.campaigns import services
from tasuki.campaigns.models import Campaign, Course, EntryPeriod, Landmark, TermsVersion


class PeriodFormSet(BaseInlineFormSet):
    """Overlap is checked among the rows being saved, not only against the database."""

    def clean(self):
        super().clean()
        spans = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            opens, closes = form.cleaned_data.get("opens_at"), form.cleaned_data.get("closes_at")
            if opens and closes:
                spans.append((opens, closes, form.cleaned_data.get("number")))
        spans.sort()
        for (_a_open, a_close, a_num), (b_open, _b_close, b_num) in pairwise(spans):
            if b_open < a_close:
                raise ValidationError(
                    _("Periods %(a)s and %(b)s overlap. Periods of one campaign may not overlap."),
                    params={"a": a_num, "b": b_num},
                    code="overlap",
                )


class EntryPeriodInline(admin.TabularInline):
    model = EntryPeriod
    formset = PeriodFormSet
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_en", "announcement_date"]
    inlines = [EntryPeriodInline]


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["campaign", "version", "is_current", "published_at"]

    def save_model(self, request, obj, form, change):
        if obj.is_current:
            services.make_terms_current(obj)
        else:
            super().save_model(request, obj, form, change)


class LandmarkInline(admin.TabularInline):
    model = Landmark
    extra = 0
    readonly_fields = ["km"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    inlines = [LandmarkInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.rebuild_course_marks(form.instance)
