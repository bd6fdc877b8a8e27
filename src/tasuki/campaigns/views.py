"""Public campaign pages: home, landing, terms, privacy, contact."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from tasuki.campaigns.selectors import (
    campaign_status,
    current_terms,
    featured_campaign,
    get_campaign,
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    campaign = featured_campaign()
    if campaign is None:
        return render(request, "campaigns/empty.html")
    return redirect("campaigns:landing", slug=campaign.slug)


def _plural_forms(one: str, other: str) -> dict[str, str]:
    """A unit's forms by CLDR plural category, for the browser's ``Intl.PluralRules``.

    ``one`` and ``other`` are the only categories the site's two languages use
    (Japanese has one form, English two), so each is a message of its own; the
    count stays a placeholder for the script to fill.
    """
    return {"one": one, "other": other}


def countdown_messages() -> dict:
    """Whole sentences for countdown.js, in the page's language, from the catalogue.

    The script only fills in numbers: the order of the parts is the
    translation's, so Japanese reads 「締切まであと3日と4時間です。」 rather than
    the English word order.
    """
    return {
        "units": {
            "days": _plural_forms(gettext("%(count)s day"), gettext("%(count)s days")),
            "hours": _plural_forms(gettext("%(count)s hour"), gettext("%(count)s hours")),
            "minutes": _plural_forms(gettext("%(count)s minute"), gettext("%(count)s minutes")),
        },
        "sentences": {
            "days": gettext("%(days)s and %(hours)s left until the deadline."),
            "hours": gettext("%(hours)s and %(minutes)s left until the deadline."),
            "minutes": gettext("%(minutes)s left until the deadline."),
            "underAMinute": gettext("Less than a minute left until the deadline."),
            "closed": gettext(
                "The deadline has passed. Reload the page to see whether another period follows."
            ),
        },
    }


@require_safe
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    now = timezone.now()
    status = campaign_status(campaign, now)
    return render(
        request,
        "campaigns/landing.html",
        {
            "campaign": campaign,
            "status": status,
            "now": now,
            "countdown_messages": countdown_messages(),
        },
    )


def _terms_page(request: HttpRequest, slug: str, template: str) -> HttpResponse:
    campaign = get_campaign(slug)
    terms = current_terms(campaign)
    if terms is None:
        raise Http404
    return render(request, template, {"campaign": campaign, "terms": terms})


@require_safe
def terms(request: HttpRequest, slug: str) -> HttpResponse:
    return _terms_page(request, slug, "campaigns/terms.html")


@require_safe
def privacy(request: HttpRequest, slug: str) -> HttpResponse:
    return _terms_page(request, slug, "campaigns/privacy.html")


@require_safe
def contact(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    return render(request, "campaigns/contact.html", {"campaign": campaign})
