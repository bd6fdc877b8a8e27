"""Public campaign pages: home, landing, terms, privacy, contact."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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


@require_safe
def landing(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign(slug)
    status = campaign_status(campaign)
    return render(
        request,
        "campaigns/landing.html",
        {"campaign": campaign, "status": status, "periods": campaign.periods.all()},
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
