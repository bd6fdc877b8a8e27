"""Serving the public storage's files from Django: the one-machine default.

Published renditions and preview cards get random names and are never
rewritten (a new publication writes new files and deletes the old ones), so
they are sent with a year's cache lifetime. Deployments with a web server or
a bucket in front set ``TASUKI_SERVE_PUBLIC_MEDIA=false`` and serve the
folder (or the bucket) themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def public_file(request: HttpRequest, path: str) -> HttpResponse:
    response = serve(request, path, document_root=str(settings.PUBLIC_MEDIA_ROOT))
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response
