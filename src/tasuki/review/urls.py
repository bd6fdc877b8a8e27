"""Review pages, under /ja/staff/review/ and /en/staff/review/. Every view carries
its rule (``tasuki.staff.roles.staff_required``); the URL-walk test reads it."""

from django.urls import path

# Importing the entries' URLs registers their rendition-format converter, "fmt".
import tasuki.entries.urls  # noqa: F401
from tasuki.review import flag_views, views

app_name = "review"

urlpatterns = [
    path("<slug:slug>/", views.queue, name="queue"),
    path("<slug:slug>/bulk/", views.bulk, name="bulk"),
    path("<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:slug>/checks/", flag_views.checks, name="checks"),
    path("<slug:slug>/checks/run/", flag_views.start_checks, name="checks_run"),
    path("<slug:slug>/export/", views.export, name="export"),
    path("<slug:slug>/exports/<int:pk>/", views.export_status, name="export_status"),
    path("<slug:slug>/exports/<int:pk>/file/", views.export_download, name="export_download"),
    path("<slug:slug>/entries/<int:pk>/", views.entry, name="entry"),
    path("<slug:slug>/entries/<int:pk>/act/", views.act, name="act"),
    path("<slug:slug>/entries/<int:pk>/flags/dismiss/", flag_views.dismiss, name="flag_dismiss"),
    path("<slug:slug>/entries/<int:pk>/personal/", views.personal_data, name="personal_data"),
    path(
        "<slug:slug>/entries/<int:pk>/photo/<str:token>/<int:width>.<fmt:fmt>",
        views.photo,
        name="photo",
    ),
]
