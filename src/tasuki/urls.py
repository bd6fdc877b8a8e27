"""Public pages sit under a language prefix (/ja/, /en/); the admin does not."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language
from django_otp.admin import OTPAdminSite

from tasuki.core import views as core_views
from tasuki.relay import media as relay_media
from tasuki.staff.forms import MaintenanceLoginForm

# Superuser maintenance only, and only with a second factor; wrong passwords
# and wrong codes there count towards the staff lock-out (django-axes).
admin.site.__class__ = OTPAdminSite
admin.site.login_form = MaintenanceLoginForm

urlpatterns = [
    path("healthz", core_views.health, name="health"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("altcha/", include("altcha_django.urls")),
    path("maintenance/", admin.site.urls),
    path("", include("tasuki.relay.root_urls")),
]

if settings.TASUKI_SERVE_PUBLIC_MEDIA:
    # Published photos and preview cards (django.views.static.serve refuses paths
    # that leave the folder; the folder holds nothing but public renditions).
    urlpatterns.append(
        re_path(
            r"^{}(?P<path>.+)$".format(settings.MEDIA_URL.lstrip("/") + "public/"),
            relay_media.public_file,
            name="public_media",
        )
    )

urlpatterns += i18n_patterns(
    path("staff/", include("tasuki.staff.urls")),
    path("staff/review/", include("tasuki.review.urls")),
    path("staff/audit/", include("tasuki.audit.urls")),
    path("staff/relay/", include("tasuki.relay.staff_urls")),
    path("", include("tasuki.entries.urls")),
    path("", include("tasuki.relay.urls")),
    path("", include("tasuki.campaigns.urls")),
    prefix_default_language=True,
)
