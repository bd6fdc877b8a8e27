"""Operational endpoints and the site-wide refusal pages."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe


def health(request: HttpRequest) -> JsonResponse:
    """200 when the database answers; load balancers and `make run` poll this."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"ok": False}, status=503)
    return JsonResponse({"ok": True})


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers that ask for /favicon.ico without reading the page's links."""
    return HttpResponsePermanentRedirect(static("tasuki/favicon-32.png"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The form's security cookie did not come back (cookies blocked or cleared).

    Django's own page is in English and says nothing useful to an entrant; the
    entry form's script, which would otherwise retry the same refused request
    for ever, shows this message instead and keeps the draft on the device.
    """
    message = _(
        "Your browser did not send back the security cookie this form needs, so nothing "
        "was saved. Please allow cookies for this site and reload the page: your answers "
        "are kept on this device."
    )
    if request.headers.get("X-Tasuki-Fetch") == "1":
        return JsonResponse(
            {"ok": False, "code": "csrf", "message": message, "errors": {}, "field": None},
            status=403,
        )
    return render(request, "403_csrf.html", {"message": message}, status=403)
