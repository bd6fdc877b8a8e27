"""The floor for bench/submit_load.py: a Django view that only inserts one row.

Served by the same gunicorn configuration and the same settings (and so the
same middleware) as the product, with ``TASUKI_URLCONF=bench.bare_urls``; the
script creates the table ``bench_bare`` with raw SQL before it starts the
server. ``/work/main`` must be on ``PYTHONPATH`` so that this module imports.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def insert(request: HttpRequest) -> JsonResponse:
    """Store the posted ``episode`` (or the whole body) as one row; answer with its id."""
    body = request.POST.get("episode") or request.body.decode(errors="replace")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_bare (body, created) VALUES (%s, now()) RETURNING id", [body]
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"ok": True, "id": row_id})


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


urlpatterns = [
    path("bare/", insert, name="bare-insert"),
    path("healthz", health, name="health"),
]
